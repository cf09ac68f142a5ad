import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { CollectorStatus } from '../../src/collector/collector.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { createLogger } from '../../src/observability/logger.js';
import { renderMetrics } from '../../src/observability/metrics.js';
import { FlowQueries, SqliteFlowSink } from '../../src/storage/flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { syntheticFlows } from '../../src/demo/synthetic-flows.js';

function fakeStatus(): CollectorStatus {
  const reg = new CounterRegistry();
  const c = reg.get('192.0.2.1');
  c.datagrams = 10;
  c.records = 300;
  c.malformed = 2;
  c.queueDropped = 1;
  c.lastFormat = 'ipfix';
  return {
    startedAt: new Date(0).toISOString(),
    listeners: [{ protocol: 'netflow', address: '0.0.0.0', port: 2055 }],
    receiveBufferBytes: [4194304],
    receiver: 'native-recvmmsg',
    decoder: 'running',
    totals: reg.totals(),
    exporters: reg.all(),
    queue: { depth: 0, capacity: 1 << 20 },
    stored: 300,
    erased: 0,
    rates: { datagramsPerSecond: 5, recordsPerSecond: 150 },
    history: [{ t: 1, datagrams: 5, records: 150, malformed: 0, unknownTemplate: 0, dropped: 0 }],
    hostUdpReceiveBufferErrors: 0, socketThreadDelayMs: { p99: 0, max: 0 },
  };
}

function setup(role: 'carrier' | 'cyber-office') {
  const lines: string[] = [];
  const sinkStream = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
  const logger = createLogger('debug', sinkStream);
  const db = openSqlite(mkdtempSync(join(tmpdir(), 'saki-api-')));
  new SqliteFlowSink(db.raw).write(syntheticFlows(120, { seed: 3 }));
  const app = createApp({
    role,
    demo: false,
    status: fakeStatus,
    flows: role === 'carrier' ? new FlowQueries(db.db) : undefined,
    logger,
    metrics: () => renderMetrics(fakeStatus(), role),
    version: 'test',
  });
  return { app, db, lines };
}

test('GET /api/v1/collector/status returns live counters with role', async () => {
  const { app, db } = setup('carrier');
  const res = await app.request('/api/v1/collector/status');
  assert.equal(res.status, 200);
  const body = (await res.json()) as { role: string; totals: { records: number; malformed: number; queueDropped: number }; exporters: unknown[] };
  assert.equal(body.role, 'carrier');
  assert.equal(body.totals.records, 300);
  assert.equal(body.totals.malformed, 2);
  assert.equal(body.totals.queueDropped, 1);
  assert.equal(body.exporters.length, 1);
  await db.close();
});

test('carrier role reads recent flows, newest first, bounded by limit', async () => {
  const { app, db } = setup('carrier');
  const res = await app.request('/api/v1/flows/recent?limit=7');
  assert.equal(res.status, 200);
  const body = (await res.json()) as { records: { src: string }[] };
  assert.equal(body.records.length, 7);
  await db.close();
});

test('cyber-office role never shows pre-selection records: 403 coded', async () => {
  const { app, db } = setup('cyber-office');
  const res = await app.request('/api/v1/flows/recent');
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { code: string }).code, 'SAKI_ERR_FORBIDDEN');
  await db.close();
});

test('invalid query → 400 SAKI_ERR_VALIDATION; unknown API path → 404 coded', async () => {
  const { app, db } = setup('carrier');
  const bad = await app.request('/api/v1/flows/recent?limit=100000');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'SAKI_ERR_VALIDATION');
  const missing = await app.request('/api/v1/nothing');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'SAKI_ERR_NOT_FOUND');
  await db.close();
});

test('/metrics is Prometheus text with per-exporter counters; /openapi.json documents the routes', async () => {
  const { app, db } = setup('carrier');
  const m = await (await app.request('/metrics')).text();
  assert.match(m, /# TYPE sakimori_collector_records_total counter/);
  assert.match(m, /sakimori_collector_malformed_total\{exporter="192.0.2.1"\} 2/);
  assert.match(m, /sakimori_collector_queue_dropped_total\{exporter="192.0.2.1"\} 1/);
  assert.match(m, /# TYPE sakimori_collector_socket_thread_delay_max_seconds gauge\nsakimori_collector_socket_thread_delay_max_seconds 0\n/);
  const spec = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
  assert.equal(spec.openapi, '3.1.0');
  assert.ok(spec.paths['/api/v1/collector/status']);
  assert.ok(spec.paths['/api/v1/flows/recent']);
  await db.close();
});

test('request logs carry method, path and status, never query strings or headers', async () => {
  const { app, db, lines } = setup('carrier');
  await app.request('/api/v1/flows/recent?limit=3', { headers: { authorization: 'Bearer secret-token-xyz' } });
  const text = lines.join('');
  assert.match(text, /"path":"\/api\/v1\/flows\/recent"/);
  assert.ok(!text.includes('secret-token-xyz'));
  assert.ok(!text.includes('limit=3'));
  await db.close();
});
