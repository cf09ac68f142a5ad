import type { ExportHeader } from './export-header.js';

/**
 * Data sets whose template had not arrived yet (RFC 7011 §8: a Collecting Process may keep
 * them until the template arrives; RFC 3954 §9 likewise). Each is a copy of the set body with
 * the header of its datagram, so it decodes later exactly as it would have on arrival.
 */
export interface HeldSet {
  /** templateKey(domain, templateId). */
  readonly key: number;
  readonly header: ExportHeader;
  readonly body: Uint8Array;
}

/** Template cache key: observation domain (32 bits) and template id (16 bits), exact in a Number. */
export function templateKey(domain: number, templateId: number): number {
  return domain * 0x10000 + templateId;
}

/** One exporter's held sets in arrival order, bounded in number. */
export class HeldSets {
  #sets: HeldSet[] = [];

  get size(): number {
    return this.#sets.length;
  }

  /** Holds a set; returns how many of the oldest had to be dropped to stay within `max`. */
  hold(set: HeldSet, max: number): number {
    this.#sets.push(set);
    const excess = this.#sets.length - Math.max(0, max);
    if (excess <= 0) return 0;
    this.#sets.splice(0, excess);
    return excess;
  }

  /** Removes and returns, in arrival order, the sets waiting for this template. */
  take(key: number): HeldSet[] {
    const taken: HeldSet[] = [];
    const kept: HeldSet[] = [];
    for (const s of this.#sets) (s.key === key ? taken : kept).push(s);
    if (taken.length > 0) this.#sets = kept;
    return taken;
  }

  /** Drops sets received before `cutoff`; returns how many. */
  expire(cutoff: number): number {
    const kept = this.#sets.filter((s) => s.header.receivedAt >= cutoff);
    const dropped = this.#sets.length - kept.length;
    if (dropped > 0) this.#sets = kept;
    return dropped;
  }
}
