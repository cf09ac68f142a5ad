/**
 * A compiled set of tagged CIDRs (≥100k, IPv4 and IPv6) answering "which tags cover this
 * address" in near-constant time. Overlapping CIDRs (also across criteria) are cut into disjoint
 * elementary ranges by a sweep over their boundaries; each range points at an interned, sorted
 * list of tags, so nested /8 … /32 entries of different criteria all answer correctly.
 * IPv4: sorted range starts in a Uint32Array, a 65 536-entry table on the top 16 bits narrows the
 * binary search to a handful of ranges. IPv6: four-word range starts, and a 65 536-entry table on
 * the 16 bits that follow the prefix all range starts share (threat lists cluster: 2001:db8::/32
 * or one provider's /29), then the same short binary search.
 * IPv4-mapped IPv6 text (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) is looked up as the IPv4 host.
 */
import { parseIPv4, parseIPv6, type ParsedCidr } from './address-text.js';

export interface TaggedCidr {
  cidr: ParsedCidr;
  tag: number;
}

const EMPTY = new Int32Array(0);

/** lookupColumnV4's mark for a row without an IPv4 address. */
export const NO_IPV4 = -1;

/**
 * The native twin of lookupColumnV4 (native/src/cidr_lookup.c): the same tables, read a group of
 * addresses at a time with prefetching, so the memory waits of random lookups overlap.
 */
export interface CidrLookupAccelerator {
  cidrLookupV4(top: Uint32Array, tagged: Uint32Array, ranges: Uint32Array, addresses: Float64Array, n: number, out: Int32Array): void;
  /** A zeroed buffer on memory advised for huge pages (fewer TLB misses on random reads). */
  hugePageBuffer(bytes: number): ArrayBuffer;
}

/**
 * IPv4 tables from this size on are put in one huge-page buffer when an accelerator is given: with
 * 100k CIDRs (2 MiB of tables) that made the selection benchmark ≈ 20 % faster (measured with
 * the kernel's THP setting at `always`); smaller tables stay in cache anyway.
 */
const HUGE_PAGE_TABLES_FROM = 1 << 20;
const scratch = new Uint32Array(4);

interface Sweep<P> {
  starts: P[];
  setIds: number[];
}

/** Boundary sweep: +tag at each range start, −tag one past its end; emits (start, set) runs. */
function sweep<P>(
  ranges: { lo: P; next: P | null; tag: number }[],
  zero: P,
  cmp: (a: P, b: P) => number,
  intern: (tags: number[]) => number,
): Sweep<P> {
  const events: { pos: P; tag: number; delta: number }[] = [];
  for (const r of ranges) {
    events.push({ pos: r.lo, tag: r.tag, delta: 1 });
    if (r.next !== null) events.push({ pos: r.next, tag: r.tag, delta: -1 });
  }
  events.sort((a, b) => cmp(a.pos, b.pos));
  const active = new Map<number, number>();
  const starts: P[] = [zero];
  const setIds: number[] = [0];
  let i = 0;
  while (i < events.length) {
    const pos = events[i].pos;
    while (i < events.length && cmp(events[i].pos, pos) === 0) {
      const e = events[i++];
      const c = (active.get(e.tag) ?? 0) + e.delta;
      if (c === 0) active.delete(e.tag);
      else active.set(e.tag, c);
    }
    const id = intern([...active.keys()].sort((a, b) => a - b));
    if (cmp(pos, starts[starts.length - 1]) === 0) {
      setIds[setIds.length - 1] = id;
      if (setIds.length > 1 && setIds[setIds.length - 2] === id) {
        starts.pop();
        setIds.pop();
      }
    } else if (id !== setIds[setIds.length - 1]) {
      starts.push(pos);
      setIds.push(id);
    }
  }
  return { starts, setIds };
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function wordsToBig(w: readonly number[]): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}

const MAX128 = (1n << 128n) - 1n;

/** A huge-page buffer, or undefined where the runtime refuses one (then an ordinary buffer serves). */
function hugePageBuffer(accelerator: CidrLookupAccelerator, bytes: number): ArrayBuffer | undefined {
  try {
    const b = accelerator.hugePageBuffer(bytes);
    return b instanceof ArrayBuffer && b.byteLength === bytes ? b : undefined;
  } catch {
    return undefined;
  }
}

