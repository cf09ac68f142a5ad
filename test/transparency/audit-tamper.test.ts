/**
 * Tamper tests on the real database file: a log is written through the service, then altered
 * behind its back with the sqlite3 CLI (as an insider with file access would, dropping the
 * append-only triggers first), exported and verified offline through the CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCheckpoint, generateNoteKey, parseSignerKey, signNote } from '../../src/core/transparency/checkpoint.js';
import { LOG_KEY_FILE } from '../../src/transparency/log-key.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { cosignLatest } from '../../src/transparency/witness-cosigner.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { sampleEntries } from './sample-entries.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const ORIGIN = 'tamper.example/log';
const BATCH = 20;
const BATCHES = 5;

let base: string;
const made: string[] = [];
let logKey: string;
let witnessKey: string;

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function sql(dir: string, statements: string): void {
  execFileSync('sqlite3', [join(dir, 'sakimori.db'), statements]);
}

/** A fresh copy of the healthy log. */
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'saki-tamper-'));
  made.push(dir);
  cpSync(base, dir, { recursive: true });
  return dir;
}

/** Exports the data directory and verifies the bundle with the pinned keys (plus `extra` arguments). */
function exportAndVerify(dir: string, ...extra: string[]) {
  const bundle = join(dir, 'bundle');
  const ex = cli('audit', 'export', '--out', bundle, '--data-dir', dir);
  assert.equal(ex.status, 0, ex.stderr);
  const v = cli('audit', 'verify', bundle, '--trusted-key', logKey, '--trusted-key', witnessKey, ...extra);
  return { ...v, first: v.stderr.split('\n')[0] };
}

