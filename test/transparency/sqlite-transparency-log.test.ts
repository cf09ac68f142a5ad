import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isSakimoriError } from '../../src/core/errors.js';
import { verifyInclusion } from '../../src/core/transparency/merkle-proof.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import { scheduleCheckpoints } from '../../src/transparency/checkpoint-scheduler.js';
import { LOG_KEY_FILE, loadOrCreateLogKey } from '../../src/transparency/log-key.js';
import { SqliteMerkleNodeStore } from '../../src/storage/sqlite/sqlite-merkle-node-store.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { transparencyLogContract } from './transparency-log.case.js';
import { sampleEntries } from './sample-entries.js';

transparencyLogContract({
  name: 'SQLite',
  async open(now) {
    const dir = mkdtempSync(join(tmpdir(), 'saki-tlog-'));
    const log = openTransparencyLog(dir, { origin: 'test.example/log', now });
    return {
      log,
      cleanup: async () => {
        await log.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

const code = (c: string) => (e: unknown) => isSakimoriError(e) && e.code === c;

test('the log key file is created once with mode 0600; a readable or foreign key is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-tkey-'));
  const a = loadOrCreateLogKey(dir, { origin: 'test.example/log' });
  assert.equal(statSync(join(dir, LOG_KEY_FILE)).mode & 0o777, 0o600);
  const b = loadOrCreateLogKey(dir);
  assert.equal(b.verifierKey, a.verifierKey);
  assert.throws(() => loadOrCreateLogKey(dir, { origin: 'other.example/log' }), code('SAKI_ERR_LOG_KEY_UNUSABLE'));
  chmodSync(join(dir, LOG_KEY_FILE), 0o644);
  assert.throws(() => loadOrCreateLogKey(dir), code('SAKI_ERR_LOG_KEY_UNUSABLE'));
  rmSync(dir, { recursive: true, force: true });
});

test('the database refuses UPDATE and DELETE on log tables (append-only triggers)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-ttrig-'));
  const log = openTransparencyLog(dir, { origin: 'test.example/log' });
  // 8 entries: log_nodes keeps levels 3, 6, …, so the first node row exists from the 8th entry.
  await log.append(sampleEntries(8));
  await log.issueCheckpoint();
  await log.close();
  const db = join(dir, 'sakimori.db');
  assert.equal(execFileSync('sqlite3', [db, 'SELECT count(*) FROM log_nodes'], { encoding: 'utf8' }).trim(), '1');
  for (const sql of ["UPDATE log_entries SET entry = '{}' WHERE seq = 1", 'DELETE FROM log_entries WHERE seq = 2', 'DELETE FROM log_nodes', "UPDATE log_checkpoints SET note = ''"]) {
    assert.throws(() => execFileSync('sqlite3', [db, sql], { stdio: 'pipe' }), /append-only/);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('issuing a checkpoint over a tree that no longer reproduces the last signed root is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-tsign-'));
  const log = openTransparencyLog(dir, { origin: 'test.example/log' });
  await log.append(sampleEntries(8));
  await log.issueCheckpoint();
  await log.close();
  execFileSync('sqlite3', [join(dir, 'sakimori.db'), "DROP TRIGGER log_nodes_append_only_u; UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 0;"]);
  const reopened = openTransparencyLog(dir);
  await reopened.append(sampleEntries(1, 8));
  await assert.rejects(reopened.issueCheckpoint(), code('SAKI_ERR_LOG_CORRUPT'));
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

test('scheduled checkpoints follow the log as it grows and stop when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-tsched-'));
  const log = openTransparencyLog(dir, { origin: 'test.example/log' });
  const issued: number[] = [];
  const stop = scheduleCheckpoints(log, 20, { onIssued: (cp) => issued.push(cp.size), onError: (e) => assert.fail(String(e)) });
  await log.append(sampleEntries(3));
  await new Promise((r) => setTimeout(r, 120));
  await log.append(sampleEntries(2, 3));
  await new Promise((r) => setTimeout(r, 120));
  stop();
  assert.deepEqual(issued, [3, 5]);
  assert.deepEqual((await log.checkpoints()).map((c) => c.size), [3, 5]);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

