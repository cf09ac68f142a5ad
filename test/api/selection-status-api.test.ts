import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { Collector, CollectorStatus } from '../../src/collector/collector.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ApprovalSummary } from '../../src/selection/approval-set.js';

const HOUR = 3600_000;
const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

function summary(id: string, channel: ApprovalSummary['channel'], feeds: string[], fromOffset: number, toOffset: number, revokedOffset?: number): ApprovalSummary {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id,
    channel,
    feeds,
    criteriaHash: 'a'.repeat(64),
    criteriaIds: ['telnet', 'c2'],
    validFrom: iso(now + fromOffset),
    validTo: iso(now + toOffset),
    validFromMs: now + fromOffset,
    validToMs: now + toOffset,
    ...(revokedOffset !== undefined ? { revokedAt: iso(now + revokedOffset), revokedAtMs: now + revokedOffset, revokedBy: 'commission-chair' } : {}),
    source: `${id}.approval.json`,
  };
}

function app(role: 'carrier' | 'cyber-office', status: ReturnType<Collector['selectionStatus']>) {
  return createApp({ role, demo: false, status: () => ({}) as CollectorStatus, flows: undefined, logger, metrics: () => '', version: 'test', selectionStatus: () => status });
}

type Body = {
  role: string;
  enabled: boolean;
  note?: string;
  totals: { in: number; selected: number; erased: number };
  channels: { channel: string; feeds: string[]; approvalIds: string[] }[];
  approvals: { id: string; state: string; counts: { in: number; perCriterion: Record<string, number> }; revokedBy?: string }[];
  history: { ratio: number | null; perApproval: Record<string, { ratio: number | null }> }[];
  lastReload: { ok: boolean; code?: string } | null;
};

test('selection status, cyber-office role: approvals with their validity state and counts, channels with bound feeds, ratio history', async () => {
  const counts = { in: 100, selected: 25, erased: 75, domesticDomestic: 5, outOfScope: 10, perCriterion: { telnet: 20, c2: 5 } };
  const res = await app('cyber-office', {
    approvals: [
      summary('ok-1', 'foreign-domestic', ['127.0.0.1', '192.0.2.1'], -HOUR, HOUR),
      summary('expired-1', 'foreign-domestic', ['192.0.2.2'], -2 * HOUR, -HOUR),
      summary('revoked-1', 'foreign-foreign', ['192.0.2.3'], -HOUR, HOUR, -1000),
      summary('later-1', 'agreement', ['192.0.2.4/7'], HOUR, 2 * HOUR),
      summary('revoked-later', 'agreement', ['192.0.2.4/7'], -HOUR, 2 * HOUR, HOUR),
    ],
    counts: { 'ok-1': counts },
    refused: [{ file: 'bad.approval.json', code: 'SAKI_ERR_APPROVAL_FORGED' }],
    digest: 'x',
    in: 100,
    selected: 25,
    erased: 75,
    history: [
      { t: 1, in: 10, selected: 4, erased: 6, perApproval: { 'ok-1': { in: 10, selected: 4 } } },
      { t: 2, in: 0, selected: 0, erased: 0, perApproval: { 'ok-1': { in: 0, selected: 0 } } },
    ],
    lastReload: { at: new Date().toISOString(), trigger: 'sighup', ok: false, code: 'SAKI_ERR_APPROVAL_ALTERED' },
  }).request('/api/v1/selection/status');
  assert.equal(res.status, 200);
  const b = (await res.json()) as Body;
  assert.equal(b.enabled, true);
  assert.deepEqual(b.totals, { in: 100, selected: 25, erased: 75 });
  assert.deepEqual(
    b.approvals.map((a) => [a.id, a.state]),
    [['ok-1', 'valid'], ['expired-1', 'expired'], ['revoked-1', 'revoked'], ['later-1', 'not-yet-valid'], ['revoked-later', 'valid']],
  );
  assert.deepEqual(b.approvals[0].counts.perCriterion, { telnet: 20, c2: 5 });
  assert.equal(b.approvals[1].counts.in, 0);
  assert.equal(b.approvals[2].revokedBy, 'commission-chair');
  assert.deepEqual(b.channels, [
    { channel: 'agreement', feeds: ['192.0.2.4/7'], approvalIds: ['later-1', 'revoked-later'] },
    { channel: 'foreign-foreign', feeds: ['192.0.2.3'], approvalIds: ['revoked-1'] },
    { channel: 'foreign-domestic', feeds: ['127.0.0.1', '192.0.2.1', '192.0.2.2'], approvalIds: ['ok-1', 'expired-1'] },
  ]);
  assert.deepEqual(b.history.map((h) => h.ratio), [0.4, null]);
  assert.equal(b.history[0].perApproval['ok-1'].ratio, 0.4);
  assert.deepEqual({ ...b.lastReload, at: undefined }, { at: undefined, trigger: 'sighup', ok: false, code: 'SAKI_ERR_APPROVAL_ALTERED' });
});

test('selection status, carrier role: no selection, and it says so (whatever a collector would report)', async () => {
  const res = await app('carrier', undefined).request('/api/v1/selection/status');
  assert.equal(res.status, 200);
  const b = (await res.json()) as Body;
  assert.equal(b.role, 'carrier');
  assert.equal(b.enabled, false);
  assert.match(b.note ?? '', /carrier role: this instance runs no approved selection/);
  assert.deepEqual([b.approvals, b.channels, b.history], [[], [], []]);
});

test('the selection status route and its schema are in /openapi.json', async () => {
  const res = await app('carrier', undefined).request('/openapi.json');
  const doc = (await res.json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
  assert.ok(doc.paths['/api/v1/selection/status']);
  assert.ok(doc.components.schemas.SelectionStatus);
  assert.ok(doc.components.schemas.SelectionApproval);
});
