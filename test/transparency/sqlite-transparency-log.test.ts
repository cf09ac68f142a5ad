import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSakimoriError } from '../../src/core/errors.js';
import { scheduleCheckpoints } from '../../src/transparency/checkpoint-scheduler.js';
import { LOG_KEY_FILE, loadOrCreateLogKey } from '../../src/transparency/log-key.js';
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
  await log.append(sampleEntries(3));
  await log.issueCheckpoint();
  await log.close();
  const db = join(dir, 'sakimori.db');
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
