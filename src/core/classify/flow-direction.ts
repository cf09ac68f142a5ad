/**
 * Direction of a flow under the Act: 外外 foreign→foreign (ch. 4, Art. 17–18), 外内/内外
 * foreign↔domestic (ch. 6, Art. 32–33), 内内 domestic→domestic (never acquired).
 *
 * The conservative rule (docs/reference/classification.md): an endpoint is foreign only when the
 * data positively places it in a non-domestic country. Unparsable, unallocated, unlocatable and
 * (by default) local special-purpose addresses are 'unknown', and a flow with an unknown side is
 * never acquirable, because an unknown endpoint may well be domestic and 内内 must never be acquired.
 */
import type { FlowRecord } from '../flow/flow-record.js';
import type { ClassificationConfig } from './classification-config.js';
import { UNKNOWN_COUNTRY, type GeoDatabase } from './geo-database.js';
import { parseAddress } from '../net/ip-text.js';
import { embeddedIPv4, hasSpecialIPv4In16, specialIPv4Boundaries, specialOfIPv4, specialOfIPv6, type SpecialRange } from './special-addresses.js';

export type EndpointSide = 'domestic' | 'foreign' | 'unknown';
export type FlowDirection = `${EndpointSide}-${EndpointSide}`;

/** Country value of a special-purpose address (its special range id is reported beside it). */
export const SPECIAL_COUNTRY = 'special';

const DOMESTIC = 0;
const FOREIGN = 1;
const UNKNOWN = 2;
const SIDES: readonly EndpointSide[] = ['domestic', 'foreign', 'unknown'];

/** All nine directions, src side major. */
export const FLOW_DIRECTIONS: readonly FlowDirection[] = Object.freeze(SIDES.flatMap((s) => SIDES.map((d) => `${s}-${d}` as FlowDirection)));

/** The Act's terms; every direction with an unknown side is 不明. */
export const DIRECTION_LABELS_JA: Readonly<Record<FlowDirection, string>> = Object.freeze({
  'foreign-foreign': '外外',
  'foreign-domestic': '外内',
  'domestic-foreign': '内外',
  'domestic-domestic': '内内',
  'foreign-unknown': '不明',
  'unknown-foreign': '不明',
  'domestic-unknown': '不明',
  'unknown-domestic': '不明',
  'unknown-unknown': '不明',
});

/**
 * Whether a flow of this direction may be acquired at all (ch. 4 or ch. 6, each still only under
 * an approval and its criteria). 内内 and anything with an unknown side are counted, never acquired.
 */
export function isAcquirable(direction: FlowDirection): boolean {
  return direction === 'foreign-foreign' || direction === 'foreign-domestic' || direction === 'domestic-foreign';
}

export interface FlowClassification {
  direction: FlowDirection;
  /** ISO 3166-1 alpha-2 from the data, SPECIAL_COUNTRY, or UNKNOWN_COUNTRY. */
  srcCountry: string;
  dstCountry: string;
  /** The record's AS when exported (non-zero), else the origin AS from the data; 0 when neither. */
  srcAs: number;
  dstAs: number;
  /** Special-range id (special-addresses.ts) when the endpoint is special-purpose. */
  srcSpecial: string | undefined;
  dstSpecial: string | undefined;
  /**
   * The address as an unsigned 32-bit number when it is IPv4 text or IPv4-mapped IPv6
   * (::ffff:a.b.c.d), else -1: the record's own twin (FlowRecord.srcV4) when its decoder set one,
   * else parsed once here; reused by selection (ClassifiedFlow.srcV4).
   */
  srcV4: number;
  dstV4: number;
  /**
   * The four 32-bit words (unsigned) of an IPv6 address that is not IPv4-mapped, parsed here for
   * the geo lookup; null otherwise. Reused by selection (ClassifiedFlow.srcV6) instead of parsing
   * the text again.
   */
  srcV6: readonly number[] | null;
  dstV6: readonly number[] | null;
}

/**
 * Country column value classifyColumns() leaves for a numeric IPv4 address: the country is looked
 * up when something reads it (ClassifiedBatch.srcCountryOf through `resolveCountry`).
 */
export const UNRESOLVED_COUNTRY = 0xffff;

