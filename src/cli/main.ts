#!/usr/bin/env node
import { isSakimoriError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { IMPORT_USAGE, importCommand } from './import-command.js';
import { AUDIT_USAGE, auditCommand } from './audit-command.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';
import { SELECT_USAGE, selectCommand } from './select-command.js';
import { DARKNET_USAGE, darknetCommand } from './darknet-command.js';
import { NOTIFY_USAGE, notifyCommand } from './notify-command.js';
import { DETECT_USAGE, detectCommand } from './detect-command.js';
import { APPROVAL_USAGE, approvalCommand } from './approval-command.js';
import { configJsonSchema } from '../config/load-config.js';
import { HUB_USAGE, hubCommand } from './hub-command.js';

const USAGE = `防人 Sakimori ${VERSION}

Usage: sakimori <command> [options]

Commands:
${SERVE_USAGE}

${IMPORT_USAGE}

${SELECT_USAGE}

${DETECT_USAGE}
${APPROVAL_USAGE}

${AUDIT_USAGE}

${HUB_USAGE}

${DARKNET_USAGE}

${NOTIFY_USAGE}

sakimori config-schema   print the configuration JSON Schema
sakimori version     print the version
sakimori help        this text
`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  import: importCommand,
  select: selectCommand,
  detect: detectCommand,
  approval: approvalCommand,
  audit: auditCommand,
  hub: hubCommand,
  darknet: darknetCommand,
  notify: notifyCommand,
  'config-schema': async () => {
    process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    return 0;
  },
  version: async () => {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  },
  help: async () => {
    process.stdout.write(USAGE);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = commands[name ?? 'help'];
  if (!command) {
    process.stderr.write(`SAKI_ERR_CLI_USAGE: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    if (isSakimoriError(e)) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return e.code === 'SAKI_ERR_CLI_USAGE' ? 2 : 1;
    }
    const err = e as { code?: string; message?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`SAKI_ERR_CLI_USAGE: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`SAKI_ERR_INTERNAL: ${err.message ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
