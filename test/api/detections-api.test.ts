import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { CollectorStatus } from '../../src/collector/collector.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { syntheticDetections } from '../../src/demo/synthetic-detections.js';
import { createLogger } from '../../src/observability/logger.js';
import { DetectionStore } from '../../src/storage/detection-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { SchemaSet } from '../helpers/json-schema.js';
import { TESTDATA } from '../helpers/paths.js';

const NOW = Date.parse('2026-11-01T12:00:00.000Z');

function status(): CollectorStatus {
  const reg = new CounterRegistry();
  return {
    startedAt: new Date(0).toISOString(), listeners: [], receiveBufferBytes: [], receiver: 'dgram', decoder: 'running', totals: reg.totals(), exporters: [], queue: { depth: 0, capacity: 1 },
    stored: 0, erased: 0, rates: { datagramsPerSecond: 0, recordsPerSecond: 0 }, history: [], hostUdpReceiveBufferErrors: null, socketThreadDelayMs: { p99: 0, max: 0 },
  };
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'saki-det-api-'));
  const db = openSqlite(dir);
  const store = new DetectionStore(db.db);
  const all = syntheticDetections(NOW, 60, 4);
  await store.upsert(all, NOW);
  const app = createApp({
    role: 'carrier', demo: true, status, flows: undefined, logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })), metrics: () => '', version: 'test',
    detections: { store, now: () => NOW, demo: true, stix: { producer: 'Test Carrier', tlp: 'amber' } },
  });
  return { app, all, cleanup: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

type Page = { demo: boolean; total: number; items: { key: string; kind: string; score: number; country: string; detectors: string[]; expired: boolean }[] };

test('GET /api/v1/detections ranks current candidates by score, filters and pages', async () => {
  const { app, all, cleanup } = await setup();
  try {
    const current = all.filter((d) => d.expiresAt > NOW);
    const res = await app.request('/api/v1/detections?limit=500');
    assert.equal(res.status, 200);
    const body = (await res.json()) as Page;
    assert.equal(body.demo, true);
    assert.equal(body.total, current.length);
    assert.ok(current.length < all.length, 'the demo set has expired candidates');
    const scores = body.items.map((d) => d.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    const c2 = (await (await app.request('/api/v1/detections?kind=c2&minScore=0.5&limit=500')).json()) as Page;
    assert.equal(c2.total, current.filter((d) => d.kind === 'c2' && d.score >= 0.5).length);
    assert.ok(c2.items.every((d) => d.kind === 'c2' && d.score >= 0.5));
    const cn = (await (await app.request('/api/v1/detections?country=CN&detector=seed-peer&limit=500')).json()) as Page;
    assert.equal(cn.total, current.filter((d) => d.country === 'CN' && d.detectors.includes('seed-peer')).length);
    const p2 = (await (await app.request('/api/v1/detections?limit=5&offset=5')).json()) as Page;
    assert.deepEqual(p2.items.map((d) => d.key), body.items.slice(5, 10).map((d) => d.key));
    const hist = (await (await app.request('/api/v1/detections?history=true&limit=500')).json()) as Page;
    assert.equal(hist.total, all.length);
    for (const bad of ['kind=worm', 'minScore=2', 'limit=0', 'country=jp', 'detector=x']) {
      const r = await app.request(`/api/v1/detections?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(((await r.json()) as { code: string }).code, 'SAKI_ERR_VALIDATION');
    }
  } finally {
    await cleanup();
  }
});

test('GET /api/v1/detections/{key} returns one candidate with its evidence; unknown 404, malformed 400', async () => {
  const { app, all, cleanup } = await setup();
  try {
    const d = all.find((x) => x.ip.includes(':'))!;
    const key = `${d.kind}|${d.ip}|${d.port}|${d.proto}`;
    const res = await app.request(`/api/v1/detections/${encodeURIComponent(key)}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { detection: { key: string; evidence: unknown; firstSeen: number } };
    assert.equal(body.detection.key, key);
    assert.deepEqual(body.detection.evidence, d.evidence);
    assert.equal(body.detection.firstSeen, d.firstSeen);
    const missing = await app.request(`/api/v1/detections/${encodeURIComponent('c2|192.0.2.254|1|6')}`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'SAKI_ERR_NOT_FOUND');
    assert.equal((await app.request('/api/v1/detections/not-a-key')).status, 400);
  } finally {
    await cleanup();
  }
});

test('GET /api/v1/detections/stats: counts by kind and country agree with the list; series per bucket', async () => {
  const { app, all, cleanup } = await setup();
  try {
    const res = await app.request(`/api/v1/detections/stats?from=${NOW - 24 * 3600_000}&to=${NOW}&bucket=3600000`);
    assert.equal(res.status, 200);
    const s = (await res.json()) as { total: number; byKind: Record<string, number>; byCountry: { country: string; count: number }[]; series: Record<string, number>[] };
    const current = all.filter((d) => d.expiresAt > NOW);
    assert.equal(s.total, current.length);
    assert.equal(s.byKind.c2, current.filter((d) => d.kind === 'c2').length);
    assert.equal(s.byCountry.reduce((a, c) => a + c.count, 0), current.length);
    assert.equal(s.series.length, 24);
    const lastBucket = s.series[23];
    const activeLast = all.filter((d) => d.kind === 'bot' && d.lastSeen >= NOW - 3600_000).length;
    assert.equal(lastBucket.bot, activeLast);
    assert.equal((await app.request(`/api/v1/detections/stats?from=${NOW}&to=${NOW - 1}`)).status, 400);
  } finally {
    await cleanup();
  }
});

test('GET /api/v1/detections/export.stix returns a schema-valid STIX 2.1 bundle as an attachment', async () => {
  const { app, all, cleanup } = await setup();
  try {
    const res = await app.request('/api/v1/detections/export.stix?kind=c2&tlp=green');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/stix\+json;version=2\.1/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment/);
    const bundle = (await res.json()) as { objects: { type: string; name?: string }[] };
    const schemas = SchemaSet.fromDirectory(join(TESTDATA, 'stix/schemas'));
    assert.deepEqual(schemas.validate('common/bundle.json', bundle), []);
    assert.equal(bundle.objects.filter((o) => o.type === 'indicator').length, all.filter((d) => d.kind === 'c2' && d.expiresAt > NOW).length);
    assert.ok(bundle.objects.some((o) => o.type === 'marking-definition' && o.name === 'TLP:GREEN'));
    assert.ok(bundle.objects.some((o) => o.type === 'identity' && o.name === 'Test Carrier'));
  } finally {
    await cleanup();
  }
});

test('/openapi.json documents the detection routes and schemas', async () => {
  const { app, cleanup } = await setup();
  try {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    for (const p of ['/api/v1/detections', '/api/v1/detections/{key}', '/api/v1/detections/stats', '/api/v1/detections/export.stix']) assert.ok(doc.paths[p], p);
    for (const s of ['Detection', 'DetectionEvidence', 'DetectionPage', 'DetectionStats', 'StixBundle']) assert.ok(doc.components.schemas[s], s);
  } finally {
    await cleanup();
  }
});
