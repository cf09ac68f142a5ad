import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { openCheckpoint, parseVerifierKey } from '../../src/core/transparency/checkpoint.js';
import { leafHash } from '../../src/core/transparency/merkle-hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/transparency/merkle-proof.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import type { TransparencyLog } from '../../src/transparency/transparency-log.js';
import { sampleEntries } from './sample-entries.js';
import { transparencyApp } from './transparency-app.js';

let dir: string;
let log: TransparencyLog;
let app: ReturnType<typeof createApp>;


const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const get = async (path: string) => {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saki-tapi-'));
  log = openTransparencyLog(dir, { origin: 'api.example/log' });
  app = transparencyApp(log);
});

after(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /checkpoint is 404 before the first checkpoint, then the signed note with cosignatures', async () => {
  const none = await get('/api/v1/transparency/checkpoint');
  assert.equal(none.status, 404);
  assert.equal(none.body.code, 'SAKI_ERR_NOT_FOUND');
  await log.append(sampleEntries(21));
  await log.issueCheckpoint();
  const { status, body } = await get('/api/v1/transparency/checkpoint');
  assert.equal(status, 200);
  const { checkpoint } = openCheckpoint(body.note as string, [parseVerifierKey(body.logKey as string)]);
  assert.equal(checkpoint.size, 21);
  assert.equal(body.size, 21);
  assert.equal(body.origin, 'api.example/log');
  assert.deepEqual(b64(body.rootHash as string), checkpoint.rootHash);
});

test('GET /proof/inclusion and /proof/consistency return proofs that verify against the checkpoint', async () => {
  const cp = (await get('/api/v1/transparency/checkpoint')).body;
  const root = b64(cp.rootHash as string);
  const entries = (await get('/api/v1/transparency/entries?start=0&end=21')).body.entries as { seq: number; entry: string; leafHash: string }[];
  for (const i of [0, 7, 20]) {
    const { status, body } = await get(`/api/v1/transparency/proof/inclusion?index=${i}&size=21`);
    assert.equal(status, 200);
    assert.deepEqual(b64(body.leafHash as string), leafHash(Buffer.from(entries[i].entry, 'utf8')));
    verifyInclusion(i, 21, b64(body.leafHash as string), (body.proof as string[]).map(b64), root);
  }
  const { body } = await get('/api/v1/transparency/proof/consistency?first=13&second=21');
  verifyConsistency(13, 21, (body.proof as string[]).map(b64), await log.root(13), root);
});

test('GET /entries returns exact leaf data in order, bounded per request', async () => {
  const { status, body } = await get('/api/v1/transparency/entries?start=5&end=8');
  assert.equal(status, 200);
  assert.equal(body.size, 21);
  const entries = body.entries as { seq: number; entry: string }[];
  assert.deepEqual(entries.map((e) => e.seq), [5, 6, 7]);
  assert.equal((JSON.parse(entries[0].entry) as { seq: number }).seq, 5);
  assert.equal((await get('/api/v1/transparency/entries?start=0&end=5000')).status, 400);
});

test('out-of-range and malformed queries are coded 400 errors', async () => {
  const cases: [string, string][] = [
    ['/api/v1/transparency/proof/inclusion?index=21&size=21', 'SAKI_ERR_PROOF_RANGE'],
    ['/api/v1/transparency/proof/inclusion?index=0&size=22', 'SAKI_ERR_PROOF_RANGE'],
    ['/api/v1/transparency/proof/consistency?first=0&second=21', 'SAKI_ERR_PROOF_RANGE'],
    ['/api/v1/transparency/proof/consistency?first=5&second=4', 'SAKI_ERR_PROOF_RANGE'],
    ['/api/v1/transparency/proof/inclusion?index=-1&size=3', 'SAKI_ERR_VALIDATION'],
    ['/api/v1/transparency/entries?start=a&end=3', 'SAKI_ERR_VALIDATION'],
  ];
  for (const [path, code] of cases) {
    const { status, body } = await get(path);
    assert.equal(status, 400, path);
    assert.equal(body.code, code, path);
  }
});

test('the routes appear in /openapi.json', async () => {
  const doc = (await get('/openapi.json')).body as { paths: Record<string, unknown> };
  for (const p of ['checkpoint', 'proof/inclusion', 'proof/consistency', 'entries']) assert.ok(doc.paths[`/api/v1/transparency/${p}`], p);
});
