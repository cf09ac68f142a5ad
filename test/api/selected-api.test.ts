import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { CollectorStatus } from '../../src/collector/collector.js';
import { createLogger } from '../../src/observability/logger.js';
import { SelectedFlowQueries, SqliteSelectedFlowSink } from '../../src/storage/selected-flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import type { TransparencyLog } from '../../src/transparency/transparency-log.js';

const PURPOSE = 'Investigating an IoT botnet recruiting via Telnet';

function setup(failingLog = false) {
  const dir = mkdtempSync(join(tmpdir(), 'saki-selected-api-'));
  const lines: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
  const db = openSqlite(dir);
  new SqliteSelectedFlowSink(db.raw).write('approval-1', [
    { criteria: ['telnet-scan-from-abroad'], fields: { start: 1000, end: 2000, src: '198.18.0.9', dst: 'p1:0123456789abcdef', dstPort: 23, proto: 6, direction: 'foreign-domestic' } },
    { criteria: ['c2', 'telnet-scan-from-abroad'], fields: { start: 3000, end: 4000, src: 'p1:fedcba9876543210', dst: '198.18.0.10', dstPort: 2323, proto: 6 } },
  ]);
  return finish(dir, lines, logger, db, failingLog);
}

/** With two agreements (operator-a's, operator-b's) whose records are stored between the others. */
function setupAgreements() {
  const dir = mkdtempSync(join(tmpdir(), 'saki-selected-api-'));
  const lines: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
  const db = openSqlite(dir);
  const sink = new SqliteSelectedFlowSink(db.raw);
  sink.write('agreement-a', [{ criteria: ['own-telnet'], fields: { start: 1000, dstPort: 23, proto: 6 } }]);
  sink.write('approval-1', [{ criteria: ['c2'], fields: { start: 1500, dstPort: 443, proto: 6 } }]);
  sink.write('agreement-b', [{ criteria: ['own-rdp'], fields: { start: 2000, dstPort: 3389, proto: 6 } }]);
  sink.write('agreement-a', [{ criteria: ['own-telnet'], fields: { start: 3000, dstPort: 2323, proto: 6 } }]);
  return finish(dir, lines, logger, db, false, (operator) => ({ 'operator-a': ['agreement-a'], 'operator-b': ['agreement-b'] })[operator] ?? []);
}

function finish(dir: string, lines: string[], logger: ReturnType<typeof createLogger>, db: ReturnType<typeof openSqlite>, failingLog: boolean, agreementsOf?: (operator: string) => string[]) {
  const real = openTransparencyLog(dir);
  const transparency: TransparencyLog = failingLog
    ? Object.assign(Object.create(real) as TransparencyLog, { append: () => Promise.reject(new Error('disk full')) })
    : real;
  const app = createApp({
    role: 'cyber-office',
    demo: false,
    status: () => ({}) as CollectorStatus,
    flows: undefined,
    logger,
    metrics: () => '',
    version: 'test',
    transparency: real,
    selected: { queries: new SelectedFlowQueries(db.db), transparency, ...(agreementsOf ? { agreementsOf } : {}) },
  });
  const close = async () => {
    await real.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, real, lines, close };
}

const url = (purpose: string | undefined, limit?: number) =>
  '/api/v1/selected?' + new URLSearchParams({ ...(purpose !== undefined ? { purpose } : {}), ...(limit !== undefined ? { limit: String(limit) } : {}) }).toString();

