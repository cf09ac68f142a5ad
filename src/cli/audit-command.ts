import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { SakimoriError } from '../core/errors.js';
import type { VerifyProblem, VerifiedCheckpoint } from '../core/transparency/log-verifier.js';
import { exportBundle } from '../transparency/audit-export.js';
import { verifyBundle } from '../transparency/audit-verify.js';
import { createKeyFile, readKeyFile } from '../transparency/log-key.js';
import { openTransparencyLog } from '../transparency/open-transparency-log.js';
import { rotateLogKey } from '../transparency/rotate-log-key.js';
import type { TransparencyLog } from '../transparency/transparency-log.js';
import { cosignLatest, loadWitnessState, saveWitnessState } from '../transparency/witness-cosigner.js';

export const AUDIT_USAGE = `sakimori audit export --out DIR [--data-dir DIR] [--config FILE]
  Writes an offline audit bundle of the transparency log: every entry, every checkpoint with
  its cosignatures, the stored tree, the log's and witnesses' verifier keys.
sakimori audit verify BUNDLE [--trusted-key VKEY]... [--checkpoint FILE]... [--json]
  Verifies a bundle offline (no database, no network): recomputes the Merkle tree from the
  entries and checks every checkpoint's signatures, root and consistency. Exit 0 only if all
  holds; otherwise exit 1 naming the first bad entry (seq) or checkpoint.
  --trusted-key  a verifier key you hold (the log's, a witness's); repeatable. Without it the
                 keys listed in the bundle are used, and the result says they were not pinned
  --checkpoint   a signed checkpoint you kept (e.g. one you cosigned); repeatable
sakimori audit checkpoint [--data-dir DIR] [--origin ORIGIN]
  Signs a checkpoint of the log now (or prints the current one if nothing was appended since).
  --origin       checkpoint origin used when the log key is created by this command
sakimori audit keys [--data-dir DIR] [--origin ORIGIN]
  Prints the log's verifier key (creating the key on first use) and the witness keys seen.
sakimori audit rotate-key --reason TEXT [--actor WHO] [--organisation ORG] [--data-dir DIR]
  Replaces the log's signing key: signs a last checkpoint with the current key, appends a
  key-rotation entry endorsed by it, signs the next checkpoint with the new key. The old
  public key stays in the key history (audit keys); the old private key is deleted.
sakimori audit keygen --name NAME --out FILE
  Creates a witness signing key file (mode 0600) and prints its verifier key.
sakimori audit cosign --witness-key FILE --log-key VKEY [--state FILE] [--data-dir DIR]
  Cosigns the latest checkpoint as a witness after checking it extends the last one this
  witness cosigned (state kept in --state, default FILE.state.json).`;

const subcommands: Record<string, (argv: string[]) => Promise<number>> = {
  export: exportCommand,
  verify: verifyCommand,
  checkpoint: checkpointCommand,
  keys: keysCommand,
  'rotate-key': rotateKeyCommand,
  keygen: keygenCommand,
  cosign: cosignCommand,
};

export async function auditCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const sub = name === undefined ? undefined : subcommands[name];
  if (!sub) throw new SakimoriError('SAKI_ERR_CLI_USAGE', `audit needs one of: ${Object.keys(subcommands).join(', ')}`);
  return sub(rest);
}

const dataDirOptions = { config: { type: 'string' }, 'data-dir': { type: 'string' } } as const;

function dataDirOf(values: { config?: string; 'data-dir'?: string }): string {
  return loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
  }).dataDir;
}

async function withLog<T>(log: TransparencyLog, fn: (log: TransparencyLog) => Promise<T>): Promise<T> {
  try {
    return await fn(log);
  } finally {
    await log.close();
  }
}

async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...dataDirOptions, out: { type: 'string' } } });
  if (!values.out) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'audit export needs --out DIR');
  const out = values.out;
  const m = await withLog(openTransparencyLog(dataDirOf(values), { withoutKey: true }), (log) => exportBundle(log, out));
  process.stdout.write(`exported ${m.entries} entries and ${m.checkpoints} checkpoints of ${m.origin} to ${out}\n`);
  for (const k of m.logKeys) process.stdout.write(`log key      ${k}\n`);
  for (const k of m.witnessKeys) process.stdout.write(`witness key  ${k}\n`);
  return 0;
}

