/**
 * Bounded count of distinct values (darknet addresses a scanner hit, sources of a flood): exact up
 * to SMALL values, then linear counting (Whang et al., "A linear-time probabilistic counting
 * algorithm", TODS 1990) on a fixed 8192-bit bitmap: standard error ~2 % up to ~4 × BITS distinct
 * values, ~8 % at 8 × BITS; the estimate saturates at BITS · ln(BITS) ≈ 74k.
 */
const SMALL = 32;
const BITS = 8192;
const WORDS = BITS / 32;

/** 32-bit FNV-1a of a string, finished with a murmur3 avalanche so low bits are usable. */
export function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3 fmix32. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class DistinctCounter {
  #small: number[] | undefined = [];
  #bitmap: Uint32Array | undefined;
  #zeros = BITS;

  /** Adds a 32-bit hash. */
  add(hash: number): void {
    if (this.#small) {
      if (this.#small.includes(hash)) return;
      if (this.#small.length < SMALL) {
        this.#small.push(hash);
        return;
      }
      this.#bitmap = new Uint32Array(WORDS);
      for (const h of this.#small) this.#set(h);
      this.#small = undefined;
    }
    this.#set(hash);
  }

  #set(hash: number): void {
    const bit = hash % BITS;
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if ((this.#bitmap![w] & m) === 0) {
      this.#bitmap![w] |= m;
      this.#zeros--;
    }
  }

  /** Estimated number of distinct values added. */
  estimate(): number {
    if (this.#small) return this.#small.length;
    // All bits set: the estimate is unbounded; report the ceiling BITS·ln(BITS).
    const z = Math.max(this.#zeros, 1);
    return Math.round(-BITS * Math.log(z / BITS));
  }

  /** Approximate heap bytes. */
  approxBytes(): number {
    // Typed-array object and its ArrayBuffer (measured by bench/darknet-bench.ts), or the small array.
    return this.#bitmap ? 160 + BITS / 8 : 48 + 8 * (this.#small?.length ?? 0);
  }
}