export class CidrSet {
  /** All tag lists back to back; set `id` is pool[setIndex[2*id] … + setIndex[2*id+1]). */
  readonly pool: Int32Array;
  readonly setIndex: Int32Array;
  /** Interleaved [start, setId] per elementary IPv4 range: one cache line answers both. */
  private readonly v4Ranges: Uint32Array;
  private readonly v4Top: Uint32Array;
  /**
   * One bit per /16: set when some address in it carries a tag. Most addresses of real traffic
   * (and every one when the criteria name no IPv4 CIDR) fall in untagged /16s: their lookup ends
   * in this 8 KiB bitmap instead of two loads from the larger tables.
   */
  private readonly v4Tagged16: Uint32Array;
  /** Whether the IPv4 tables are on memory advised for huge pages (large tables with an accelerator). */
  readonly hugePageTables: boolean;
  private readonly v6Starts: Uint32Array;
  private readonly v6Sets: Int32Array;
  /**
   * IPv6 index: P = the number of leading bits (≤ 48) that every range start but the first (::)
   * shares, `v6Prefix0/1` those bits, `v6Top[k]` the last range starting at or below the prefix
   * followed by the 16 bits k and zeros. Null when there are too few ranges to need it.
   */
  private readonly v6Top: Uint32Array | null;
  private readonly v6P: number;
  private readonly v6Prefix0: number;
  private readonly v6Prefix1: number;

  private constructor(sets: Int32Array[], v4: Sweep<number>, v6: Sweep<bigint>, accelerator: CidrLookupAccelerator | undefined) {
    this.pool = new Int32Array(sets.reduce((a, x) => a + x.length, 0));
    this.setIndex = new Int32Array(2 * sets.length);
    let off = 0;
    sets.forEach((x, id) => {
      this.pool.set(x, off);
      this.setIndex[2 * id] = off;
      this.setIndex[2 * id + 1] = x.length;
      off += x.length;
    });
    const n = v4.starts.length;
    // The three IPv4 tables back to back: ranges, the /16 table, the /16 bitmap.
    const words = 2 * n + 65537 + 2048;
    const huge = accelerator !== undefined && 4 * words >= HUGE_PAGE_TABLES_FROM ? hugePageBuffer(accelerator, 4 * words) : undefined;
    this.hugePageTables = huge !== undefined;
    const buffer = huge ?? new ArrayBuffer(4 * words);
    this.v4Ranges = new Uint32Array(buffer, 0, 2 * n);
    for (let k = 0; k < n; k++) {
      this.v4Ranges[2 * k] = v4.starts[k];
      this.v4Ranges[2 * k + 1] = v4.setIds[k];
    }
    this.v4Top = new Uint32Array(buffer, 4 * 2 * n, 65537);
    let seg = 0;
    for (let h = 0; h < 65536; h++) {
      const base = h * 65536;
      while (seg + 1 < n && v4.starts[seg + 1] <= base) seg++;
      this.v4Top[h] = seg;
    }
    this.v4Top[65536] = n - 1;
    this.v4Tagged16 = new Uint32Array(buffer, 4 * (2 * n + 65537), 2048);
    for (let k = 0; k < n; k++) {
      if (v4.setIds[k] === 0) continue;
      const last = k + 1 < n ? v4.starts[k + 1] - 1 : 0xffffffff;
      for (let h = v4.starts[k] >>> 16; h <= last >>> 16; h++) this.v4Tagged16[h >>> 5] |= 1 << (h & 31);
    }
    this.v6Starts = new Uint32Array(v6.starts.length * 4);
    v6.starts.forEach((b, k) => {
      this.v6Starts[4 * k] = Number((b >> 96n) & 0xffffffffn);
      this.v6Starts[4 * k + 1] = Number((b >> 64n) & 0xffffffffn);
      this.v6Starts[4 * k + 2] = Number((b >> 32n) & 0xffffffffn);
      this.v6Starts[4 * k + 3] = Number(b & 0xffffffffn);
    });
    this.v6Sets = Int32Array.from(v6.setIds);
    const m = v6.starts.length;
    if (m < 8) {
      this.v6Top = null;
      this.v6P = this.v6Prefix0 = this.v6Prefix1 = 0;
      return;
    }
    // Sorted starts: what the first and the last (after ::) share, all share.
    const x = (v6.starts[1] ^ v6.starts[m - 1]) >> 64n;
    const p = Math.min(48, x === 0n ? 64 : 64 - x.toString(2).length);
    const prefix = v6.starts[1] >> BigInt(128 - p);
    this.v6P = p;
    this.v6Prefix0 = p === 0 ? 0 : p <= 32 ? Number(prefix) : Number(prefix >> BigInt(p - 32));
    this.v6Prefix1 = p <= 32 ? 0 : Number(prefix & ((1n << BigInt(p - 32)) - 1n));
    const top = new Uint32Array(65537);
    let seg6 = 0;
    for (let k = 0; k < 65536; k++) {
      const base = ((prefix << BigInt(64 - p)) | (BigInt(k) << BigInt(48 - p))) << 64n;
      while (seg6 + 1 < m && v6.starts[seg6 + 1] <= base) seg6++;
      top[k] = seg6;
    }
    top[65536] = m - 1;
    this.v6Top = top;
  }