describe('audit verify on a tampered database', () => {
  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'saki-tamper-base-'));
    const log = openTransparencyLog(base, { origin: ORIGIN });
    const w = generateNoteKey('commission.example');
    witnessKey = w.vkey;
    logKey = log.verifierKey as string;
    let state;
    for (let b = 0; b < BATCHES; b++) {
      await log.append(sampleEntries(BATCH, b * BATCH));
      await log.issueCheckpoint();
      state = (await cosignLatest(log, { signer: parseSignerKey(w.skey), verifierKey: w.vkey, logKey }, state)).state;
    }
    await log.close();
    made.push(base);
  });

  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  test('the untouched log verifies: exit 0', () => {
    const v = exportAndVerify(copy());
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /audit verify: OK/);
    assert.match(v.stdout, /size 100, .* cosigned by commission\.example/);
  });

  test('an edited entry row is named by its seq', () => {
    const dir = copy();
    sql(dir, "DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET entry = replace(entry, 'dst_port=23', 'dst_port=22') WHERE seq = 43;");
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /^SAKI_ERR_AUDIT_VERIFY_FAILED: \[entry-stored-hash\] entry 43:/);
    assert.match(v.stderr, /\[entry-modified\] entry 43: does not match checkpoint 3 \(size 60\)/);
  });

  // The log stores tree levels 0, 3, 6, … (sqlite-merkle-node-store.ts): the export derives
  // levels 1 and 2 from the rewritten leaf hashes, so the stored level-3 node pins the edit to its 8 leaves.
  test('an edited entry whose leaf hash was rewritten too is still located, to its tile of 8 leaves', () => {
    const dir = copy();
    const text = execFileSync('sqlite3', [join(dir, 'sakimori.db'), 'SELECT entry FROM log_entries WHERE seq = 43'], { encoding: 'utf8' }).trimEnd();
    const forged = text.replace('dst_port=23', 'dst_port=22');
    const hash = createHash('sha256').update(Buffer.from([0])).update(forged).digest('hex');
    sql(dir, `DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET entry = '${forged.replaceAll("'", "''")}', leaf_hash = X'${hash}' WHERE seq = 43;`);
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[entry-modified\] entries 40\.\.47: the first entry that does not match checkpoint 3 \(size 60\)/);
  });

  test('a deleted row is named by its seq', () => {
    const dir = copy();
    sql(dir, 'DROP TRIGGER log_entries_append_only_d; DELETE FROM log_entries WHERE seq = 57;');
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[entry-sequence\] entry 57: position 57 holds the entry numbered 58/);
  });

  test('reordered rows are named by the first moved seq', () => {
    const dir = copy();
    sql(
      dir,
      'DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET seq = -1 WHERE seq = 30; UPDATE log_entries SET seq = 30 WHERE seq = 31; UPDATE log_entries SET seq = 31 WHERE seq = -1;',
    );
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[entry-sequence\] entry 30: position 30 holds the entry numbered 31/);
  });

  test('a truncated log (last rows deleted) is named by the first missing seq', () => {
    const dir = copy();
    sql(dir, 'DROP TRIGGER log_entries_append_only_d; DELETE FROM log_entries WHERE seq >= 90;');
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[truncated\] entry 90: missing; checkpoint 5 covers 100 entries but the log holds 90/);
  });

  test('truncation hidden by also deleting the checkpoints is caught by a checkpoint the witness kept', () => {
    const dir = copy();
    const kept = join(dir, 'commission-copy.note');
    writeFileSync(kept, execFileSync('sqlite3', [join(dir, 'sakimori.db'), 'SELECT note FROM log_checkpoints WHERE size = 100'], { encoding: 'utf8' }).replace(/\n$/, ''));
    sql(
      dir,
      'DROP TRIGGER log_entries_append_only_d; DROP TRIGGER log_checkpoints_append_only_d; DROP TRIGGER log_cosignatures_append_only_d; DELETE FROM log_entries WHERE seq >= 90; DELETE FROM log_cosignatures WHERE checkpoint_id = 5; DELETE FROM log_checkpoints WHERE size = 100;',
    );
    assert.equal(exportAndVerify(dir).status, 0, 'the database alone now looks consistent');
    const v = cli('audit', 'verify', join(dir, 'bundle'), '--trusted-key', logKey, '--checkpoint', kept);
    assert.equal(v.status, 1);
    assert.match(v.stderr.split('\n')[0], /\[truncated\] entry 90: missing; checkpoint file .*commission-copy\.note covers 100 entries/);
  });

  test('a fork (two checkpoints of one size with different roots, both signed by the log key) is named', () => {
    const dir = copy();
    const signer = parseSignerKey(readFileSync(join(dir, LOG_KEY_FILE), 'utf8').trim());
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 60, rootHash: new Uint8Array(32).fill(7), extensions: [] }), [signer]);
    sql(dir, `INSERT INTO log_checkpoints (size, root_hash, note, log_key, created_at) VALUES (60, zeroblob(32), '${note}', '${logKey}', 0);`);
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[fork\] fork: checkpoint 3 and checkpoint 6 are both signed for size 60 with different roots/);
  });

  test('a checkpoint signed by an unknown key is named; unpinned, two log keys are refused', () => {
    const dir = copy();
    const rogue = generateNoteKey(ORIGIN);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 100, rootHash: new Uint8Array(32), extensions: [] }), [parseSignerKey(rogue.skey)]);
    sql(dir, `INSERT INTO log_checkpoints (size, root_hash, note, log_key, created_at) VALUES (100, zeroblob(32), '${note}', '${rogue.vkey}', 0);`);
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[checkpoint-unknown-key\] checkpoint 6: signed by unknown key tamper\.example\/log\+[0-9a-f]{8}/);
    const unpinned = cli('audit', 'verify', join(dir, 'bundle'));
    assert.equal(unpinned.status, 1);
    assert.match(unpinned.stderr, /the bundle lists 2 log keys .* pin the right one with --trusted-key/);
  });

  test('a checkpoint whose signature was altered is named', () => {
    const dir = copy();
    sql(dir, "DROP TRIGGER log_checkpoints_append_only_u; UPDATE log_checkpoints SET note = replace(note, char(10) || '40' || char(10), char(10) || '41' || char(10)) WHERE id = 2;");
    const v = exportAndVerify(dir);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[checkpoint-signature\] checkpoint 2: signature by tamper\.example\/log\+[0-9a-f]{8} does not verify/);
  });

  test('--json reports the same verdict for machines', () => {
    const dir = copy();
    sql(dir, "DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET entry = replace(entry, 'routed', 'dropped') WHERE seq = 74;");
    const v = exportAndVerify(dir, '--json');
    assert.equal(v.status, 1);
    const out = JSON.parse(v.stdout) as { ok: boolean; problems: { kind: string; seq: number }[]; keysPinned: boolean };
    assert.equal(out.ok, false);
    assert.equal(out.keysPinned, true);
    assert.deepEqual([out.problems[0].kind, out.problems[0].seq], ['entry-stored-hash', 74]);
  });
});
