/**
 * Merging carriers' C&C lists at the hub (seed 004: carriers' detections overlap little, so a
 * merged view finds more). Pure: latest entries per carrier in, merged entries and overlap out.
 *
 * Corroboration score of a merged entry (docs/reference/sharing.md#scoring):
 *   s_c   = score_c × 2^(−age_c / halfLife),  age_c = max(0, now − lastSeen_c)
 *   score = 1 − Π_c (1 − s_c)
 * a noisy-OR over distinct carriers treated as independent witnesses: one carrier at 0.6 stays
 * 0.6, two at 0.6 give 0.84, and a report that has not been refreshed fades by half per halfLife.
 */
import type { ListEntry } from './hub-document.js';

export interface CarrierEntry extends ListEntry {
  carrierId: string;
}

export interface MergedEntry {
  ip: string;
  port: number;
  proto: number;
  score: number;
  carriers: { carrierId: string; score: number; lastSeen: number; detectors: string[] }[];
  firstSeen: number;
  lastSeen: number;
}

export const targetKey = (e: { ip: string; port: number; proto: number }) => `${e.ip}|${e.port}|${e.proto}`;

export function corroborationScore(reports: readonly { score: number; lastSeen: number }[], now: number, halfLifeMs: number): number {
  let miss = 1;
  for (const r of reports) {
    const age = Math.max(0, now - r.lastSeen);
    miss *= 1 - Math.min(1, Math.max(0, r.score)) * Math.pow(2, -age / halfLifeMs);
  }
  return 1 - miss;
}

/** Merged entries by (ip, port, proto), highest score first (then most carriers, then key). */
export function mergeCarrierEntries(entries: readonly CarrierEntry[], now: number, halfLifeMs: number): MergedEntry[] {
  const byTarget = new Map<string, MergedEntry>();
  for (const e of entries) {
    const k = targetKey(e);
    let m = byTarget.get(k);
    if (!m) {
      m = { ip: e.ip, port: e.port, proto: e.proto, score: 0, carriers: [], firstSeen: e.firstSeen, lastSeen: e.lastSeen };
      byTarget.set(k, m);
    }
    m.carriers.push({ carrierId: e.carrierId, score: e.score, lastSeen: e.lastSeen, detectors: e.detectors });
    m.firstSeen = Math.min(m.firstSeen, e.firstSeen);
    m.lastSeen = Math.max(m.lastSeen, e.lastSeen);
  }
  const out = [...byTarget.values()];
  for (const m of out) {
    m.carriers.sort((a, b) => (a.carrierId < b.carrierId ? -1 : 1));
    m.score = corroborationScore(m.carriers, now, halfLifeMs);
  }
  return out.sort((a, b) => b.score - a.score || b.carriers.length - a.carriers.length || (targetKey(a) < targetKey(b) ? -1 : 1));
}

export interface OverlapStats {
  total: number;
  carriers: { carrierId: string; entries: number; unique: number }[];
  /** Pairwise |A∩B| / |A∪B| over (ip, port, proto). */
  pairs: { a: string; b: string; intersection: number; union: number; jaccard: number }[];
  /** Merged entries seen by exactly 1, exactly 2, and 3 or more carriers. */
  seenBy: { one: number; two: number; threeOrMore: number };
}

export function overlapStats(entries: readonly CarrierEntry[]): OverlapStats {
  const sets = new Map<string, Set<string>>();
  const count = new Map<string, number>();
  for (const e of entries) {
    const k = targetKey(e);
    let s = sets.get(e.carrierId);
    if (!s) sets.set(e.carrierId, (s = new Set()));
    if (!s.has(k)) count.set(k, (count.get(k) ?? 0) + 1);
    s.add(k);
  }
  const ids = [...sets.keys()].sort();
  const pairs: OverlapStats['pairs'] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const A = sets.get(ids[i])!;
      const B = sets.get(ids[j])!;
      let inter = 0;
      for (const k of A) if (B.has(k)) inter++;
      const union = A.size + B.size - inter;
      pairs.push({ a: ids[i], b: ids[j], intersection: inter, union, jaccard: union === 0 ? 0 : inter / union });
    }
  }
  const seenBy = { one: 0, two: 0, threeOrMore: 0 };
  for (const n of count.values()) {
    if (n === 1) seenBy.one++;
    else if (n === 2) seenBy.two++;
    else seenBy.threeOrMore++;
  }
  return {
    total: count.size,
    carriers: ids.map((id) => {
      const s = sets.get(id)!;
      let unique = 0;
      for (const k of s) if (count.get(k) === 1) unique++;
      return { carrierId: id, entries: s.size, unique };
    }),
    pairs,
    seenBy,
  };
}

export const VET_STATUSES = ['pending', 'vetted', 'published', 'rejected'] as const;
export type VetStatus = (typeof VET_STATUSES)[number];

/** Allowed manual vetting changes: publish only what was vetted; reject or reopen at any stage. */
const TRANSITIONS: Record<VetStatus, readonly VetStatus[]> = {
  pending: ['vetted', 'rejected'],
  vetted: ['published', 'rejected', 'pending'],
  published: ['rejected', 'pending'],
  rejected: ['pending'],
};

export function canTransition(from: VetStatus, to: VetStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
