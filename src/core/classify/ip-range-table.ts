/**
 * Compiled range tables: the partition of range-partition.ts as sorted typed arrays, searched by
 * a first-level index on the top 16 address bits and a binary search inside that bucket.
 * `locate` returns the slot whose value holds at the address; callers keep the value arrays
 * (Uint16Array country indices, Uint32Array AS entries) so each access site stays monomorphic.
 */

const BUCKETS = 65536;

/** IPv4: `starts[i]` is the first address of slot i; starts[0] is 0. */
export class IPv4RangeTable {
  readonly starts: Uint32Array;
  readonly #index: Uint32Array;

  constructor(starts: Uint32Array) {
    if (starts.length === 0 || starts[0] !== 0) throw new RangeError('IPv4 range table must start at 0.0.0.0');
    for (let i = 1; i < starts.length; i++) if (starts[i] <= starts[i - 1]) throw new RangeError('IPv4 range starts not strictly increasing');
    this.starts = starts;
    // index[h] = last slot whose start ≤ h·2^16, so the answer for any address in bucket h lies in [index[h], index[h+1]].
    const index = new Uint32Array(BUCKETS + 1);
    let i = 0;
    const n = starts.length;
    for (let h = 0; h < BUCKETS; h++) {
      const key = h * 65536;
      while (i + 1 < n && starts[i + 1] <= key) i++;
      index[h] = i;
    }
    index[BUCKETS] = n - 1;
    this.#index = index;
  }

  get slots(): number {
    return this.starts.length;
  }

  /** Slot holding the unsigned 32-bit address `ip`. */
  locate(ip: number): number {
    const h = ip >>> 16;
    const index = this.#index;
    let lo = index[h];
    let hi = index[h + 1];
    const starts = this.starts;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= ip) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  byteLength(): number {
    return this.starts.byteLength + this.#index.byteLength;
  }
}

/** IPv6: slot i starts at words starts[4i..4i+3] (most significant first); slot 0 starts at ::. */
export class IPv6RangeTable {
  readonly starts: Uint32Array;
  readonly #index: Uint32Array;

  constructor(starts: Uint32Array) {
    const n = starts.length >>> 2;
    if (n === 0 || starts.length !== n * 4 || starts[0] !== 0 || starts[1] !== 0 || starts[2] !== 0 || starts[3] !== 0) {
      throw new RangeError('IPv6 range table must start at ::');
    }
    for (let i = 1; i < n; i++) {
      if (!startLessOrEqual(starts, i - 1, starts[i * 4], starts[i * 4 + 1], starts[i * 4 + 2], starts[i * 4 + 3]) || sameStart(starts, i - 1, i)) {
        throw new RangeError('IPv6 range starts not strictly increasing');
      }
    }
    this.starts = starts;
    const index = new Uint32Array(BUCKETS + 1);
    let i = 0;
    for (let h = 0; h < BUCKETS; h++) {
      const key = h * 65536;
      while (i + 1 < n && startLessOrEqual(starts, i + 1, key, 0, 0, 0)) i++;
      index[h] = i;
    }
    index[BUCKETS] = n - 1;
    this.#index = index;
  }

  get slots(): number {
    return this.starts.length >>> 2;
  }

  /** Slot holding the address w0:w1:w2:w3 (unsigned 32-bit words, most significant first). */
  locate(w0: number, w1: number, w2: number, w3: number): number {
    const index = this.#index;
    const h = w0 >>> 16;
    let lo = index[h];
    let hi = index[h + 1];
    const s = this.starts;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const b = mid << 2;
      const s0 = s[b];
      let le: boolean;
      if (s0 !== w0) le = s0 < w0;
      else {
        const s1 = s[b + 1];
        if (s1 !== w1) le = s1 < w1;
        else {
          const s2 = s[b + 2];
          le = s2 !== w2 ? s2 < w2 : s[b + 3] <= w3;
        }
      }
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  byteLength(): number {
    return this.starts.byteLength + this.#index.byteLength;
  }
}

function startLessOrEqual(s: Uint32Array, i: number, w0: number, w1: number, w2: number, w3: number): boolean {
  const b = i << 2;
  if (s[b] !== w0) return s[b] < w0;
  if (s[b + 1] !== w1) return s[b + 1] < w1;
  if (s[b + 2] !== w2) return s[b + 2] < w2;
  return s[b + 3] <= w3;
}

function sameStart(s: Uint32Array, i: number, j: number): boolean {
  const a = i << 2;
  const b = j << 2;
  return s[a] === s[b] && s[a + 1] === s[b + 1] && s[a + 2] === s[b + 2] && s[a + 3] === s[b + 3];
}

const MAX_IPV4 = 0xffffffff;
const MASK32 = 0xffffffffn;
const MAX_IPV6 = (1n << 128n) - 1n;

/** Typed arrays from an IPv4 partition; a trailing start beyond 255.255.255.255 is dropped. */
export function packIPv4Partition(starts: readonly number[], values: readonly number[]): { starts: Uint32Array; values: number[] } {
  let n = starts.length;
  if (n > 0 && starts[n - 1] > MAX_IPV4) n--;
  return { starts: Uint32Array.from(starts.slice(0, n)), values: values.slice(0, n) };
}

/** Typed arrays (4 words per start) from an IPv6 partition; a trailing start beyond the space is dropped. */
export function packIPv6Partition(starts: readonly bigint[], values: readonly number[]): { starts: Uint32Array; values: number[] } {
  let n = starts.length;
  if (n > 0 && starts[n - 1] > MAX_IPV6) n--;
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const k = starts[i];
    out[i * 4] = Number((k >> 96n) & MASK32);
    out[i * 4 + 1] = Number((k >> 64n) & MASK32);
    out[i * 4 + 2] = Number((k >> 32n) & MASK32);
    out[i * 4 + 3] = Number(k & MASK32);
  }
  return { starts: out, values: values.slice(0, n) };
}