/** The columns classifyColumns() fills (selection's ClassifiedBatch has them). */
export interface ClassifiedColumns {
  direction: Uint8Array;
  domestic: Uint8Array;
  srcCountry: Uint16Array;
  dstCountry: Uint16Array;
  /** In: the records' IPv4 twins (-1 when none); out: also the addresses parsed from text. */
  srcV4: Float64Array;
  dstV4: Float64Array;
  srcV6: (readonly number[] | null)[];
  dstV6: (readonly number[] | null)[];
  /** Set by classifyColumns(): the codes the country columns index (columnCountries). */
  countries: readonly string[];
  /** Set by classifyColumns(): the column country index of an IPv4 address (for UNRESOLVED_COUNTRY cells). */
  resolveCountry: ((v4: number) => number) | undefined;
}

export interface AddressClassification {
  side: EndpointSide;
  country: string;
  /** Origin AS from the data; 0 when none. */
  as: number;
  special: SpecialRange | undefined;
}

/**
 * Classifier bound to one database and one configuration (the side of every country index is
 * precomputed). Single-threaded and allocation-free per flow when given an `out` object.
 */
export class FlowClassifier {
  readonly geo: GeoDatabase;
  readonly config: ClassificationConfig;
  readonly #sides: Uint8Array;
  readonly #localSide: number;
  readonly #words = new Uint32Array(4);
  // Result registers of #resolve().
  #country = UNKNOWN_COUNTRY;
  #special: SpecialRange | undefined = undefined;
  #as = 0;
  #v4 = -1;
  #v6: readonly number[] | null = null;
  /** Country index of special-purpose addresses in classifyColumns() (one past the data's countries). */
  readonly #specialIndex: number;
  /**
   * Per IPv4 /16, for classifyColumns(): (side × 4,096 + country index) + 1 when the whole /16 is
   * one country and holds no special-purpose address, else 0. One load answers most addresses.
   */
  readonly #v4Uniform16 = new Uint16Array(65536);
  /**
   * Sides alone, for classifyColumns(): side + 1 per /16 whose addresses all have one side
   * (special-purpose ranges included by their rule), 0 when mixed; then #v4SideBlock16 (block + 1)
   * and #v4Side24 (side + 1 per /24 of that block, 0 when mixed: the exact lookup). A /16 that
   * spans countries is still one side when none of them is domestic: about 95 % of the unicast
   * space ends in this 64 KiB table, against 83 % in the country table.
   */
  readonly #v4Side16 = new Uint8Array(65536);
  readonly #v4SideBlock16 = new Uint16Array(65536);
  readonly #v4Side24: Uint8Array;
  /** The column country index of an IPv4 address (ClassifiedColumns.resolveCountry). */
  readonly #resolveCountry = (v4: number): number => this.#packedIPv4(v4) & 0xffff;
  /** Country codes by classifyColumns() index: the data's, then SPECIAL_COUNTRY. */
  readonly columnCountries: readonly string[];
  readonly #countryIndexes = new Map<string, number>();
  readonly #directionCodes = new Map<string, number>(FLOW_DIRECTIONS.map((d, i) => [d, i]));
  /** classify() result reused by classifyColumns() for records that are not numeric IPv4. */
  readonly #slow: FlowClassification = { direction: 'unknown-unknown', srcCountry: '', dstCountry: '', srcAs: 0, dstAs: 0, srcSpecial: undefined, dstSpecial: undefined, srcV4: -1, dstV4: -1, srcV6: null, dstV6: null };