test('migration 8 drops the stored tree levels that are not multiples of 3; roots, proofs and checkpoints stay the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-tmig8-'));
  const log = openTransparencyLog(dir, { origin: 'test.example/log' });
  await log.append(sampleEntries(100));
  const cp = await log.issueCheckpoint();
  const leaves = (await log.entries(0, 100)).map((e) => e.leafHash);
  await log.close();
  // Rebuild the layout of schema version 7: every level >= 1 in log_nodes.
  const all = new MemoryMerkleNodeStore();
  new MerkleTree(all).appendLeaves(leaves);
  const raw = new BetterSqlite3(join(dir, 'sakimori.db'));
  const insert = raw.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
  for (let level = 1; 2 ** level <= 100; level++) {
    if (level % 3 === 0) continue;
    for (let i = 0; i < Math.floor(100 / 2 ** level); i++) insert.run(level, i, all.getNode(level, i));
  }
  raw.prepare('DELETE FROM schema_migrations WHERE version = 8').run();
  const countOff = raw.prepare('SELECT count(*) FROM log_nodes WHERE level % 3 <> 0').pluck();
  assert.equal(countOff.get(), 50 + 25 + 6 + 3);
  raw.close();

  const reopened = openTransparencyLog(dir);
  const check = new BetterSqlite3(join(dir, 'sakimori.db'), { readonly: true });
  assert.equal(check.prepare('SELECT count(*) FROM log_nodes WHERE level % 3 <> 0').pluck().get(), 0);
  assert.equal(check.prepare('SELECT count(*) FROM log_nodes').pluck().get(), 12 + 1);
  check.close();
  assert.deepEqual(await reopened.root(), cp.rootHash);
  for (const i of [0, 37, 99]) verifyInclusion(i, 100, leaves[i], await reopened.inclusionProof(i, 100), cp.rootHash);
  for (const level of [1, 2, 4, 5]) {
    const derived = await reopened.storedHashes(level, 0, Math.floor(100 / 2 ** level));
    derived.forEach((h, i) => assert.deepEqual(h, all.getNode(level, i), `derived node (${level}, ${i})`));
  }
  await reopened.append(sampleEntries(5, 100));
  assert.equal((await reopened.issueCheckpoint()).size, 105);
  await reopened.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the node store reads a range of stored hashes as the point reads give them, around gaps too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-trange-'));
  const log = openTransparencyLog(dir, { origin: 'test.example/log' });
  await log.append(sampleEntries(40));
  await log.close();
  execFileSync('sqlite3', [join(dir, 'sakimori.db'), 'DROP TRIGGER log_entries_append_only_d; DELETE FROM log_entries WHERE seq IN (8, 13);']);
  const raw = new BetterSqlite3(join(dir, 'sakimori.db'), { readonly: true });
  const store = new SqliteMerkleNodeStore(raw);
  for (const [level, start, end] of [[0, 0, 8], [0, 8, 16], [0, 10, 20], [0, 36, 44], [0, 50, 58], [3, 0, 8], [3, 2, 4], [6, 0, 8]] as const) {
    const points = Array.from({ length: end - start }, (_, k) => store.getNode(level, start + k));
    const range = store.getNodes(level, start, end);
    assert.equal(range.length, end - start);
    range.forEach((h, k) => assert.deepEqual(h === undefined ? undefined : Buffer.from(h), points[k], `(${level}, ${start + k}) in [${start}, ${end})`));
  }
  assert.equal(store.getNodes(0, 8, 16)[0], undefined);
  assert.notEqual(store.getNodes(0, 8, 16)[1], undefined);
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});
