/**
 * Storage of the NOTICE-style notification lists (migration 4): one row per device with its
 * current remediation status, and an append-only history of every status change. The workflow
 * rules live in core/darknet/notification-list.ts; this file only persists their results, each
 * change and its history row in one transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Detection } from '../core/detect/detection.js';
import { isDomesticScanner } from '../core/darknet/darknet-seeds.js';
import { recordSighting, transition, type NotificationEntry, type NotificationStatus } from '../core/darknet/notification-list.js';
import { SakimoriError } from '../core/errors.js';

interface EntryRow {
  ip: string;
  as_number: number;
  country: string;
  family: string | null;
  ports: string;
  score: number;
  first_seen: number;
  last_seen: number;
  status: NotificationStatus;
  status_at: number;
  notified_at: number | null;
  acknowledged_at: number | null;
  closed_at: number | null;
  reopened: number;
}

export interface NotificationEvent {
  ip: string;
  from: NotificationStatus | null;
  to: NotificationStatus;
  at: number;
  /** 'detected', 'reopened' (seen again after remediation) or 'operator'. */
  reason: string;
}

const fromRow = (r: EntryRow): NotificationEntry => ({
  ip: r.ip,
  as: r.as_number,
  country: r.country,
  family: r.family,
  ports: r.ports,
  score: r.score,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  status: r.status,
  statusAt: r.status_at,
  notifiedAt: r.notified_at,
  acknowledgedAt: r.acknowledged_at,
  closedAt: r.closed_at,
  reopened: r.reopened,
});

const COLUMNS = ['ip', 'as_number', 'country', 'family', 'ports', 'score', 'first_seen', 'last_seen', 'status', 'status_at', 'notified_at', 'acknowledged_at', 'closed_at', 'reopened'];
const toValues = (e: NotificationEntry) => [e.ip, e.as, e.country, e.family, e.ports, e.score, Math.round(e.firstSeen), Math.round(e.lastSeen), e.status, Math.round(e.statusAt), e.notifiedAt, e.acknowledgedAt, e.closedAt, e.reopened];

export class NotificationStore {
  readonly #get: BetterSqlite3.Statement;
  readonly #put: BetterSqlite3.Statement;
  readonly #event: BetterSqlite3.Statement;
  readonly #raw: BetterSqlite3.Database;

  constructor(raw: BetterSqlite3.Database) {
    this.#raw = raw;
    this.#get = raw.prepare('SELECT * FROM notification_entries WHERE ip = ?');
    this.#put = raw.prepare(`INSERT OR REPLACE INTO notification_entries (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`);
    this.#event = raw.prepare('INSERT INTO notification_events (ip, from_status, to_status, at, reason) VALUES (?, ?, ?, ?, ?)');
  }

  get(ip: string): NotificationEntry | undefined {
    const r = this.#get.get(ip) as EntryRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Records the domestic scanners among `detections` (others are ignored), in one transaction. */
  recordSightings(detections: readonly Detection[], at: number): { created: number; refreshed: number; reopened: number } {
    const counts = { created: 0, refreshed: 0, reopened: 0 };
    this.#raw.transaction(() => {
      for (const d of detections) {
        if (!isDomesticScanner(d)) continue;
        const before = this.get(d.ip);
        const { entry, reopened } = recordSighting(before, d, at);
        this.#put.run(toValues(entry));
        if (!before) {
          counts.created++;
          this.#event.run(entry.ip, null, 'new', at, 'detected');
        } else if (reopened) {
          counts.reopened++;
          this.#event.run(entry.ip, before.status, 'new', at, 'reopened');
        } else counts.refreshed++;
      }
    })();
    return counts;
  }

  /** Moves one entry to `status` at `at`; SAKI_ERR_NOT_FOUND or SAKI_ERR_NOTIFY_TRANSITION change nothing. */
  setStatus(ip: string, status: NotificationStatus, at: number): NotificationEntry {
    return this.#raw.transaction(() => {
      const before = this.get(ip);
      if (!before) throw new SakimoriError('SAKI_ERR_NOT_FOUND', `${ip} is not on a notification list`);
      const after = transition(before, status, at);
      this.#put.run(toValues(after));
      this.#event.run(ip, before.status, status, at, 'operator');
      return after;
    })();
  }

  /** Entries, optionally of one AS and/or one status, by AS then address. */
  list(filter: { as?: number; status?: NotificationStatus } = {}): NotificationEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.as !== undefined) {
      where.push('as_number = ?');
      args.push(filter.as);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    const sql = `SELECT * FROM notification_entries${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY as_number, ip`;
    return (this.#raw.prepare(sql).all(...args) as EntryRow[]).map(fromRow);
  }

  history(ip: string): NotificationEvent[] {
    const rows = this.#raw.prepare('SELECT ip, from_status, to_status, at, reason FROM notification_events WHERE ip = ? ORDER BY id').all(ip) as {
      ip: string;
      from_status: NotificationStatus | null;
      to_status: NotificationStatus;
      at: number;
      reason: string;
    }[];
    return rows.map((r) => ({ ip: r.ip, from: r.from_status, to: r.to_status, at: r.at, reason: r.reason }));
  }
}
