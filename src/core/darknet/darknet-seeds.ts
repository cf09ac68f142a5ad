/**
 * Darknet seed list: domestic sources seen scanning the darknet are, overwhelmingly, infected
 * devices (NICTER: IoT routers, cameras, LTE routers dominate; seed 004). The C&C detectors
 * (seed-peer) take them as known bots: whoever many of them talk to is a C&C candidate.
 * Bounded: at most `maxSeeds` entries, the least recently seen dropped first.
 */
import type { Detection } from '../detect/detection.js';
import { SourceTable } from './source-table.js';

/** One seed: a known-infected address, as the C&C detectors consume it. */
export interface SeedEntry {
  ip: string;
  source: 'darknet';
  /** ms since the Unix epoch. */
  firstSeen: number;
  lastSeen: number;
}

/** Whether a darknet detection names a domestic infected device (a domestic scanner). */
export function isDomesticScanner(d: Detection): boolean {
  return d.kind === 'scanner' && d.evidence.facts?.domestic === true;
}

export class DarknetSeedList {
  readonly #table: SourceTable<SeedEntry>;
  readonly maxAgeMs: number;

  constructor(options: { maxSeeds?: number; maxAgeMs?: number } = {}) {
    this.#table = new SourceTable(options.maxSeeds ?? 100_000);
    this.maxAgeMs = options.maxAgeMs ?? 7 * 24 * 3_600_000;
  }

  /** Takes the domestic scanners among darknet detections; anything else is ignored. */
  ingest(detections: readonly Detection[]): void {
    for (const d of detections) {
      if (!isDomesticScanner(d)) continue;
      const e = this.#table.touch(d.ip, () => ({ ip: d.ip, source: 'darknet', firstSeen: d.firstSeen, lastSeen: d.lastSeen }));
      e.firstSeen = Math.min(e.firstSeen, d.firstSeen);
      e.lastSeen = Math.max(e.lastSeen, d.lastSeen);
    }
  }

  /** Seeds seen within `maxAgeMs` before `now`, most recently seen first (older ones are dropped). */
  list(now: number): SeedEntry[] {
    this.#table.dropStale((e) => e.lastSeen + this.maxAgeMs <= now);
    return [...this.#table.values()].filter((e) => e.lastSeen + this.maxAgeMs > now).map((e) => ({ ...e })).sort((a, b) => b.lastSeen - a.lastSeen || (a.ip < b.ip ? -1 : 1));
  }

  get size(): number {
    return this.#table.size;
  }
}
