/**
 * kill -9 during a burst of appends: every batch is one transaction, so after the crash the
 * log holds whole batches only, every entry has its leaf hash and every node it completes,
 * and the exported bundle verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashesEqual, leafHash } from '../../src/core/transparency/merkle-hash.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CHILD = join(REPO_ROOT, 'dist/test/transparency/append-burst.js');
const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const BATCH = 500;

/** Starts the appender, lets it commit `batches` more batches, then SIGKILLs it mid-burst. */
async function burstAndKill(dir: string, batches: number, extraMs: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, dir, String(BATCH)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`appender exited early: ${code}`))));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      seen += chunk.split('\n').filter((l) => l.startsWith('batch')).length;
      // Kill a few milliseconds into a later batch, i.e. inside a write transaction most of the time.
      if (seen >= batches && !child.killed) setTimeout(() => child.kill('SIGKILL'), extraMs);
    });
  });
}

test('SIGKILL during appends leaves only whole batches, complete trees, and a bundle that verifies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-crash-'));
  for (const [batches, ms] of [[6, 3], [4, 11], [5, 7]]) await burstAndKill(dir, batches, ms);

  const log = openTransparencyLog(dir);
  const size = await log.size();
  assert.ok(size >= 15 * BATCH, `only ${size} entries survived`);
  assert.equal(size % BATCH, 0, `a partial batch survived: ${size} entries`);
  const rows = await log.entries(0, size);
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: size }, (_, i) => i));
  const ref = new MerkleTree(new MemoryMerkleNodeStore());
  ref.appendLeaves(rows.map((r) => leafHash(Buffer.from(r.entry, 'utf8'))));
  rows.forEach((r, i) => assert.ok(hashesEqual(r.leafHash, ref.subtreeRoot(i, i + 1)), `leaf hash of entry ${i}`));
  for (let level = 1; 2 ** level <= size; level++) {
    const width = 2 ** level;
    const count = Math.floor(size / width);
    const stored = await log.storedHashes(level, 0, count + 4);
    for (let i = 0; i < count; i++) assert.ok(hashesEqual(stored[i] as Uint8Array, ref.subtreeRoot(i * width, (i + 1) * width)), `node (${level}, ${i})`);
    assert.deepEqual(stored.slice(count), [undefined, undefined, undefined, undefined], `no node beyond the entries at level ${level}`);
  }
  assert.ok(hashesEqual(await log.root(), ref.root()));
  await log.issueCheckpoint();
  const logKey = log.verifierKey as string;
  await log.close();

  const bundle = join(dir, 'bundle');
  const ex = spawnSync(process.execPath, [CLI, 'audit', 'export', '--out', bundle, '--data-dir', dir], { encoding: 'utf8' });
  assert.equal(ex.status, 0, ex.stderr);
  const v = spawnSync(process.execPath, [CLI, 'audit', 'verify', bundle, '--trusted-key', logKey], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, new RegExp(`entries      ${size} \\(0 after the latest checkpoint`));
  rmSync(dir, { recursive: true, force: true });
});
