/**
 * GET /api/v1/transparency/status and POST /api/v1/transparency/verify, in process: the verify
 * endpoint runs the CLI's export + verification over the live log, so tampering the database
 * file behind the service's back must turn it red and name the entry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { generateNoteKey, parseSignerKey } from '../../src/core/transparency/checkpoint.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import type { TransparencyLog } from '../../src/transparency/transparency-log.js';
import { cosignLatest } from '../../src/transparency/witness-cosigner.js';
import { sampleEntries } from './sample-entries.js';
import { transparencyApp } from './transparency-app.js';

const ORIGIN = 'status.example/log';
let dir: string;
let log: TransparencyLog;
let app: ReturnType<typeof createApp>;


async function call(path: string, method = 'GET') {
  const res = await app.request(path, { method });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'saki-tstatus-'));
  log = openTransparencyLog(dir, { origin: ORIGIN });
  app = transparencyApp(log);
});

after(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /status before any checkpoint: size 0, no checkpoint, the log key', async () => {
  const { status, body } = await call('/api/v1/transparency/status');
  assert.equal(status, 200);
  assert.equal(body.size, 0);
  assert.equal(body.latestCheckpoint, null);
  assert.deepEqual(body.verifierKeys, [log.verifierKey]);
});

test('POST /verify on an empty log without checkpoints fails with no-checkpoint', async () => {
  const { status, body } = await call('/api/v1/transparency/verify', 'POST');
  assert.equal(status, 200);
  assert.equal(body.ok, false);
  assert.match(body.firstProblem as string, /no-checkpoint/);
});

test('GET /status after appends, a checkpoint and a cosignature', async () => {
  const w = generateNoteKey('commission.example');
  await log.append(sampleEntries(30));
  await log.issueCheckpoint();
  const witness = { signer: parseSignerKey(w.skey), verifierKey: w.vkey, logKey: log.verifierKey as string };
  const { state } = await cosignLatest(log, witness, undefined);
  await log.append(sampleEntries(10, 30));
  await log.issueCheckpoint();
  const { status, body } = await call('/api/v1/transparency/status');
  assert.equal(status, 200);
  assert.equal(body.size, 40);
  const cp = body.latestCheckpoint as Record<string, unknown>;
  assert.equal(cp.size, 40);
  assert.equal(cp.origin, ORIGIN);
  assert.deepEqual(new Uint8Array(Buffer.from(cp.rootHash as string, 'base64')), await log.root(40));
  assert.deepEqual(cp.signers, [ORIGIN]);
  assert.equal(cp.cosigned, false);
  assert.ok(!Number.isNaN(Date.parse(cp.createdAt as string)));
  assert.deepEqual(body.verifierKeys, [log.verifierKey, w.vkey]);

  // Cosign the latest too: signers list the witness and the badge turns on.
  await cosignLatest(log, witness, state);
  const again = (await call('/api/v1/transparency/status')).body.latestCheckpoint as Record<string, unknown>;
  assert.deepEqual(again.signers, [ORIGIN, 'commission.example']);
  assert.equal(again.cosigned, true);
});

test('POST /verify on the healthy log: ok, with the counts', async () => {
  const { status, body } = await call('/api/v1/transparency/verify', 'POST');
  assert.equal(status, 200);
  assert.equal(body.ok, true, String(body.firstProblem));
  assert.equal(body.checkedEntries, 40);
  assert.equal(body.checkedCheckpoints, 2);
  assert.equal(body.firstProblem, undefined);
  assert.equal(typeof body.durationMs, 'number');
});

test('POST /verify after an entry row is edited in the database file: ok=false naming the entry', async () => {
  // The running server may hold the write lock for a moment (a checkpoint): wait for it.
  execFileSync('sqlite3', [
    '-cmd',
    '.timeout 10000',
    join(dir, 'sakimori.db'),
    "DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET entry = replace(entry, 'dst_port=23', 'dst_port=22') WHERE seq = 15;",
  ]);
  const { status, body } = await call('/api/v1/transparency/verify', 'POST');
  assert.equal(status, 200);
  assert.equal(body.ok, false);
  assert.match(body.firstProblem as string, /^\[entry-stored-hash\] entry 15:/);
  assert.equal(body.checkedEntries, 40);
});
