import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { CollectorStatus } from '../../src/collector/collector.js';
import { isSakimoriError } from '../../src/core/errors.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { AddressAllowlist } from '../../src/core/share/address-match.js';
import { signDocument, verifyHubList, type CarrierList, type ListEntry } from '../../src/core/share/hub-document.js';
import { HubService } from '../../src/hub/hub-service.js';
import { createLogger } from '../../src/observability/logger.js';
import { HubStore } from '../../src/storage/hub-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';

const T0 = Date.parse('2026-11-01T12:00:00.000Z');
const H = 3600_000;

function status(): CollectorStatus {
  const reg = new CounterRegistry();
  return {
    startedAt: new Date(0).toISOString(), listeners: [], receiveBufferBytes: [], receiver: 'dgram', decoder: 'running', totals: reg.totals(), exporters: [], queue: { depth: 0, capacity: 1 },
    stored: 0, erased: 0, rates: { datagramsPerSecond: 0, recordsPerSecond: 0 }, history: [], hostUdpReceiveBufferErrors: null, socketThreadDelayMs: { p99: 0, max: 0 },
  };
}

const entry = (ip: string, over: Partial<ListEntry> = {}): ListEntry => ({ ip, port: 443, proto: 6, score: 0.6, firstSeen: T0 - 5 * H, lastSeen: T0 - H, detectors: ['beacon'], ...over });

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'saki-hub-'));
  const db = openSqlite(dir);
  const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>(['a', 'b', 'c'].map((id) => [`carrier-${id}`, generateKeyPairSync('ed25519')]));
  const hubKey = generateKeyPairSync('ed25519');
  let now = T0;
  const service = new HubService(
    new HubStore(db.db),
    {
      hubId: 'test-hub',
      carriers: new Map([...keys].map(([id, k]) => [id, k.publicKey])),
      signingKey: hubKey.privateKey,
      maxSubmissionAgeMs: H,
      maxEntries: 100,
      halfLifeMs: 24 * H,
      allowlist: new AddressAllowlist(['8.8.8.8']),
    },
    () => now,
  );
  const app = createApp({
    role: 'carrier', demo: false, status, flows: undefined, logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })), metrics: () => '', version: 'test',
    hub: { service },
  });
  const list = (carrierId: string, entries: ListEntry[], generatedAt = now): CarrierList => ({ type: 'sakimori-c2-list', version: 1, carrierId, generatedAt, entries });
  const signed = (carrierId: string, entries: ListEntry[], generatedAt = now, key = keys.get(carrierId)!.privateKey) => signDocument(list(carrierId, entries, generatedAt), key, carrierId);
  const post = (body: unknown) => app.request('/api/v1/hub/submissions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const vet = (body: unknown, user = 'analyst-1') =>
    app.request('/api/v1/hub/vet', { method: 'POST', headers: { 'content-type': 'application/json', ...(user ? { 'x-sakimori-user': user } : {}) }, body: JSON.stringify(body) });
  const get = async <T>(path: string) => (await (await app.request(path)).json()) as T;
  return {
    app, post, vet, get, signed, hubKey, keys,
    tick: (ms: number) => (now += ms),
    cleanup: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

const code = async (res: Response) => ((await res.json()) as { code: string }).code;

test('a signed submission is accepted and replaces the carrier\'s previous list', async () => {
  const h = await setup();
  try {
    const res = await h.post(h.signed('carrier-a', [entry('192.0.2.1'), entry('2001:DB8::1')]));
    assert.equal(res.status, 200);
    const receipt = (await res.json()) as { entries: number; digest: string };
    assert.equal(receipt.entries, 2);
    assert.match(receipt.digest, /^[0-9a-f]{64}$/);
    const merged = await h.get<{ entries: { ip: string; status: string }[] }>('/api/v1/hub/entries');
    assert.deepEqual(merged.entries.map((e) => e.ip).sort(), ['192.0.2.1', '2001:db8::1'], 'IPv6 normalised');
    assert.ok(merged.entries.every((e) => e.status === 'pending'));
    h.tick(1000);
    assert.equal((await h.post(h.signed('carrier-a', [entry('192.0.2.9')]))).status, 200);
    assert.deepEqual((await h.get<{ entries: { ip: string }[] }>('/api/v1/hub/entries')).entries.map((e) => e.ip), ['192.0.2.9']);
  } finally {
    await h.cleanup();
  }
});

test('unknown, forged, altered, stale, future, replayed and malformed submissions are refused with codes and store nothing', async () => {
  const h = await setup();
  try {
    assert.equal((await h.post(h.signed('carrier-a', [entry('192.0.2.1')]))).status, 200);
    const snapshot = async () => JSON.stringify([await h.get('/api/v1/hub/entries'), await h.get('/api/v1/hub/overlap')]);
    const before = await snapshot();
    h.tick(1000);
    const stranger = generateKeyPairSync('ed25519');
    const forged = h.signed('carrier-b', [entry('192.0.2.66')], undefined, stranger.privateKey);
    const altered = h.signed('carrier-b', [entry('192.0.2.66')]);
    altered.document.entries[0].ip = '192.0.2.67';
    const replay = h.signed('carrier-c', [entry('192.0.2.70')]);
    assert.equal((await h.post(replay)).status, 200);
    const beforeReplay = await snapshot();
    const cases: [string, unknown, number, string][] = [
      ['unknown carrier', signDocument({ type: 'sakimori-c2-list', version: 1, carrierId: 'carrier-z', generatedAt: T0 + 1000, entries: [entry('192.0.2.5')] }, stranger.privateKey, 'carrier-z'), 403, 'SAKI_ERR_HUB_UNKNOWN_CARRIER'],
      ['forged', forged, 422, 'SAKI_ERR_HUB_SIGNATURE_INVALID'],
      ['altered after signing', altered, 422, 'SAKI_ERR_HUB_SIGNATURE_INVALID'],
      ['too old', h.signed('carrier-b', [entry('192.0.2.66')], T0 - 2 * H), 422, 'SAKI_ERR_HUB_SUBMISSION_STALE'],
      ['from the future', h.signed('carrier-b', [entry('192.0.2.66')], T0 + H), 422, 'SAKI_ERR_HUB_SUBMISSION_STALE'],
      ['older than the last accepted', h.signed('carrier-a', [entry('192.0.2.66')], T0 - 1), 422, 'SAKI_ERR_HUB_SUBMISSION_STALE'],
      ['replayed', replay, 409, 'SAKI_ERR_HUB_SUBMISSION_REPLAYED'],
      ['keyId differs from carrierId', { ...h.signed('carrier-b', [entry('192.0.2.66')]), signature: { ...h.signed('carrier-b', []).signature, keyId: 'carrier-a' } }, 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['duplicate target', h.signed('carrier-b', [entry('192.0.2.66'), entry('192.0.2.66', { score: 0.9 })]), 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['not an address', h.signed('carrier-b', [entry('example.com')]), 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['score out of range', h.signed('carrier-b', [entry('192.0.2.66', { score: 3 })]), 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['extra member', { ...h.signed('carrier-b', []), extra: 1 }, 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['not JSON', '{', 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
      ['no signature', { document: h.signed('carrier-b', []).document }, 400, 'SAKI_ERR_HUB_SUBMISSION_INVALID'],
    ];
    for (const [what, body, status, c] of cases) {
      const res = await h.post(body);
      assert.equal(res.status, status, what);
      assert.equal(await code(res), c, what);
    }
    assert.notEqual(before, beforeReplay);
    assert.equal(await snapshot(), beforeReplay, 'refusals changed nothing');
    const overlap = await h.get<{ submissions: unknown[] }>('/api/v1/hub/overlap');
    assert.equal(overlap.submissions.length, 2);
  } finally {
    await h.cleanup();
  }
});

test('merge, overlap, vetting and the signed redistributed list', async () => {
  const h = await setup();
  try {
    await h.post(h.signed('carrier-a', [entry('192.0.2.1', { score: 0.6 }), entry('192.0.2.2'), entry('8.8.8.8', { port: 53, proto: 17 })]));
    await h.post(h.signed('carrier-b', [entry('192.0.2.1', { score: 0.6 }), entry('192.0.2.3')]));
    await h.post(h.signed('carrier-c', [entry('192.0.2.1', { score: 0.6 }), entry('192.0.2.2'), entry('192.0.2.4')]));
    const merged = await h.get<{ entries: { ip: string; score: number; carriers: unknown[]; status: string; allowlistedBy?: string }[] }>('/api/v1/hub/entries');
    assert.equal(merged.entries.length, 5);
    const top = merged.entries[0];
    assert.equal(top.ip, '192.0.2.1');
    assert.equal(top.carriers.length, 3);
    const s = 0.6 * Math.pow(2, -1 / 24);
    assert.ok(Math.abs(top.score - (1 - Math.pow(1 - s, 3))) < 1e-9);
    assert.equal(merged.entries.find((e) => e.ip === '8.8.8.8')?.status, 'allowlisted');

    const overlap = await h.get<{ total: number; seenBy: Record<string, number>; pairs: { a: string; b: string; jaccard: number }[] }>('/api/v1/hub/overlap');
    assert.deepEqual(overlap.seenBy, { one: 3, two: 1, threeOrMore: 1 });
    assert.equal(overlap.pairs.find((p) => p.a === 'carrier-a' && p.b === 'carrier-c')?.jaccard, 2 / 4);

    const target = { ip: '192.0.2.1', port: 443, proto: 6 };
    assert.equal((await h.vet({ ...target, status: 'vetted' }, '')).status, 401);
    let r = await h.vet({ ...target, status: 'published' });
    assert.equal(r.status, 409);
    assert.equal(await code(r), 'SAKI_ERR_HUB_VET_TRANSITION');
    assert.equal((await h.vet({ ...target, status: 'vetted', note: 'two independent beacons' })).status, 200);
    r = await h.vet({ ...target, status: 'published' });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { status: string; vettedBy: string }).vettedBy, 'analyst-1');
    assert.equal((await h.vet({ ip: '192.0.2.2', port: 443, proto: 6, status: 'vetted' })).status, 200);
    r = await h.vet({ ip: '8.8.8.8', port: 53, proto: 17, status: 'vetted' });
    assert.equal(r.status, 409, 'allowlisted entries are never vetted');
    assert.equal((await h.vet({ ip: '192.0.2.250', port: 443, proto: 6, status: 'vetted' })).status, 404);
    assert.equal((await h.vet({ ...target, status: 'bogus' })).status, 400);

    const signedList = await h.get<unknown>('/api/v1/hub/list');
    const doc = verifyHubList(signedList, h.hubKey.publicKey);
    assert.deepEqual(doc.entries.map((e) => [e.ip, e.carriers, e.status]), [['192.0.2.1', 3, 'published']], 'only published entries');
    const tampered = structuredClone(signedList) as { document: { entries: { ip: string }[] } };
    tampered.document.entries[0].ip = '192.0.2.99';
    assert.throws(() => verifyHubList(tampered, h.hubKey.publicKey), (e) => isSakimoriError(e) && e.code === 'SAKI_ERR_HUB_SIGNATURE_INVALID');
    assert.throws(() => verifyHubList(signedList, h.keys.get('carrier-a')!.publicKey), (e) => isSakimoriError(e) && e.code === 'SAKI_ERR_HUB_SIGNATURE_INVALID');
    const key = await h.get<{ hubId: string; publicKeyPem: string }>('/api/v1/hub/key');
    assert.equal(key.hubId, 'test-hub');
    assert.match(key.publicKeyPem, /BEGIN PUBLIC KEY/);
  } finally {
    await h.cleanup();
  }
});

test('/openapi.json documents the hub routes', async () => {
  const h = await setup();
  try {
    const doc = await h.get<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>('/openapi.json');
    for (const p of ['/api/v1/hub/submissions', '/api/v1/hub/entries', '/api/v1/hub/overlap', '/api/v1/hub/vet', '/api/v1/hub/list', '/api/v1/hub/key']) assert.ok(doc.paths[p], p);
    for (const s of ['HubSubmission', 'HubEntry', 'HubOverlap', 'HubList']) assert.ok(doc.components.schemas[s], s);
  } finally {
    await h.cleanup();
  }
});