async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'trusted-key': { type: 'string', multiple: true }, checkpoint: { type: 'string', multiple: true }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'audit verify needs exactly one BUNDLE directory');
  const extra = (values.checkpoint ?? []).map((file) => {
    try {
      return { label: `checkpoint file ${file}`, note: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_AUDIT_BUNDLE_UNREADABLE', `cannot read ${file}`, { cause: e });
    }
  });
  const t0 = performance.now();
  const v = verifyBundle(positionals[0], { trustedKeys: values['trusted-key'] ?? [], extraCheckpoints: extra });
  const seconds = (performance.now() - t0) / 1000;
  const { report } = v;
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        ok: report.ok,
        origin: v.origin,
        keysPinned: v.keysPinned,
        logKeys: v.logKeys,
        witnessKeys: v.witnessKeys,
        entries: report.entries,
        uncovered: report.uncovered,
        latest: report.latest && checkpointJson(report.latest),
        checkpoints: report.checkpoints.length,
        problems: report.problems,
        seconds,
      }) + '\n',
    );
  } else {
    const w = (s: string) => process.stdout.write(s + '\n');
    w(`origin       ${v.origin}`);
    w(`keys         ${v.keysPinned ? 'pinned with --trusted-key' : 'taken from the bundle (NOT pinned: pass --trusted-key with keys you hold)'}`);
    for (const k of v.logKeys) w(`  log        ${k}`);
    for (const k of v.witnessKeys) w(`  witness    ${k}`);
    w(`entries      ${report.entries} (${report.uncovered} after the latest checkpoint, not yet signed)`);
    w(`checkpoints  ${report.checkpoints.length} valid`);
    if (report.latest) {
      const l = report.latest;
      w(`latest       ${l.label}: size ${l.size}, root ${Buffer.from(l.rootHash).toString('base64')}, cosigned by ${l.cosigners.join(', ') || 'no trusted witness'}`);
      if (l.unknownCosigners.length > 0) w(`             also cosigned by keys not given (unverified): ${l.unknownCosigners.join(', ')}`);
    }
    w(`time         ${seconds.toFixed(2)} s`);
  }
  if (report.ok) {
    if (!values.json) process.stdout.write('audit verify: OK\n');
    return 0;
  }
  const [first, ...rest] = report.problems;
  process.stderr.write(`SAKI_ERR_AUDIT_VERIFY_FAILED: ${describe(first)}\n`);
  for (const p of rest.slice(0, 20)) process.stderr.write(`  also: ${describe(p)}\n`);
  if (rest.length > 20) process.stderr.write(`  … ${rest.length - 20} more\n`);
  return 1;
}

function describe(p: VerifyProblem): string {
  return `[${p.kind}] ${p.message}`;
}

function checkpointJson(c: VerifiedCheckpoint) {
  return { label: c.label, size: c.size, rootHash: Buffer.from(c.rootHash).toString('base64'), cosigners: c.cosigners, unknownCosigners: c.unknownCosigners };
}

async function checkpointCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...dataDirOptions, origin: { type: 'string' } } });
  const cp = await withLog(openTransparencyLog(dataDirOf(values), { origin: values.origin }), (log) => log.issueCheckpoint());
  process.stdout.write(cp.note);
  return 0;
}

async function keysCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...dataDirOptions, origin: { type: 'string' } } });
  await withLog(openTransparencyLog(dataDirOf(values), { origin: values.origin }), async (log) => {
    process.stdout.write(`log      ${log.verifierKey}\n`);
    // Retired keys, oldest first: the first is the anchor an auditor trusts (--trusted-key).
    for (const k of log.logKeys.filter((k) => k !== log.verifierKey)) process.stdout.write(`previous ${k}\n`);
    const witnesses = new Set((await log.checkpoints()).flatMap((c) => c.witnessKeys));
    for (const k of witnesses) process.stdout.write(`witness  ${k}\n`);
  });
  return 0;
}

async function rotateKeyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...dataDirOptions, reason: { type: 'string' }, actor: { type: 'string' }, organisation: { type: 'string' } } });
  if (!values.reason) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'audit rotate-key needs --reason TEXT (it goes into the log)');
  const reason = values.reason;
  const dataDir = dataDirOf(values);
  const actor = { who: values.actor ?? 'sakimori-cli', role: 'log-operator', organisation: values.organisation ?? 'this instance' };
  const r = await withLog(openTransparencyLog(dataDir), (log) => rotateLogKey(dataDir, log, { actor, reason }));
  process.stdout.write(`rotated at entry ${r.seq}\n`);
  process.stdout.write(`previous ${r.previousKey} (last checkpoint: size ${r.before.size})\n`);
  process.stdout.write(`log      ${r.newKey} (first checkpoint: size ${r.after.size})\n`);
  return 0;
}

async function keygenCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string' }, out: { type: 'string' } } });
  if (!values.name || !values.out) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'audit keygen needs --name NAME and --out FILE');
  const key = createKeyFile(values.out, values.name);
  process.stdout.write(`${key.verifierKey}\n`);
  return 0;
}

async function cosignCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...dataDirOptions, 'witness-key': { type: 'string' }, 'log-key': { type: 'string' }, state: { type: 'string' } },
  });
  const keyFile = values['witness-key'];
  const logKey = values['log-key'];
  if (!keyFile || !logKey) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'audit cosign needs --witness-key FILE and --log-key VKEY');
  const statePath = values.state ?? `${keyFile}.state.json`;
  const witness = readKeyFile(keyFile);
  const previous = loadWitnessState(statePath);
  const { checkpoint, state } = await withLog(openTransparencyLog(dataDirOf(values), { withoutKey: true }), (log) =>
    cosignLatest(log, { signer: witness.signer, verifierKey: witness.verifierKey, logKey }, previous),
  );
  saveWitnessState(statePath, state);
  process.stdout.write(checkpoint.note);
  return 0;
}
