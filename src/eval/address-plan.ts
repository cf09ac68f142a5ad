/**
 * Where the labelled traffic generator takes its addresses from: real allocations read from the
 * ip-location-db CSV text at generation time (never a hard-coded list), so that the project's geo
 * classifier places each generated address in the country the scenario intends (JP bots and
 * victims, foreign C&C servers and scanners, cloud endpoints in the big providers' ASes).
 * Pure: the caller passes the CSV text; the choice is a function of the text and the seed.
 */
import { formatIPv4Number } from '../core/flow/ip-address.js';

/** One inclusive IPv4 range of the country file. */
export interface CountryRange {
  start: number;
  end: number;
  country: string;
}

/** Sorted country ranges with a binary-search lookup (independent of the classifier under test). */
export class CountryRanges {
  readonly ranges: readonly CountryRange[];
  readonly #starts: Uint32Array;

  constructor(ranges: readonly CountryRange[]) {
    this.ranges = [...ranges].sort((a, b) => a.start - b.start);
    this.#starts = Uint32Array.from(this.ranges, (r) => r.start);
  }

  /** Parses geo-whois-asn-country-ipv4-num.csv: `start,end,CC` with inclusive decimal bounds. */
  static fromCsv(text: string): CountryRanges {
    const out: CountryRange[] = [];
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const line = text.slice(pos, nl).trim();
      pos = nl + 1;
      if (line === '') continue;
      const [a, b, cc] = line.split(',');
      const start = Number(a);
      const end = Number(b);
      if (Number.isInteger(start) && Number.isInteger(end) && /^[A-Z]{2}$/.test(cc ?? '')) out.push({ start, end, country: cc });
    }
    return new CountryRanges(out);
  }

  countryOf(ip: number): string | undefined {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#starts[mid] <= ip) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const r = this.ranges[found];
    return ip <= r.end ? r.country : undefined;
  }
}

/** Ranges announced by one AS (asn-ipv4-num.csv: `start,end,asn,"org"`), only the ASes asked for. */
export function asRangesFromCsv(text: string, asns: readonly number[]): Map<number, { start: number; end: number }[]> {
  const want = new Set(asns);
  const out = new Map<number, { start: number; end: number }[]>(asns.map((a) => [a, []]));
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const c1 = text.indexOf(',', pos);
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
    const c3 = c2 < 0 ? -1 : text.indexOf(',', c2 + 1);
    if (c3 > 0 && c3 < nl) {
      const asn = Number(text.slice(c2 + 1, c3));
      if (want.has(asn)) out.get(asn)!.push({ start: Number(text.slice(pos, c1)), end: Number(text.slice(c1 + 1, c2)) });
    }
    pos = nl + 1;
  }
  return out;
}

/**
 * Hands out distinct addresses. Blocks are whole /24s inside one country range, so that a pool of
 * hosts looks like a subscriber block and never straddles a country boundary.
 */
export class AddressAllocator {
  readonly #used = new Set<number>();
  readonly #usedBlocks = new Set<number>();
  readonly #rnd: () => number;
  readonly #geo: CountryRanges;
  readonly #byCountry = new Map<string, CountryRange[]>();

  constructor(geo: CountryRanges, rnd: () => number) {
    this.#geo = geo;
    this.#rnd = rnd;
    for (const r of geo.ranges) {
      // Only ranges holding at least one whole /24 and outside 0/8, 127/8 and 224/3.
      const first24 = Math.ceil(r.start / 256) * 256;
      if (first24 + 255 > r.end || r.start < 0x01000000 || r.end >= 0xe0000000 || (r.start >>> 24) === 127) continue;
      let list = this.#byCountry.get(r.country);
      if (!list) this.#byCountry.set(r.country, (list = []));
      list.push(r);
    }
  }

  get geo(): CountryRanges {
    return this.#geo;
  }

  /** A fresh /24 (network address as a number) in one of `countries`, chosen uniformly among ranges. */
  block24(countries: readonly string[]): number {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const cc = countries[Math.floor(this.#rnd() * countries.length)];
      const list = this.#byCountry.get(cc);
      if (!list || list.length === 0) continue;
      const r = list[Math.floor(this.#rnd() * list.length)];
      const first = Math.ceil(r.start / 256);
      const last = Math.floor((r.end + 1) / 256) - 1;
      const block = (first + Math.floor(this.#rnd() * (last - first + 1))) * 256;
      if (this.#usedBlocks.has(block)) continue;
      this.#usedBlocks.add(block);
      return block >>> 0;
    }
    throw new Error(`no free /24 in ${countries.join(',')}`);
  }

  /** An aligned block of 2^(32-prefix) addresses (prefix 16..24) in one country, reserved whole. */
  prefixBlock(country: string, prefixLength: number): number {
    const size = 2 ** (32 - prefixLength);
    const list = (this.#byCountry.get(country) ?? []).filter((r) => Math.floor((r.end + 1) / size) - Math.ceil(r.start / size) >= 1);
    for (let attempt = 0; attempt < 1000 && list.length > 0; attempt++) {
      const r = list[Math.floor(this.#rnd() * list.length)];
      const first = Math.ceil(r.start / size);
      const last = Math.floor((r.end + 1) / size) - 1;
      const base = (first + Math.floor(this.#rnd() * (last - first + 1))) * size;
      let free = true;
      for (let b = base; b < base + size; b += 256) if (this.#usedBlocks.has(b)) free = false;
      if (!free) continue;
      for (let b = base; b < base + size; b += 256) this.#usedBlocks.add(b);
      return base >>> 0;
    }
    throw new Error(`no free /${prefixLength} in ${country}`);
  }

  /** A distinct host address (.1–.254) in a fresh /24 of one of `countries`. */
  host(countries: readonly string[]): string {
    return this.hostIn(this.block24(countries));
  }

  /** A distinct host address (.1–.254) in the given /24. */
  hostIn(block: number): string {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const ip = (block + 1 + Math.floor(this.#rnd() * 254)) >>> 0;
      if (this.#used.has(ip)) continue;
      this.#used.add(ip);
      return formatIPv4Number(ip);
    }
    throw new Error('block exhausted');
  }

  /** A host inside one of the given AS ranges whose country is foreign (not `domestic`) in the country data. */
  hostInAs(ranges: readonly { start: number; end: number }[], domestic: string): string | undefined {
    for (let attempt = 0; attempt < 1000 && ranges.length > 0; attempt++) {
      const r = ranges[Math.floor(this.#rnd() * ranges.length)];
      const ip = (r.start + Math.floor(this.#rnd() * (r.end - r.start + 1))) >>> 0;
      const low = ip & 255;
      const cc = this.#geo.countryOf(ip);
      if (low === 0 || low === 255 || this.#used.has(ip) || cc === undefined || cc === domestic) continue;
      this.#used.add(ip);
      return formatIPv4Number(ip);
    }
    return undefined;
  }

  /** Any address (for spoofed sources): uniform over allocated space, not necessarily distinct. */
  anyAllocated(): string {
    const list = this.#geo.ranges;
    for (;;) {
      const r = list[Math.floor(this.#rnd() * list.length)];
      const ip = (r.start + Math.floor(this.#rnd() * (r.end - r.start + 1))) >>> 0;
      if ((ip >>> 24) === 0 || (ip >>> 24) === 127 || ip >= 0xe0000000) continue;
      return formatIPv4Number(ip);
    }
  }
}
