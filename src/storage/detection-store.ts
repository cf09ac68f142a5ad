/**
 * Storage of detection candidates (C&C, bots, scanners, DDoS victims) as the detectors emit them.
 * One row per detectionKey: a refresh keeps firstSeen and moves lastSeen, score, evidence and
 * expiry forward. A candidate past its expiresAt leaves the current list but stays in history
 * (stats, time series, detail) until `prune` removes it after the retention period.
 * Written against Kysely only, so another dialect can run the same contract suite
 * (test/storage/detection-store.case.ts).
 */
import type { Kysely } from 'kysely';
import { SakimoriError } from '../core/errors.js';
import { detectionKey, type Detection, type DetectionEvidence, type DetectionKind, type DetectorName } from '../core/detect/detection.js';
import type { Database, DetectionTable } from './schema.js';

export const DETECTION_KINDS: readonly DetectionKind[] = ['c2', 'bot', 'scanner', 'ddos-victim'];
export const DETECTOR_NAMES: readonly DetectorName[] = ['seed-peer', 'beacon', 'fan-in', 'darknet-scan', 'mirai-fingerprint', 'backscatter', 'ddos-volume'];

/** A stored candidate: the detection, its key, and whether it is past its expiry at query time. */
export interface StoredDetection extends Detection {
  key: string;
  expired: boolean;
}

export interface DetectionFilter {
  kind?: DetectionKind;
  country?: string;
  detector?: DetectorName;
  minScore?: number;
  /** Include candidates past their expiry (history view). */
  includeExpired?: boolean;
}

export interface DetectionPage {
  total: number;
  items: StoredDetection[];
}

export interface CountryCount {
  country: string;
  count: number;
  maxScore: number;
}

export type KindCounts = Record<DetectionKind, number>;

/** Candidates active (firstSeen ≤ bucket end, lastSeen ≥ bucket start) in each bucket, by kind. */
export interface SeriesPoint extends KindCounts {
  /** Bucket start, ms. */
  t: number;
}

export interface UpsertResult {
  inserted: number;
  refreshed: number;
}

const ISO2_OR_WORD = /^([A-Z]{2}|special|unknown)$/;

/** Refuses a detection that breaks the contract rather than storing half of it. */
export function validateDetection(d: Detection): void {
  const bad = (why: string): never => {
    throw new SakimoriError('SAKI_ERR_DETECTION_INVALID', why, { details: { key: detectionKey(d) } });
  };
  if (!DETECTION_KINDS.includes(d.kind)) bad(`kind "${String(d.kind)}"`);
  if (typeof d.ip !== 'string' || d.ip.length === 0 || d.ip.length > 45) bad('ip');
  if (!Number.isInteger(d.port) || d.port < 0 || d.port > 65535) bad('port');
  if (!Number.isInteger(d.proto) || d.proto < 0 || d.proto > 255) bad('proto');
  if (!(d.score >= 0 && d.score <= 1)) bad('score outside [0, 1]');
  if (!Array.isArray(d.detectors) || d.detectors.length === 0 || d.detectors.some((n) => !DETECTOR_NAMES.includes(n))) bad('detectors');
  if (typeof d.country !== 'string' || !ISO2_OR_WORD.test(d.country)) bad('country');
  if (!Number.isInteger(d.as) || d.as < 0) bad('as');
  if (![d.firstSeen, d.lastSeen, d.expiresAt].every(Number.isFinite) || d.firstSeen > d.lastSeen) bad('firstSeen/lastSeen/expiresAt');
  if (typeof d.evidence !== 'object' || d.evidence === null) bad('evidence');
}

function toRow(d: Detection, now: number): DetectionTable {
  return {
    key: detectionKey(d),
    kind: d.kind,
    ip: d.ip,
    port: d.port,
    proto: d.proto,
    score: d.score,
    detectors: [...new Set(d.detectors)].sort().join(','),
    family: d.family ?? null,
    country: d.country,
    asn: d.as,
    first_seen: Math.round(d.firstSeen),
    last_seen: Math.round(d.lastSeen),
    expires_at: Math.round(d.expiresAt),
    evidence: JSON.stringify(d.evidence),
    updated_at: now,
  };
}

function fromRow(r: DetectionTable, now: number): StoredDetection {
  const d: StoredDetection = {
    key: r.key,
    kind: r.kind as DetectionKind,
    ip: r.ip,
    port: r.port,
    proto: r.proto,
    score: r.score,
    detectors: r.detectors.split(',') as DetectorName[],
    country: r.country,
    as: r.asn,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    expiresAt: r.expires_at,
    evidence: JSON.parse(r.evidence) as DetectionEvidence,
    expired: r.expires_at <= now,
  };
  if (r.family !== null) d.family = r.family;
  return d;
}

const emptyCounts = (): KindCounts => ({ c2: 0, bot: 0, scanner: 0, 'ddos-victim': 0 });

