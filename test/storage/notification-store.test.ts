import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupByAs, notificationCsv, notificationJson, NOTIFICATION_CSV_COLUMNS, transition, type NotificationEntry } from '../../src/core/darknet/notification-list.js';
import type { Detection } from '../../src/core/detect/detection.js';
import { isSakimoriError } from '../../src/core/errors.js';
import { NotificationStore } from '../../src/storage/notification-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const H = 3_600_000;

function scanner(ip: string, as: number, lastSeen: number, domestic = true, family?: string): Detection {
  return {
    kind: 'scanner',
    ip,
    port: 0,
    proto: 0,
    score: 0.9,
    detectors: family ? ['darknet-scan', 'mirai-fingerprint'] : ['darknet-scan'],
    ...(family ? { family } : {}),
    country: domestic ? 'JP' : 'US',
    as,
    firstSeen: lastSeen - 60_000,
    lastSeen,
    expiresAt: lastSeen + H,
    evidence: { flows: 30, peers: 30, scores: { 'darknet-scan': 0.9 }, facts: { domestic, topPorts: 'tcp/23,tcp/2323' } },
  };
}

function withStore(fn: (store: NotificationStore) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'saki-notify-'));
  const db = openSqlite(dir);
  try {
    fn(new NotificationStore(db.raw));
  } finally {
    db.raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const refused = (code: string) => (e: unknown) => isSakimoriError(e) && e.code === code;

test('domestic scanners become per-AS notification entries; foreign ones and victims are ignored', () => {
  withStore((store) => {
    const victim: Detection = { ...scanner('1.0.0.9', 64500, T0), kind: 'ddos-victim' };
    const r = store.recordSightings([scanner('1.0.0.2', 64500, T0), scanner('1.0.0.1', 64500, T0, true, 'mirai'), scanner('126.0.0.1', 17676, T0), scanner('2.0.0.1', 64501, T0, false), victim], T0 + 1000);
    assert.deepEqual(r, { created: 3, refreshed: 0, reopened: 0 });
    const lists = groupByAs(store.list());
    assert.deepEqual(lists.map((l) => [l.as, l.entries.map((e) => e.ip)]), [[17676, ['126.0.0.1']], [64500, ['1.0.0.1', '1.0.0.2']]]);
    assert.deepEqual(store.list({ as: 64500 }).map((e) => e.ip), ['1.0.0.1', '1.0.0.2']);
    assert.equal(store.get('1.0.0.1')!.family, 'mirai');
    assert.equal(store.get('1.0.0.1')!.status, 'new');
    assert.deepEqual(store.history('1.0.0.1').map((e) => [e.from, e.to, e.reason]), [[null, 'new', 'detected']]);
  });
});

test('status workflow: new → notified → acknowledged → remediated with timestamps; re-appearance reopens; invalid changes refused and change nothing', () => {
  withStore((store) => {
    store.recordSightings([scanner('1.0.0.1', 64500, T0)], T0);
    // Skipping notification is refused.
    assert.throws(() => store.setStatus('1.0.0.1', 'remediated', T0 + H), refused('SAKI_ERR_NOTIFY_TRANSITION'));
    assert.throws(() => store.setStatus('1.0.0.1', 'new', T0 + H), refused('SAKI_ERR_NOTIFY_TRANSITION'));
    assert.equal(store.get('1.0.0.1')!.status, 'new');
    assert.throws(() => store.setStatus('9.9.9.9', 'notified', T0 + H), refused('SAKI_ERR_NOT_FOUND'));
    store.setStatus('1.0.0.1', 'notified', T0 + H);
    store.setStatus('1.0.0.1', 'acknowledged', T0 + 2 * H);
    const done = store.setStatus('1.0.0.1', 'remediated', T0 + 3 * H);
    assert.deepEqual([done.notifiedAt, done.acknowledgedAt, done.closedAt, done.statusAt], [T0 + H, T0 + 2 * H, T0 + 3 * H, T0 + 3 * H]);
    // Nothing leaves 'remediated' by hand.
    for (const to of ['new', 'notified', 'acknowledged', 'false-positive'] as const) assert.throws(() => store.setStatus('1.0.0.1', to, T0 + 4 * H), refused('SAKI_ERR_NOTIFY_TRANSITION'));
    // A detection whose activity predates the remediation only refreshes.
    assert.deepEqual(store.recordSightings([scanner('1.0.0.1', 64500, T0 + 2 * H)], T0 + 4 * H), { created: 0, refreshed: 1, reopened: 0 });
    assert.equal(store.get('1.0.0.1')!.status, 'remediated');
    // Seen scanning again after remediation: reopened as new, timestamps of the old cycle cleared.
    assert.deepEqual(store.recordSightings([scanner('1.0.0.1', 64500, T0 + 5 * H)], T0 + 5 * H + 1), { created: 0, refreshed: 0, reopened: 1 });
    const e = store.get('1.0.0.1')!;
    assert.deepEqual([e.status, e.reopened, e.notifiedAt, e.closedAt, e.statusAt, e.lastSeen], ['new', 1, null, null, T0 + 5 * H + 1, T0 + 5 * H]);
    assert.deepEqual(
      store.history('1.0.0.1').map((h) => `${h.from ?? '-'}>${h.to}:${h.reason}`),
      ['->new:detected', 'new>notified:operator', 'notified>acknowledged:operator', 'acknowledged>remediated:operator', 'remediated>new:reopened'],
    );
  });
});

test('false positives stay closed when seen again; only a person reopens them', () => {
  withStore((store) => {
    store.recordSightings([scanner('1.0.0.1', 64500, T0)], T0);
    store.setStatus('1.0.0.1', 'false-positive', T0 + H);
    store.recordSightings([scanner('1.0.0.1', 64500, T0 + 2 * H)], T0 + 2 * H);
    assert.equal(store.get('1.0.0.1')!.status, 'false-positive');
    assert.equal(store.setStatus('1.0.0.1', 'new', T0 + 3 * H).status, 'new');
  });
});

test('a refused transition carries from, to and the allowed statuses', () => {
  const e: NotificationEntry = { ip: '1.0.0.1', as: 1, country: 'JP', family: null, ports: '', score: 1, firstSeen: 0, lastSeen: 0, status: 'new', statusAt: 0, notifiedAt: null, acknowledgedAt: null, closedAt: null, reopened: 0 };
  try {
    transition(e, 'acknowledged', 1);
    assert.fail('not refused');
  } catch (err) {
    assert.ok(isSakimoriError(err));
    assert.equal(err.code, 'SAKI_ERR_NOTIFY_TRANSITION');
    assert.equal(err.status, 409);
    assert.deepEqual(err.details, { from: 'new', to: 'acknowledged', allowed: ['notified', 'false-positive'] });
  }
});

test('CSV (RFC 4180) and JSON exports group by AS', () => {
  withStore((store) => {
    store.recordSightings([scanner('126.0.0.1', 17676, T0), scanner('1.0.0.2', 64500, T0), scanner('1.0.0.1', 64500, T0, true, 'mirai'), scanner('5.0.0.1', 0, T0)], T0);
    store.setStatus('1.0.0.2', 'notified', T0 + H);
    const csv = notificationCsv(store.list());
    const lines = csv.split('\r\n');
    assert.equal(lines.at(-1), '');
    assert.equal(lines[0], NOTIFICATION_CSV_COLUMNS.join(','));
    // Quoted because the ports field holds a comma; AS 0 (unknown) last.
    assert.equal(lines[1], '17676,126.0.0.1,JP,,"tcp/23,tcp/2323",0.9,2026-11-19T23:59:00.000Z,2026-11-20T00:00:00.000Z,new,2026-11-20T00:00:00.000Z,,,,0');
    assert.deepEqual(lines.slice(1, -1).map((l) => l.split(',').slice(0, 2).join(' ')), ['17676 126.0.0.1', '64500 1.0.0.1', '64500 1.0.0.2', '0 5.0.0.1']);
    assert.match(lines[3], /,notified,2026-11-20T01:00:00.000Z,2026-11-20T01:00:00.000Z,,,0$/);
    const json = JSON.parse(notificationJson(store.list({ as: 64500 }), T0 + 2 * H)) as { generatedAt: string; lists: { as: number; count: number; entries: { ip: string; family: string | null; status: string }[] }[] };
    assert.equal(json.generatedAt, '2026-11-20T02:00:00.000Z');
    assert.deepEqual(json.lists.map((l) => [l.as, l.count]), [[64500, 2]]);
    assert.deepEqual(json.lists[0].entries.map((e) => [e.ip, e.family, e.status]), [['1.0.0.1', 'mirai', 'new'], ['1.0.0.2', null, 'notified']]);
  });
});