  constructor(geo: GeoDatabase, config: ClassificationConfig) {
    this.geo = geo;
    this.config = config;
    const sides = new Uint8Array(geo.countryCount);
    sides[0] = UNKNOWN;
    for (let i = 1; i < sides.length; i++) sides[i] = config.domestic.has(geo.countryCode(i)) ? DOMESTIC : FOREIGN;
    this.#sides = sides;
    this.#localSide = config.specialAddresses === 'domestic' ? DOMESTIC : UNKNOWN;
    const codes: string[] = [];
    for (let i = 0; i < geo.countryCount; i++) {
      codes.push(geo.countryCode(i));
      if (!this.#countryIndexes.has(codes[i])) this.#countryIndexes.set(codes[i], i);
    }
    this.#specialIndex = codes.length;
    codes.push(SPECIAL_COUNTRY);
    for (let h = 0; h < 65536; h++) {
      const ci = hasSpecialIPv4In16(h) ? -1 : geo.countryIndexOfIPv4In16(h);
      if (ci >= 0 && ci < 4096) this.#v4Uniform16[h] = ((sides[ci] << 12) | ci) + 1;
    }
    if (codes.length >= UNRESOLVED_COUNTRY) throw new RangeError('too many countries for the column classification');
    this.columnCountries = Object.freeze(codes);
    this.#v4Side24 = this.#buildSideTables();
  }

  /**
   * Fills #v4Side16 and #v4SideBlock16 and returns #v4Side24. The side is constant between
   * consecutive boundaries of the country ranges and the special-purpose ranges, so one exact
   * lookup per boundary gives runs; each /16 (then each /24 of a mixed /16) is one side when
   * every run it meets has that side.
   */
  #buildSideTables(): Uint8Array {
    const a = this.geo.parts.ipv4CountryStarts;
    const b = specialIPv4Boundaries();
    const bounds: number[] = [];
    for (let i = 0, j = 0; i < a.length || j < b.length; ) {
      const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
      if (bounds.length === 0 || bounds[bounds.length - 1] !== x) bounds.push(x);
    }
    const MIXED = 255;
    // #v4Uniform16 is filled by now: #packedIPv4 gives the exact side.
    const runSide = bounds.map((x) => (this.#packedIPv4(x) >>> 16) + 1);
    const lastOf = (k: number): number => (k + 1 < bounds.length ? bounds[k + 1] - 1 : 0xffffffff);
    const side16 = this.#v4Side16;
    for (let k = 0; k < bounds.length; k++) {
      const v = runSide[k];
      for (let h = bounds[k] >>> 16, last = lastOf(k) >>> 16; h <= last; h++) side16[h] = side16[h] === 0 || side16[h] === v ? v : MIXED;
    }
    let blocks = 0;
    for (let h = 0; h < 65536; h++) {
      if (side16[h] === MIXED) {
        side16[h] = 0;
        this.#v4SideBlock16[h] = ++blocks;
      }
    }
    const side24 = new Uint8Array(blocks * 256);
    for (let k = 0; k < bounds.length; k++) {
      const v = runSide[k];
      const first = bounds[k];
      const last = lastOf(k);
      for (let h = first >>> 16; h <= last >>> 16; h++) {
        const block = this.#v4SideBlock16[h];
        if (block === 0) continue;
        const lo = h === first >>> 16 ? (first >>> 8) & 255 : 0;
        const hi = h === last >>> 16 ? (last >>> 8) & 255 : 255;
        for (let g = lo, at = (block - 1) * 256; g <= hi; g++) side24[at + g] = side24[at + g] === 0 || side24[at + g] === v ? v : MIXED;
      }
    }
    for (let x = 0; x < side24.length; x++) if (side24[x] === MIXED) side24[x] = 0;
    return side24;
  }

  /** Side of an IPv4 address whose /16 has mixed sides (#v4Side16 is 0): its /24, else the exact rule. */
  #sideOfIPv4In24(v4: number): number {
    const block = this.#v4SideBlock16[v4 >>> 16];
    const v = this.#v4Side24[((block - 1) << 8) | ((v4 >>> 8) & 255)];
    return v !== 0 ? v - 1 : this.#packedIPv4(v4) >>> 16;
  }

  #specialSide(special: SpecialRange): number {
    this.#special = special;
    this.#country = SPECIAL_COUNTRY;
    return special.scope === 'local' ? this.#localSide : UNKNOWN;
  }