export class DetectionStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts new candidates and refreshes known ones in one transaction. A refresh keeps the
   * earliest firstSeen and the latest lastSeen/expiresAt; score, detectors, family and evidence
   * come from whichever report saw the later flow, so an out-of-order batch cannot roll them back.
   */
  async upsert(detections: readonly Detection[], now: number): Promise<UpsertResult> {
    for (const d of detections) validateDetection(d);
    const byKey = new Map<string, DetectionTable>();
    for (const d of detections) {
      const row = toRow(d, now);
      const prev = byKey.get(row.key);
      byKey.set(row.key, prev ? merge(prev, row) : row);
    }
    const result: UpsertResult = { inserted: 0, refreshed: 0 };
    if (byKey.size === 0) return result;
    try {
      await this.db.transaction().execute(async (tx) => {
        const keys = [...byKey.keys()];
        const existing = new Map<string, DetectionTable>();
        for (let i = 0; i < keys.length; i += 500) {
          const rows = await tx.selectFrom('detections').selectAll().where('key', 'in', keys.slice(i, i + 500)).execute();
          for (const r of rows) existing.set(r.key, r);
        }
        for (const [key, row] of byKey) {
          const old = existing.get(key);
          if (!old) {
            await tx.insertInto('detections').values(row).execute();
            result.inserted++;
          } else {
            const { key: _k, ...set } = merge(old, row);
            await tx.updateTable('detections').set(set).where('key', '=', key).execute();
            result.refreshed++;
          }
        }
      });
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_STORAGE', 'detection upsert failed', { cause: e });
    }
    return result;
  }

  async get(key: string, now: number): Promise<StoredDetection | undefined> {
    const r = await this.db.selectFrom('detections').selectAll().where('key', '=', key).executeTakeFirst();
    return r ? fromRow(r, now) : undefined;
  }

  /** Ranked by score (then most recent, then key), current candidates unless includeExpired. */
  async list(filter: DetectionFilter, now: number, page: { limit: number; offset: number }): Promise<DetectionPage> {
    const base = this.filtered(filter, now);
    const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base
      .selectAll()
      .orderBy('score', 'desc')
      .orderBy('last_seen', 'desc')
      .orderBy('key', 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { total, items: rows.map((r) => fromRow(r, now)) };
  }

  async countsByKind(filter: DetectionFilter, now: number): Promise<KindCounts> {
    const rows = await this.filtered(filter, now)
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('kind')
      .execute();
    const out = emptyCounts();
    for (const r of rows) if (r.kind in out) out[r.kind as DetectionKind] = Number(r.n);
    return out;
  }

  /** Per-country counts of current candidates, largest first. */
  async byCountry(filter: DetectionFilter, now: number): Promise<CountryCount[]> {
    const rows = await this.filtered(filter, now)
      .select(['country', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('score').as('max_score')])
      .groupBy('country')
      .execute();
    return rows
      .map((r) => ({ country: r.country, count: Number(r.n), maxScore: Number(r.max_score) }))
      .sort((a, b) => b.count - a.count || a.country.localeCompare(b.country));
  }

  /**
   * Candidates active in each bucket of [from, to), counted by kind, history included (an expired
   * candidate still counts in the buckets it was active in, until pruned).
   */
  async series(from: number, to: number, bucketMs: number, filter: Omit<DetectionFilter, 'includeExpired'> = {}): Promise<SeriesPoint[]> {
    if (!(bucketMs > 0) || !(to > from) || (to - from) / bucketMs > 10_000) {
      throw new SakimoriError('SAKI_ERR_VALIDATION', 'series needs from < to and at most 10,000 buckets');
    }
    const n = Math.ceil((to - from) / bucketMs);
    const points: SeriesPoint[] = Array.from({ length: n }, (_, i) => ({ t: from + i * bucketMs, ...emptyCounts() }));
    const rows = await this.filtered({ ...filter, includeExpired: true }, to)
      .select(['kind', 'first_seen', 'last_seen'])
      .where('first_seen', '<', to)
      .where('last_seen', '>=', from)
      .execute();
    for (const r of rows) {
      const a = Math.max(0, Math.floor((r.first_seen - from) / bucketMs));
      const b = Math.min(n - 1, Math.floor((r.last_seen - from) / bucketMs));
      for (let i = a; i <= b; i++) points[i][r.kind as DetectionKind]++;
    }
    return points;
  }

  /** Deletes candidates that expired more than `retentionMs` before `now`; returns how many. */
  async prune(now: number, retentionMs: number): Promise<number> {
    const r = await this.db.deleteFrom('detections').where('expires_at', '<', now - retentionMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  private filtered(filter: DetectionFilter, now: number) {
    let q = this.db.selectFrom('detections');
    if (!filter.includeExpired) q = q.where('expires_at', '>', now);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.country) q = q.where('country', '=', filter.country);
    if (filter.minScore !== undefined) q = q.where('score', '>=', filter.minScore);
    if (filter.detector) {
      // detectors is a sorted comma list of names from a closed set without commas.
      const d = filter.detector;
      q = q.where((eb) => eb.or([eb('detectors', '=', d), eb('detectors', 'like', `${d},%`), eb('detectors', 'like', `%,${d}`), eb('detectors', 'like', `%,${d},%`)]));
    }
    return q;
  }
}

function merge(old: DetectionTable, next: DetectionTable): DetectionTable {
  const newer = next.last_seen >= old.last_seen ? next : old;
  return {
    ...newer,
    first_seen: Math.min(old.first_seen, next.first_seen),
    last_seen: Math.max(old.last_seen, next.last_seen),
    expires_at: Math.max(old.expires_at, next.expires_at),
    updated_at: Math.max(old.updated_at, next.updated_at),
  };
}
