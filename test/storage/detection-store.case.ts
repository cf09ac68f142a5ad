/**
 * The DetectionStore contract suite: each backend calls detectionStoreContract with a factory
 * that opens a fresh, empty store (test/storage/sqlite-detection-store.test.ts runs it on SQLite).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection } from '../../src/core/detect/detection.js';
import { detectionKey } from '../../src/core/detect/detection.js';
import { isSakimoriError } from '../../src/core/errors.js';
import type { DetectionStore } from '../../src/storage/detection-store.js';

export interface DetectionBackend {
  store: DetectionStore;
  cleanup(): Promise<void>;
}

export interface DetectionBackendFactory {
  name: string;
  open(): Promise<DetectionBackend>;
}

const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const H = 3600_000;

export function det(over: Partial<Detection> = {}): Detection {
  return {
    kind: 'c2',
    ip: '203.0.113.10',
    port: 443,
    proto: 6,
    score: 0.5,
    detectors: ['beacon'],
    country: 'US',
    as: 64500,
    firstSeen: T0,
    lastSeen: T0 + H,
    expiresAt: T0 + 25 * H,
    evidence: { flows: 10, peers: 3, scores: { beacon: 0.5 } },
    ...over,
  };
}

async function withStore(factory: DetectionBackendFactory, fn: (s: DetectionStore) => Promise<void>): Promise<void> {
  const b = await factory.open();
  try {
    await fn(b.store);
  } finally {
    await b.cleanup();
  }
}

export function detectionStoreContract(factory: DetectionBackendFactory): void {
  describe(`DetectionStore contract (${factory.name})`, () => {
    test('upsert by detectionKey refreshes lastSeen, score, evidence and expiry but keeps firstSeen', () =>
      withStore(factory, async (s) => {
        assert.deepEqual(await s.upsert([det()], T0 + H), { inserted: 1, refreshed: 0 });
        const refreshed = det({ firstSeen: T0 + 2 * H, lastSeen: T0 + 3 * H, expiresAt: T0 + 27 * H, score: 0.9, detectors: ['beacon', 'fan-in'], evidence: { flows: 50, peers: 9, scores: { beacon: 0.9, 'fan-in': 0.7 } } });
        assert.deepEqual(await s.upsert([refreshed], T0 + 3 * H), { inserted: 0, refreshed: 1 });
        const got = await s.get(detectionKey(det()), T0 + 3 * H);
        assert.ok(got);
        assert.equal(got.firstSeen, T0);
        assert.equal(got.lastSeen, T0 + 3 * H);
        assert.equal(got.expiresAt, T0 + 27 * H);
        assert.equal(got.score, 0.9);
        assert.deepEqual(got.detectors, ['beacon', 'fan-in']);
        assert.deepEqual(got.evidence, refreshed.evidence);
        assert.equal(got.expired, false);
      }));

    test('an out-of-order older report does not roll back score or evidence', () =>
      withStore(factory, async (s) => {
        await s.upsert([det({ lastSeen: T0 + 5 * H, score: 0.8 })], T0);
        await s.upsert([det({ firstSeen: T0 - H, lastSeen: T0 + 2 * H, score: 0.2 })], T0);
        const got = await s.get(detectionKey(det()), T0);
        assert.equal(got?.score, 0.8);
        assert.equal(got?.firstSeen, T0 - H);
        assert.equal(got?.lastSeen, T0 + 5 * H);
      }));

    test('the same key twice in one batch is merged, not inserted twice', () =>
      withStore(factory, async (s) => {
        assert.deepEqual(await s.upsert([det({ score: 0.3 }), det({ lastSeen: T0 + 2 * H, score: 0.6 })], T0), { inserted: 1, refreshed: 0 });
        assert.equal((await s.list({}, T0, { limit: 10, offset: 0 })).total, 1);
      }));

    test('an invalid detection is refused with a code and nothing of the batch is stored', () =>
      withStore(factory, async (s) => {
        for (const bad of [det({ score: 1.5 }), det({ kind: 'worm' as never }), det({ detectors: [] }), det({ firstSeen: T0 + 9 * H }), det({ port: 70000 }), det({ country: 'jp' })]) {
          await assert.rejects(s.upsert([det({ ip: '198.51.100.1' }), bad], T0), (e) => isSakimoriError(e) && e.code === 'SAKI_ERR_DETECTION_INVALID');
        }
        assert.equal((await s.list({ includeExpired: true }, T0, { limit: 10, offset: 0 })).total, 0);
      }));

    test('expired candidates leave the current list but stay in history until pruned after the retention', () =>
      withStore(factory, async (s) => {
        await s.upsert([det({ ip: '192.0.2.1', expiresAt: T0 + 2 * H }), det({ ip: '192.0.2.2', expiresAt: T0 + 30 * H })], T0);
        const now = T0 + 3 * H;
        assert.deepEqual((await s.list({}, now, { limit: 10, offset: 0 })).items.map((d) => d.ip), ['192.0.2.2']);
        const all = await s.list({ includeExpired: true }, now, { limit: 10, offset: 0 });
        assert.equal(all.total, 2);
        assert.equal(all.items.find((d) => d.ip === '192.0.2.1')?.expired, true);
        assert.equal((await s.get(detectionKey(det({ ip: '192.0.2.1' })), now))?.expired, true);
        assert.equal(await s.prune(now, 2 * H), 0, 'within the retention');
        assert.equal(await s.prune(T0 + 5 * H, 2 * H), 1);
        assert.equal(await s.get(detectionKey(det({ ip: '192.0.2.1' })), now), undefined);
        assert.ok(await s.get(detectionKey(det({ ip: '192.0.2.2' })), now));
      }));

    test('ranked by score with filters by kind, country, detector and minimum score, paged', () =>
      withStore(factory, async (s) => {
        await s.upsert(
          [
            det({ ip: '192.0.2.1', score: 0.9, country: 'CN', detectors: ['beacon', 'seed-peer'] }),
            det({ ip: '192.0.2.2', score: 0.4, country: 'US', detectors: ['fan-in'] }),
            det({ ip: '192.0.2.3', score: 0.7, kind: 'scanner', port: 0, proto: 0, country: 'CN', detectors: ['darknet-scan'] }),
            det({ ip: '192.0.2.4', score: 0.6, kind: 'bot', port: 0, country: 'JP', detectors: ['seed-peer'] }),
          ],
          T0,
        );
        const ips = async (f: Parameters<DetectionStore['list']>[0], limit = 10, offset = 0) => (await s.list(f, T0, { limit, offset })).items.map((d) => d.ip);
        assert.deepEqual(await ips({}), ['192.0.2.1', '192.0.2.3', '192.0.2.4', '192.0.2.2']);
        assert.deepEqual(await ips({ kind: 'c2' }), ['192.0.2.1', '192.0.2.2']);
        assert.deepEqual(await ips({ country: 'CN' }), ['192.0.2.1', '192.0.2.3']);
        assert.deepEqual(await ips({ detector: 'seed-peer' }), ['192.0.2.1', '192.0.2.4']);
        assert.deepEqual(await ips({ detector: 'beacon' }), ['192.0.2.1']);
        assert.deepEqual(await ips({ minScore: 0.65 }), ['192.0.2.1', '192.0.2.3']);
        assert.deepEqual(await ips({}, 2, 1), ['192.0.2.3', '192.0.2.4']);
        const page = await s.list({}, T0, { limit: 1, offset: 0 });
        assert.equal(page.total, 4);
      }));

    test('counts by kind and per-country aggregates cover current candidates', () =>
      withStore(factory, async (s) => {
        await s.upsert(
          [
            det({ ip: '192.0.2.1', score: 0.9, country: 'CN' }),
            det({ ip: '192.0.2.2', score: 0.3, country: 'CN', kind: 'bot' }),
            det({ ip: '192.0.2.3', score: 0.5, country: 'US', kind: 'scanner' }),
            det({ ip: '192.0.2.4', score: 0.99, country: 'RU', expiresAt: T0 + H }),
          ],
          T0,
        );
        const now = T0 + 2 * H;
        assert.deepEqual(await s.countsByKind({}, now), { c2: 1, bot: 1, scanner: 1, 'ddos-victim': 0 });
        assert.deepEqual(await s.byCountry({}, now), [
          { country: 'CN', count: 2, maxScore: 0.9 },
          { country: 'US', count: 1, maxScore: 0.5 },
        ]);
        assert.deepEqual(await s.byCountry({ kind: 'bot' }, now), [{ country: 'CN', count: 1, maxScore: 0.3 }]);
      }));

    test('time series counts candidates active in each bucket, expired ones included', () =>
      withStore(factory, async (s) => {
        await s.upsert(
          [
            det({ ip: '192.0.2.1', firstSeen: T0, lastSeen: T0 + 2 * H + 1, expiresAt: T0 + 3 * H }),
            det({ ip: '192.0.2.2', kind: 'scanner', port: 0, firstSeen: T0 + H, lastSeen: T0 + H + 10, expiresAt: T0 + 9 * H }),
          ],
          T0,
        );
        const pts = await s.series(T0, T0 + 4 * H, H);
        assert.deepEqual(pts.map((p) => p.t), [T0, T0 + H, T0 + 2 * H, T0 + 3 * H]);
        assert.deepEqual(pts.map((p) => p.c2), [1, 1, 1, 0]);
        assert.deepEqual(pts.map((p) => p.scanner), [0, 1, 0, 0]);
        assert.deepEqual((await s.series(T0, T0 + 4 * H, H, { kind: 'scanner' })).map((p) => p.c2), [0, 0, 0, 0]);
        await assert.rejects(s.series(T0, T0, H), (e) => isSakimoriError(e) && e.code === 'SAKI_ERR_VALIDATION');
      }));
  });
}