for (const role of ['cyber-office-analyst', 'commission']) {
  test(`GET /api/v1/selected as ${role}: records the access first, then returns minimized records`, async () => {
    const { app, real, lines, close } = setup();
    try {
      const res = await app.request(url(PURPOSE, 1), { headers: { 'x-sakimori-user': 'user-7', 'x-sakimori-role': role } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { records: { approvalId: string; criteria: string[]; fields: Record<string, unknown> }[]; accessEntrySeq: number };
      assert.equal(body.records.length, 1);
      assert.deepEqual(body.records[0].criteria, ['c2', 'telnet-scan-from-abroad']);
      assert.equal(body.records[0].fields.src, 'p1:fedcba9876543210');
      assert.equal('octets' in body.records[0].fields, false);
      const [entry] = await real.entries(body.accessEntrySeq, body.accessEntrySeq + 1);
      const e = JSON.parse(entry.entry) as { type: string; actor: { who: string; role: string; organisation: string }; purpose: string; resultCount: number; query: string };
      assert.equal(e.type, 'selected-data-access');
      assert.deepEqual(e.actor, { who: 'user-7', role, organisation: role === 'commission' ? 'commission' : 'cyber-office' });
      assert.equal(e.purpose, PURPOSE);
      assert.equal(e.resultCount, 1);
      // Request logs carry the path only: neither the purpose nor records.
      assert.ok(!lines.join('').includes('Telnet') && !lines.join('').includes('198.18.0'));
    } finally {
      await close();
    }
  });
}

test('GET /api/v1/selected refuses: 401 without user, 403 for other roles, 400 without a purpose; nothing is recorded', async () => {
  const { app, real, close } = setup();
  try {
    const cases: [Record<string, string>, string | undefined, number, string][] = [
      [{ 'x-sakimori-role': 'commission' }, PURPOSE, 401, 'SAKI_ERR_UNAUTHENTICATED'],
      [{ 'x-sakimori-user': 'u1', 'x-sakimori-role': 'police-officer' }, PURPOSE, 403, 'SAKI_ERR_FORBIDDEN'],
      [{ 'x-sakimori-user': 'u1' }, PURPOSE, 403, 'SAKI_ERR_FORBIDDEN'],
      [{ 'x-sakimori-user': 'u1', 'x-sakimori-role': 'commission' }, undefined, 400, 'SAKI_ERR_VALIDATION'],
      [{ 'x-sakimori-user': 'u1', 'x-sakimori-role': 'commission' }, 'short', 400, 'SAKI_ERR_VALIDATION'],
      [{ 'x-sakimori-user': 'u1', 'x-sakimori-role': 'commission' }, 'x'.repeat(501), 400, 'SAKI_ERR_VALIDATION'],
      [{ 'x-sakimori-user': 'u1', 'x-sakimori-role': 'commission' }, 'line one\nline two', 400, 'SAKI_ERR_VALIDATION'],
    ];
    for (const [headers, purpose, status, code] of cases) {
      const res = await app.request(url(purpose), { headers });
      assert.equal(res.status, status, JSON.stringify(headers));
      assert.equal(((await res.json()) as { code: string }).code, code);
    }
    const bad = await app.request(url(PURPOSE, 0), { headers: { 'x-sakimori-user': 'u1', 'x-sakimori-role': 'commission' } });
    assert.equal(bad.status, 400);
    assert.equal(await real.size(), 0);
  } finally {
    await close();
  }
});

test('GET /api/v1/selected: when the access cannot be recorded, 500 and no data', async () => {
  const { app, close } = setup(true);
  try {
    const res = await app.request(url(PURPOSE), { headers: { 'x-sakimori-user': 'u1', 'x-sakimori-role': 'cyber-office-analyst' } });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes('198.18.0') && !text.includes('p1:'));
    assert.equal((JSON.parse(text) as { code: string }).code, 'SAKI_ERR_INTERNAL');
  } finally {
    await close();
  }
});

test('GET /api/v1/selected as an operator: only the records of the agreements that name it, the read recorded with its organisation', async () => {
  const { app, real, close } = setupAgreements();
  try {
    const read = async (organisation: string | undefined) => {
      const headers: Record<string, string> = { 'x-sakimori-user': 'soc-1', 'x-sakimori-role': 'operator', ...(organisation !== undefined ? { 'x-sakimori-organisation': organisation } : {}) };
      const res = await app.request(url(PURPOSE, 10), { headers });
      return { status: res.status, body: (await res.json()) as { code?: string; records?: { approvalId: string; fields: { dstPort: number } }[]; accessEntrySeq?: number } };
    };
    const a = await read('operator-a');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.records!.map((r) => [r.approvalId, r.fields.dstPort]), [['agreement-a', 2323], ['agreement-a', 23]]);
    const [entry] = await real.entries(a.body.accessEntrySeq!, a.body.accessEntrySeq! + 1);
    const e = JSON.parse(entry.entry) as { actor: { who: string; role: string; organisation: string }; query: string; resultCount: number };
    assert.deepEqual(e.actor, { who: 'soc-1', role: 'operator', organisation: 'operator-a' });
    assert.equal(e.query, 'GET /api/v1/selected limit=10 approvals=agreement-a');
    assert.equal(e.resultCount, 2);
    const b = await read('operator-b');
    assert.deepEqual(b.body.records!.map((r) => r.approvalId), ['agreement-b']);
    // An operator no agreement names reads nothing (the read is still recorded); the analyst reads all.
    const none = await read('operator-z');
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.records, []);
    const all = await app.request(url(PURPOSE, 10), { headers: { 'x-sakimori-user': 'u1', 'x-sakimori-role': 'cyber-office-analyst' } });
    assert.equal(((await all.json()) as { records: unknown[] }).records.length, 4);
    // Without its organisation, or with a malformed one, an operator is refused and nothing is recorded.
    const size = await real.size();
    for (const org of [undefined, '', 'operator a', 'x'.repeat(129)]) {
      const r = await read(org);
      assert.equal(r.status, 403, String(org));
      assert.equal(r.body.code, 'SAKI_ERR_FORBIDDEN');
    }
    assert.equal(await real.size(), size);
  } finally {
    await close();
  }
});