  /** `accelerator` (native): the IPv4 tables on huge pages when they are large. Same answers either way. */
  static compile(entries: readonly TaggedCidr[], accelerator?: CidrLookupAccelerator): CidrSet {
    const sets: Int32Array[] = [EMPTY];
    const interned = new Map<string, number>([['', 0]]);
    const intern = (tags: number[]): number => {
      const key = tags.join(',');
      let id = interned.get(key);
      if (id === undefined) {
        id = sets.length;
        sets.push(Int32Array.from(tags));
        interned.set(key, id);
      }
      return id;
    };
    const v4: { lo: number; next: number | null; tag: number }[] = [];
    const v6: { lo: bigint; next: bigint | null; tag: number }[] = [];
    for (const { cidr, tag } of entries) {
      if (cidr.family === 4) {
        const lo = cidr.words[3];
        const next = lo + 2 ** (32 - cidr.prefix);
        v4.push({ lo, next: next > 0xffffffff ? null : next, tag });
      } else {
        const lo = wordsToBig(cidr.words);
        const hi = lo + (1n << BigInt(128 - cidr.prefix)) - 1n;
        v6.push({ lo, next: hi === MAX128 ? null : hi + 1n, tag });
      }
    }
    const s4 = sweep(v4, 0, (a, b) => a - b, intern);
    const s6 = sweep(v6, 0n, cmpBig, intern);
    return new CidrSet(sets, s4, s6, accelerator);
  }

  /** Number of elementary ranges (both families): a size measure for benchmarks and tests. */
  get rangeCount(): number {
    return this.v4Ranges.length / 2 + this.v6Sets.length;
  }

  /** Sorted tags covering the textual address; an empty array when none or when it is not an address. */
  lookup(address: string): Int32Array {
    const id = this.lookupId(address);
    return id === 0 ? EMPTY : this.pool.subarray(this.setIndex[2 * id], this.setIndex[2 * id] + this.setIndex[2 * id + 1]);
  }

  /** Id of the tag set covering the address (0 = no tag); the hot path reads pool/setIndex itself. */
  lookupId(address: string): number {
    const v4 = parseIPv4(address);
    if (v4 >= 0) return this.lookupV4(v4);
    let id = 0;
    if (parseIPv6(address, scratch)) {
      id =
        scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0xffff
          ? this.lookupV4(scratch[3])
          : this.lookupV6(scratch[0], scratch[1], scratch[2], scratch[3]);
    }
    // No address of an unselected flow may outlive the call, not even in a scratch buffer.
    scratch.fill(0);
    return id;
  }

  lookupV4(a: number): number {
    const h = a >>> 16;
    if ((this.v4Tagged16[h >>> 5] & (1 << (h & 31))) === 0) return 0;
    const r = this.v4Ranges;
    let lo = this.v4Top[h];
    let hi = this.v4Top[h + 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (r[2 * mid] <= a) lo = mid;
      else hi = mid - 1;
    }
    return r[2 * lo + 1];
  }

  /**
   * The set ids of the IPv4 addresses `addresses[0, n)` into `out` (NO_IPV4 where a row has none:
   * a negative number). With `accelerator`, in native code (the same answers, tested against this).
   */
  lookupColumnV4(addresses: Float64Array, n: number, out: Int32Array, accelerator?: CidrLookupAccelerator): void {
    if (accelerator) {
      accelerator.cidrLookupV4(this.v4Top, this.v4Tagged16, this.v4Ranges, addresses, n, out);
      return;
    }
    for (let b = 0; b < n; b++) {
      const a = addresses[b];
      out[b] = a >= 0 ? this.lookupV4(a) : NO_IPV4;
    }
  }

  lookupV6(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.v6Starts;
    let lo = 0;
    let hi = this.v6Sets.length - 1;
    const top = this.v6Top;
    if (top !== null) {
      // Below the shared prefix: only :: starts at or below; above it: every range does.
      const p = this.v6P;
      let key: number;
      if (p <= 32) {
        if (p > 0) {
          const a = w0 >>> (32 - p);
          if (a !== this.v6Prefix0) return this.v6Sets[a < this.v6Prefix0 ? 0 : hi];
        }
        key = p <= 16 ? (w0 >>> (16 - p)) & 0xffff : ((w0 << (p - 16)) | (w1 >>> (48 - p))) & 0xffff;
      } else {
        const b = w1 >>> (64 - p);
        if (w0 !== this.v6Prefix0 || b !== this.v6Prefix1) {
          const below = w0 !== this.v6Prefix0 ? w0 < this.v6Prefix0 : b < this.v6Prefix1;
          return this.v6Sets[below ? 0 : hi];
        }
        key = (w1 >>> (48 - p)) & 0xffff;
      }
      lo = top[key];
      hi = top[key + 1];
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const k = 4 * mid;
      const le =
        s[k] !== w0 ? s[k] < w0 : s[k + 1] !== w1 ? s[k + 1] < w1 : s[k + 2] !== w2 ? s[k + 2] < w2 : s[k + 3] <= w3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return this.v6Sets[lo];
  }
}
