/**
 * NOTICE-style notification lists: infected or vulnerable domestic devices, grouped by the AS
 * responsible for them, so that each ISP gets its own list and alerts its users (NOTICE, seed 004).
 * The remediation workflow is a small state machine; every change carries its time.
 *
 *   new → notified → acknowledged → remediated
 *     ↘      ↘            ↘
 *      false-positive (from new, notified or acknowledged); false-positive → new reopens by hand.
 *   remediated → new happens only when the device is seen again (a sighting after remediation).
 */
import type { Detection } from '../detect/detection.js';
import { SakimoriError } from '../errors.js';

export const NOTIFICATION_STATUSES = ['new', 'notified', 'acknowledged', 'remediated', 'false-positive'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

const ALLOWED: Readonly<Record<NotificationStatus, readonly NotificationStatus[]>> = Object.freeze({
  new: ['notified', 'false-positive'],
  notified: ['acknowledged', 'remediated', 'false-positive'],
  acknowledged: ['remediated', 'false-positive'],
  remediated: [],
  'false-positive': ['new'],
});

export interface NotificationEntry {
  ip: string;
  /** Responsible AS: the classifier's origin AS of the address (0 when unknown). */
  as: number;
  country: string;
  /** Suspected family ('mirai') when a detector had a basis for it. */
  family: string | null;
  /** Top targeted ports, e.g. "tcp/23,tcp/2323". */
  ports: string;
  score: number;
  /** First and last time the device was seen misbehaving, ms since the Unix epoch. */
  firstSeen: number;
  lastSeen: number;
  status: NotificationStatus;
  /** When the current status was entered. */
  statusAt: number;
  notifiedAt: number | null;
  acknowledgedAt: number | null;
  /** When it became remediated or false-positive. */
  closedAt: number | null;
  /** Times the entry went back to 'new' after remediation. */
  reopened: number;
}

export function isNotificationStatus(s: string): s is NotificationStatus {
  return (NOTIFICATION_STATUSES as readonly string[]).includes(s);
}

export function allowedTransitions(from: NotificationStatus): readonly NotificationStatus[] {
  return ALLOWED[from];
}

/** The entry after a status change at `at`; refuses a change the workflow does not allow (SAKI_ERR_NOTIFY_TRANSITION). */
export function transition(e: NotificationEntry, to: NotificationStatus, at: number): NotificationEntry {
  if (!ALLOWED[e.status].includes(to)) {
    const allowed = ALLOWED[e.status];
    throw new SakimoriError('SAKI_ERR_NOTIFY_TRANSITION', `${e.status} → ${to} (allowed from ${e.status}: ${allowed.length ? allowed.join(', ') : 'none; a new sighting reopens'})`, {
      details: { from: e.status, to, allowed: [...allowed] },
    });
  }
  const n: NotificationEntry = { ...e, status: to, statusAt: at };
  if (to === 'notified') n.notifiedAt = at;
  else if (to === 'acknowledged') n.acknowledgedAt = at;
  else if (to === 'remediated' || to === 'false-positive') n.closedAt = at;
  else if (to === 'new') {
    n.notifiedAt = null;
    n.acknowledgedAt = null;
    n.closedAt = null;
  }
  return n;
}

/**
 * Applies a detection of the device (a domestic scanner) to its entry: creates it, or refreshes
 * last-seen, score and family. Seen again after 'remediated' (activity later than the remediation
 * time) it reopens as 'new'. A false positive stays closed; only a person reopens it.
 */
export function recordSighting(e: NotificationEntry | undefined, d: Detection, at: number): { entry: NotificationEntry; reopened: boolean } {
  const ports = typeof d.evidence.facts?.topPorts === 'string' ? d.evidence.facts.topPorts : '';
  if (!e) {
    return {
      entry: { ip: d.ip, as: d.as, country: d.country, family: d.family ?? null, ports, score: d.score, firstSeen: d.firstSeen, lastSeen: d.lastSeen, status: 'new', statusAt: at, notifiedAt: null, acknowledgedAt: null, closedAt: null, reopened: 0 },
      reopened: false,
    };
  }
  const n: NotificationEntry = {
    ...e,
    as: e.as || d.as,
    country: e.country === 'unknown' ? d.country : e.country,
    family: d.family ?? e.family,
    ports: ports || e.ports,
    score: Math.max(e.score, d.score),
    firstSeen: Math.min(e.firstSeen, d.firstSeen),
    lastSeen: Math.max(e.lastSeen, d.lastSeen),
  };
  if (e.status === 'remediated' && e.closedAt !== null && d.lastSeen > e.closedAt) {
    return { entry: { ...n, status: 'new', statusAt: at, notifiedAt: null, acknowledgedAt: null, closedAt: null, reopened: e.reopened + 1 }, reopened: true };
  }
  return { entry: n, reopened: false };
}

/** One ISP's list. */
export interface AsNotificationList {
  as: number;
  entries: NotificationEntry[];
}

/** Entries grouped by responsible AS (ascending; AS 0 = unknown last), each list by address. */
export function groupByAs(entries: readonly NotificationEntry[]): AsNotificationList[] {
  const m = new Map<number, NotificationEntry[]>();
  for (const e of entries) {
    const l = m.get(e.as);
    if (l) l.push(e);
    else m.set(e.as, [e]);
  }
  return [...m]
    .sort((a, b) => (a[0] === 0 ? 1 : b[0] === 0 ? -1 : a[0] - b[0]))
    .map(([as, l]) => ({ as, entries: l.sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : 0)) }));
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function entryJson(e: NotificationEntry): Record<string, unknown> {
  return {
    ip: e.ip,
    country: e.country,
    family: e.family,
    ports: e.ports,
    score: e.score,
    firstSeen: iso(e.firstSeen),
    lastSeen: iso(e.lastSeen),
    status: e.status,
    statusAt: iso(e.statusAt),
    notifiedAt: iso(e.notifiedAt),
    acknowledgedAt: iso(e.acknowledgedAt),
    closedAt: iso(e.closedAt),
    reopened: e.reopened,
  };
}

/** JSON export: `{ generatedAt, lists: [{ as, count, entries: [...] }] }`, times ISO 8601. */
export function notificationJson(entries: readonly NotificationEntry[], generatedAt: number): string {
  const lists = groupByAs(entries).map((g) => ({ as: g.as, count: g.entries.length, entries: g.entries.map(entryJson) }));
  return JSON.stringify({ generatedAt: new Date(generatedAt).toISOString(), lists }, null, 2) + '\n';
}

export const NOTIFICATION_CSV_COLUMNS = ['as', 'ip', 'country', 'family', 'ports', 'score', 'first_seen', 'last_seen', 'status', 'status_at', 'notified_at', 'acknowledged_at', 'closed_at', 'reopened'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV export (RFC 4180, CRLF), one row per device, rows grouped by AS as groupByAs orders them. */
export function notificationCsv(entries: readonly NotificationEntry[]): string {
  const rows: string[] = [NOTIFICATION_CSV_COLUMNS.join(',')];
  for (const g of groupByAs(entries)) {
    for (const e of g.entries) {
      rows.push(
        [g.as, e.ip, e.country, e.family, e.ports, e.score, iso(e.firstSeen), iso(e.lastSeen), e.status, iso(e.statusAt), iso(e.notifiedAt), iso(e.acknowledgedAt), iso(e.closedAt), e.reopened]
          .map(csvField)
          .join(','),
      );
    }
  }
  return rows.join('\r\n') + '\r\n';
}
