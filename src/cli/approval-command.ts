import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SakimoriError } from '../core/errors.js';
import { CHANNELS, signApproval, verifyApproval, type Approval, type ApprovalBody, type Channel } from '../core/selection/approval.js';
import { criteriaHash } from '../core/selection/criteria.js';

export const APPROVAL_USAGE = `sakimori approval keygen --out PREFIX
  Makes an Ed25519 commission key pair: PREFIX.private.pem (mode 0600) and PREFIX.public.pem.
  Never overwrites. The key id of a key file is its name without .private.pem / .pem.

sakimori approval create --channel agreement|foreign-foreign|foreign-domestic --scope FEED [--scope FEED...]
                         [--operator ORG] --criteria FILE --valid-from ISO --valid-to ISO --key KEYFILE [--key KEYFILE...]
                         --out FILE [--id ID] [--approver NAME...] [--key-id ID...]
  Makes a commission approval (委員会の承認, Act Art. 17–18, 32–33) of the criteria document and signs
  it with every --key (Ed25519 private PEM), in the format the cyber-office instance verifies.
  --scope     an exporter address or exporter/observationDomain the approval covers (repeatable)
  --operator  agreement (ch. 3) only, and required there: the consenting operator's organisation id;
              it may read this approval's selected records
  --key-id    key ids in --key order (default: each key file's name without .private.pem)
  --approver  approving member ids (default: the key ids)
  --id        approval id (default: approval-<valid-from date>-<first 12 hex of the criteria hash>)
  The result is checked with the public halves before it is written; --out is never overwritten.`;

export async function approvalCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'keygen') return keygen(rest);
  if (sub === 'create') return create(rest);
  throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'approval needs a subcommand: keygen or create');
}

/** Key id of a key file: its name without .private.pem / .public.pem / .pem. */
export function keyIdOfFile(file: string): string {
  return basename(file).replace(/\.(private|public)\.pem$|\.pem$/, '');
}

function writeNew(file: string, text: string, mode: number): void {
  try {
    writeFileSync(file, text, { mode, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SakimoriError(code === 'EEXIST' ? 'SAKI_ERR_CLI_USAGE' : 'SAKI_ERR_STORAGE', `${file}: ${code === 'EEXIST' ? 'exists, not overwritten' : (code ?? 'write failed')}`, { cause: e });
  }
}

async function keygen(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
  if (!values.out) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'approval keygen needs --out PREFIX');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = `${values.out}.private.pem`;
  const pub = `${values.out}.public.pem`;
  writeNew(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  writeNew(pub, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  process.stderr.write(`key id ${keyIdOfFile(priv)}: wrote ${priv} and ${pub}\n`);
  return 0;
}

function readPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CONFIG_UNREADABLE', `${file}: not a readable private key PEM`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SakimoriError('SAKI_ERR_CLI_USAGE', `${file}: not an Ed25519 key`);
  return key;
}

function isoArg(v: string | undefined, name: string): string {
  if (v === undefined || !/^\d{4}-\d\d-\d\dT/.test(v) || !Number.isFinite(Date.parse(v))) {
    throw new SakimoriError('SAKI_ERR_CLI_USAGE', `${name} must be an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SSZ)`);
  }
  return v;
}

async function create(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      channel: { type: 'string' },
      scope: { type: 'string', multiple: true },
      operator: { type: 'string' },
      criteria: { type: 'string' },
      'valid-from': { type: 'string' },
      'valid-to': { type: 'string' },
      key: { type: 'string', multiple: true },
      'key-id': { type: 'string', multiple: true },
      approver: { type: 'string', multiple: true },
      id: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values.channel || !(CHANNELS as readonly string[]).includes(values.channel)) {
    throw new SakimoriError('SAKI_ERR_CLI_USAGE', `--channel must be one of ${CHANNELS.join(', ')}`);
  }
  if (!values.scope?.length) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'at least one --scope FEED is needed');
  if ((values.channel === 'agreement') !== (values.operator !== undefined)) {
    throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'an agreement needs --operator ORG (the consenting operator), and only an agreement takes it');
  }
  if (!values.criteria) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--criteria FILE is needed');
  if (!values.key?.length) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'at least one --key KEYFILE is needed');
  if (!values.out) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--out FILE is needed');
  const validFrom = isoArg(values['valid-from'], '--valid-from');
  const validTo = isoArg(values['valid-to'], '--valid-to');
  if (Date.parse(validFrom) >= Date.parse(validTo)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--valid-from must be before --valid-to');
  const keyIds = values['key-id'] ?? values.key.map(keyIdOfFile);
  if (keyIds.length !== values.key.length) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'give one --key-id per --key, in the same order');
  if (new Set(keyIds).size !== keyIds.length) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'key ids must be distinct');

  let criteria: unknown;
  try {
    criteria = JSON.parse(readFileSync(values.criteria, 'utf8')) as unknown;
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CONFIG_UNREADABLE', `${values.criteria}: not readable JSON`, { cause: e });
  }
  const hash = criteriaHash(criteria);
  const body: ApprovalBody = {
    id: values.id ?? `approval-${validFrom.slice(0, 10)}-${hash.slice(0, 12)}`,
    channel: values.channel as Channel,
    scope: values.operator !== undefined ? { feeds: values.scope, operator: values.operator } : { feeds: values.scope },
    criteriaHash: hash,
    validFrom,
    validTo,
    approvers: values.approver ?? keyIds,
  };
  const keys = values.key.map(readPrivateKey);
  const approval: Approval = { ...body, signatures: keys.map((k, i) => signApproval(body, k, keyIds[i])) };

  // The same check the cyber-office instance makes (at validFrom), so nothing unverifiable is written.
  const trusted = new Map(keys.map((k, i) => [keyIds[i], createPublicKey(k)] as const));
  const v = verifyApproval(approval, criteria, trusted, Date.parse(validFrom), { minSignatures: keys.length });
  if (!v.ok) throw v.error;
  writeNew(values.out, JSON.stringify(approval, null, 2) + '\n', 0o644);
  process.stderr.write(`approval ${body.id}: criteriaHash ${hash}, ${keys.length} signature(s), wrote ${values.out}\n`);
  return 0;
}