  /**
   * Side of one address; leaves country, special range and (if wanted) origin AS in the registers.
   * `v4` is the record's numeric twin of `text` (FlowRecord.srcV4/dstV4): when the decoder read the
   * address from bytes it is used as is, and the text, which would parse to the same number, is
   * not parsed back. -1 means parse the text (IPv6, records built by hand or from storage).
   */
  #resolve(text: string, v4: number, wantAs: boolean): number {
    this.#special = undefined;
    this.#as = 0;
    this.#v6 = null;
    if (v4 >= 0) {
      this.#v4 = v4;
      return this.#resolveIPv4(v4, wantAs);
    }
    const w = this.#words;
    const geo = this.geo;
    const family = parseAddress(text, w);
    this.#v4 = family === 4 ? w[3] : -1;
    if (family === 0) {
      this.#country = UNKNOWN_COUNTRY;
      return UNKNOWN;
    }
    if (family === 4) return this.#resolveIPv4(w[3], wantAs);
    const w0 = w[0];
    const w1 = w[1];
    const w2 = w[2];
    const w3 = w[3];
    if (!(w0 === 0 && w1 === 0 && w2 === 0xffff)) this.#v6 = [w0, w1, w2, w3];
    const special = specialOfIPv6(w0, w1, w2, w3);
    if (special === undefined) {
      const ci = geo.countryIndexOfIPv6(w0, w1, w2, w3);
      this.#country = geo.countryCode(ci);
      if (wantAs) this.#as = geo.asOfIPv6(w0, w1, w2, w3);
      return this.#sides[ci];
    }
    if (special.scope !== 'embedded-ipv4') return this.#specialSide(special);
    return this.#resolveIPv4(embeddedIPv4(special, w0, w1, w3), wantAs);
  }

  /** #resolve() for an IPv4 address, also one an IPv6 address embeds (NAT64, 6to4). */
  #resolveIPv4(v4: number, wantAs: boolean): number {
    const geo = this.geo;
    const special = specialOfIPv4(v4);
    if (special !== undefined) return this.#specialSide(special);
    const ci = geo.countryIndexOfIPv4(v4);
    this.#country = geo.countryCode(ci);
    if (wantAs) this.#as = geo.asOfIPv4(v4);
    return this.#sides[ci];
  }

  /** Side × 65,536 + country index (specialIndex for special-purpose) of an IPv4 address. */
  #packedIPv4(v4: number): number {
    const u = this.#v4Uniform16[v4 >>> 16];
    if (u !== 0) return (((u - 1) >>> 12) << 16) | ((u - 1) & 0xfff);
    const special = specialOfIPv4(v4);
    if (special !== undefined) return ((special.scope === 'local' ? this.#localSide : UNKNOWN) << 16) | this.#specialIndex;
    const ci = this.geo.countryIndexOfIPv4(v4);
    return (this.#sides[ci] << 16) | ci;
  }

  /**
   * Classifies records[0..n) into columns (selection's ClassifiedBatch, filled by its load() with
   * the records' IPv4 twins first): direction code (source side × 3 + destination side, the
   * FLOW_DIRECTIONS order), domestic bits (1 source, 2 destination), countries as indexes into
   * `columnCountries`, and the addresses it parsed. Equal to classify(record, out, false) per flow,
   * without an object per flow. Records whose addresses are both numeric IPv4 never leave the
   * first branch, which finds their sides alone and leaves their countries UNRESOLVED_COUNTRY, to
   * be looked up through `out.resolveCountry` only for flows whose country something reads (a
   * `countries` criterion, an output field): most flows are erased, and a country costs up to
   * four more loads from tables that are rarely in cache.
   */
  classifyColumns(records: readonly FlowRecord[], n: number, out: ClassifiedColumns): void {
    const { direction, domestic, srcCountry, dstCountry, srcV4, dstV4, srcV6, dstV6 } = out;
    out.countries = this.columnCountries;
    out.resolveCountry = this.#resolveCountry;
    // In a local: a load per address instead of a field load and its brand check.
    const side16 = this.#v4Side16;
    for (let i = 0; i < n; i++) {
      const sv = srcV4[i];
      const dv = dstV4[i];
      let s: number;
      let d: number;
      if (sv >= 0 && dv >= 0) {
        s = side16[sv >>> 16];
        s = s !== 0 ? s - 1 : this.#sideOfIPv4In24(sv);
        d = side16[dv >>> 16];
        d = d !== 0 ? d - 1 : this.#sideOfIPv4In24(dv);
        srcCountry[i] = UNRESOLVED_COUNTRY;
        dstCountry[i] = UNRESOLVED_COUNTRY;
      } else {
        const c = this.classify(records[i], this.#slow, false);
        const code = this.#directionCodes.get(c.direction)!;
        s = (code / 3) | 0;
        d = code - s * 3;
        srcCountry[i] = this.#columnCountryIndex(c.srcCountry);
        dstCountry[i] = this.#columnCountryIndex(c.dstCountry);
        srcV4[i] = c.srcV4;
        dstV4[i] = c.dstV4;
        srcV6[i] = c.srcV6;
        dstV6[i] = c.dstV6;
        c.srcV6 = null;
        c.dstV6 = null;
      }
      direction[i] = s * 3 + d;
      domestic[i] = (s === DOMESTIC ? 1 : 0) | (d === DOMESTIC ? 2 : 0);
    }
  }

  #columnCountryIndex(code: string): number {
    return code === SPECIAL_COUNTRY ? this.#specialIndex : this.#countryIndexes.get(code) ?? 0;
  }

  /** Classifies one address (lookups, the UI, tests; classify() is the hot path). */
  classifyAddress(text: string): AddressClassification {
    const side = this.#resolve(text, -1, true);
    return { side: SIDES[side], country: this.#country, as: this.#as, special: this.#special };
  }

  /**
   * Classifies a flow record; pass `out` to reuse a result object on the hot path.
   * Origin AS comes from the data only where the record carries none (srcAs/dstAs 0);
   * `originAs` false skips that lookup (srcAs/dstAs are then the record's own), for callers that
   * use only the direction and countries, like selection.
   */
  classify(record: FlowRecord, out?: FlowClassification, originAs = true): FlowClassification {
    const s = this.#resolve(record.src, record.srcV4, originAs && record.srcAs === 0);
    const srcCountry = this.#country;
    const srcSpecial = this.#special?.id;
    const srcAs = record.srcAs !== 0 ? record.srcAs : this.#as;
    const srcV4 = this.#v4;
    const srcV6 = this.#v6;
    const d = this.#resolve(record.dst, record.dstV4, originAs && record.dstAs === 0);
    const direction = FLOW_DIRECTIONS[s * 3 + d];
    const dstAs = record.dstAs !== 0 ? record.dstAs : this.#as;
    const dstSpecial = this.#special?.id;
    if (out === undefined) return { direction, srcCountry, dstCountry: this.#country, srcAs, dstAs, srcSpecial, dstSpecial, srcV4, dstV4: this.#v4, srcV6, dstV6: this.#v6 };
    out.direction = direction;
    out.srcCountry = srcCountry;
    out.dstCountry = this.#country;
    out.srcAs = srcAs;
    out.dstAs = dstAs;
    out.srcSpecial = srcSpecial;
    out.dstSpecial = dstSpecial;
    out.srcV4 = srcV4;
    out.dstV4 = this.#v4;
    out.srcV6 = srcV6;
    out.dstV6 = this.#v6;
    this.#v6 = null;
    return out;
  }
}

// classifyFlow()/classifyAddress() keep the last classifier: pipelines call them with one
// (geo, config) pair for their whole life.
let last: FlowClassifier | undefined;

function classifierFor(geo: GeoDatabase, config: ClassificationConfig): FlowClassifier {
  if (last === undefined || last.geo !== geo || last.config !== config) last = new FlowClassifier(geo, config);
  return last;
}

/** Classifies a flow record (see FlowClassifier.classify). */
export function classifyFlow(record: FlowRecord, geo: GeoDatabase, config: ClassificationConfig, out?: FlowClassification): FlowClassification {
  return classifierFor(geo, config).classify(record, out);
}

/** Classifies one textual address (see FlowClassifier.classifyAddress). */
export function classifyAddress(text: string, geo: GeoDatabase, config: ClassificationConfig): AddressClassification {
  return classifierFor(geo, config).classifyAddress(text);
}

export type DirectionCounts = Record<FlowDirection, number>;

/** Zeroed per-direction counters (内内 and unknown flows are counted, never kept). */
export function emptyDirectionCounts(): DirectionCounts {
  return Object.fromEntries(FLOW_DIRECTIONS.map((d) => [d, 0])) as DirectionCounts;
}
