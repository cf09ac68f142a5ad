/**
 * IP → country and IP → origin AS, compiled from the ip-location-db CSV files into sorted typed
 * arrays (ip-range-table.ts). These are raw data lookups: special-purpose addresses and the
 * domestic/foreign decision are applied on top, in flow-direction.ts.
 */
import { SakimoriError } from '../errors.js';
import { AsEntryInterner, readIPv4AsRows, readIPv4CountryRows, readIPv6AsRows, readIPv6CountryRows } from './geo-csv.js';
import { ValueInterner } from '../value-interner.js';
import { IPv4RangeTable, IPv6RangeTable, packIPv4Partition, packIPv6Partition } from './ip-range-table.js';
import { parseAddress } from '../net/ip-text.js';
import { flattenRanges, nextBigint, nextNumber } from './range-partition.js';

export const COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country';
export const ASN_PACKAGE = '@ip-location-db/asn';

/** The four input files, by role. */
export const GEO_CSV_FILES = {
  countryIPv4: { package: COUNTRY_PACKAGE, file: 'geo-whois-asn-country-ipv4-num.csv' },
  countryIPv6: { package: COUNTRY_PACKAGE, file: 'geo-whois-asn-country-ipv6-num.csv' },
  asnIPv4: { package: ASN_PACKAGE, file: 'asn-ipv4-num.csv' },
  asnIPv6: { package: ASN_PACKAGE, file: 'asn-ipv6-num.csv' },
} as const;

export type GeoCsvRole = keyof typeof GEO_CSV_FILES;
export type GeoCsvTexts = Readonly<Record<GeoCsvRole, string>>;

export interface GeoSourceVersions {
  /** Version of @ip-location-db/geo-whois-asn-country. */
  readonly country: string;
  /** Version of @ip-location-db/asn. */
  readonly asn: string;
}

/** Country value of addresses no data row covers (unallocated, or absent from the data). */
export const UNKNOWN_COUNTRY = 'unknown';

/** AS organization names by entry, decoded eagerly (compile) or on first use (snapshot). */
export interface AsNames {
  readonly count: number;
  get(entry: number): string;
}

export class ArrayAsNames implements AsNames {
  readonly #names: readonly string[];
  constructor(names: readonly string[]) {
    this.#names = names;
  }
  get count(): number {
    return this.#names.length;
  }
  get(entry: number): string {
    return this.#names[entry] ?? '';
  }
}

/** Everything a database is made of; what the snapshot stores. */
export interface GeoDatabaseParts {
  readonly versions: GeoSourceVersions;
  /** ISO 3166-1 alpha-2 by country index; index 0 is '' (no data). */
  readonly countryCodes: readonly string[];
  readonly ipv4CountryStarts: Uint32Array;
  readonly ipv4CountryValues: Uint16Array;
  /** Four words per start. */
  readonly ipv6CountryStarts: Uint32Array;
  readonly ipv6CountryValues: Uint16Array;
  readonly ipv4AsStarts: Uint32Array;
  /** AS entry per slot; 0 = no AS. */
  readonly ipv4AsValues: Uint32Array;
  readonly ipv6AsStarts: Uint32Array;
  readonly ipv6AsValues: Uint32Array;
  /** AS number by entry; entry 0 is 0. */
  readonly asNumbers: Uint32Array;
  readonly asNames: AsNames;
}

export interface GeoDatabaseStats {
  ipv4CountrySlots: number;
  ipv6CountrySlots: number;
  ipv4AsSlots: number;
  ipv6AsSlots: number;
  countries: number;
  asEntries: number;
  /** Bytes held in typed arrays (tables, values, first-level indices); AS names excluded. */
  typedArrayBytes: number;
}

function invalid(what: string): SakimoriError {
  return new SakimoriError('SAKI_ERR_STORAGE', `geolocation database is inconsistent: ${what}`);
}

function checkValues(values: Uint16Array | Uint32Array, slots: number, bound: number, what: string): void {
  if (values.length !== slots) throw invalid(`${what}: ${values.length} values for ${slots} ranges`);
  for (let i = 0; i < values.length; i++) if (values[i] >= bound) throw invalid(`${what}: value out of range`);
}

export class GeoDatabase {
  readonly parts: GeoDatabaseParts;
  readonly #v4Country: IPv4RangeTable;
  readonly #v4CountryValues: Uint16Array;
  readonly #v6Country: IPv6RangeTable;
  readonly #v6CountryValues: Uint16Array;
  readonly #v4As: IPv4RangeTable;
  readonly #v4AsValues: Uint32Array;
  readonly #v6As: IPv6RangeTable;
  readonly #v6AsValues: Uint32Array;
  readonly #asNumbers: Uint32Array;
  readonly #codes: readonly string[];
  readonly #words = new Uint32Array(4);
  /**
   * Per IPv4 /16: country index + 1 when the /16 lies wholly in one country (below 0x10000), else
   * 0x10000 + the number of its block in #v4CountryBy24. Most lookups end here with one load from
   * a 256 KiB table that stays in cache, instead of the range index, the range starts and the value
   * array (three dependent loads over ~1.5 MiB).
   */
  readonly #v4CountryBy16: Uint32Array;
  /**
   * For each split /16, 256 entries: country index + 1 of each /24 that lies wholly in one
   * country, 0 where the /24 is split too (then the range search answers). About 9,000 split /16s
   * in the RIR data: 4.6 MiB, and a lookup there costs one more load instead of a search over
   * ranges that are rarely in cache.
   */
  readonly #v4CountryBy24: Uint16Array;

  constructor(parts: GeoDatabaseParts) {
    this.parts = Object.freeze({ ...parts });
    try {
      this.#v4Country = new IPv4RangeTable(parts.ipv4CountryStarts);
      this.#v6Country = new IPv6RangeTable(parts.ipv6CountryStarts);
      this.#v4As = new IPv4RangeTable(parts.ipv4AsStarts);
      this.#v6As = new IPv6RangeTable(parts.ipv6AsStarts);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : 'bad range table');
    }
    const codes = parts.countryCodes;
    if (codes[0] !== '' || codes.length > 65535) throw invalid('country table');
    for (let i = 1; i < codes.length; i++) if (!/^[A-Z]{2}$/.test(codes[i])) throw invalid('country code');
    checkValues(parts.ipv4CountryValues, this.#v4Country.slots, codes.length, 'IPv4 countries');
    checkValues(parts.ipv6CountryValues, this.#v6Country.slots, codes.length, 'IPv6 countries');
    checkValues(parts.ipv4AsValues, this.#v4As.slots, parts.asNumbers.length, 'IPv4 AS');
    checkValues(parts.ipv6AsValues, this.#v6As.slots, parts.asNumbers.length, 'IPv6 AS');
    if (parts.asNumbers[0] !== 0 || parts.asNames.count !== parts.asNumbers.length) throw invalid('AS table');
    this.#codes = codes.map((c, i) => (i === 0 ? UNKNOWN_COUNTRY : c));
    this.#v4CountryValues = parts.ipv4CountryValues;
    this.#v6CountryValues = parts.ipv6CountryValues;
    this.#v4AsValues = parts.ipv4AsValues;
    this.#v6AsValues = parts.ipv6AsValues;
    this.#asNumbers = parts.asNumbers;
    const { by16, by24 } = countryShortcuts(this.#v4Country.starts, this.#v4CountryValues);
    this.#v4CountryBy16 = by16;
    this.#v4CountryBy24 = by24;
  }

  get versions(): GeoSourceVersions {
    return this.parts.versions;
  }

  /** Country index (0 = no data) of an unsigned 32-bit IPv4 address. */
  countryIndexOfIPv4(ip: number): number {
    const e = this.#v4CountryBy16[ip >>> 16];
    if (e < 0x10000) return e - 1;
    const w = this.#v4CountryBy24[((e - 0x10000) << 8) | ((ip >>> 8) & 255)];
    if (w !== 0) return w - 1;
    return this.#v4CountryValues[this.#v4Country.locate(ip)];
  }

  /** Country index of every address of the /16 `top16` (an IPv4 address >>> 16) when the data gives them all one, else -1. */
  countryIndexOfIPv4In16(top16: number): number {
    const e = this.#v4CountryBy16[top16];
    return e < 0x10000 ? e - 1 : -1;
  }

  /** Country index (0 = no data) of an IPv6 address given as four unsigned 32-bit words. */
  countryIndexOfIPv6(w0: number, w1: number, w2: number, w3: number): number {
    return this.#v6CountryValues[this.#v6Country.locate(w0, w1, w2, w3)];
  }

  /** ISO code of a country index; UNKNOWN_COUNTRY for 0. */
  countryCode(index: number): string {
    return this.#codes[index];
  }

  get countryCount(): number {
    return this.#codes.length;
  }

  countryOfIPv4(ip: number): string {
    return this.#codes[this.countryIndexOfIPv4(ip)];
  }

  countryOfIPv6(w0: number, w1: number, w2: number, w3: number): string {
    return this.#codes[this.#v6CountryValues[this.#v6Country.locate(w0, w1, w2, w3)]];
  }

  /** AS entry (0 = none) of an IPv4 address; see asNumber/asName. */
  asEntryOfIPv4(ip: number): number {
    return this.#v4AsValues[this.#v4As.locate(ip)];
  }

  asEntryOfIPv6(w0: number, w1: number, w2: number, w3: number): number {
    return this.#v6AsValues[this.#v6As.locate(w0, w1, w2, w3)];
  }

  asNumber(entry: number): number {
    return this.#asNumbers[entry];
  }

  asName(entry: number): string {
    return this.parts.asNames.get(entry);
  }

  /** Origin AS number of an IPv4 address; 0 when the data has none. */
  asOfIPv4(ip: number): number {
    return this.#asNumbers[this.#v4AsValues[this.#v4As.locate(ip)]];
  }

  asOfIPv6(w0: number, w1: number, w2: number, w3: number): number {
    return this.#asNumbers[this.#v6AsValues[this.#v6As.locate(w0, w1, w2, w3)]];
  }

  /** Country of a textual address (IPv4-mapped IPv6 as its IPv4 host); UNKNOWN_COUNTRY when unparsable or absent. */
  countryOf(text: string): string {
    const w = this.#words;
    const family = parseAddress(text, w);
    if (family === 4) return this.countryOfIPv4(w[3]);
    if (family === 6) return this.countryOfIPv6(w[0], w[1], w[2], w[3]);
    return UNKNOWN_COUNTRY;
  }

  /** Origin AS of a textual address; 0 when unparsable or absent. */
  asOf(text: string): number {
    const w = this.#words;
    const family = parseAddress(text, w);
    if (family === 4) return this.asOfIPv4(w[3]);
    if (family === 6) return this.asOfIPv6(w[0], w[1], w[2], w[3]);
    return 0;
  }

  stats(): GeoDatabaseStats {
    const p = this.parts;
    const values = p.ipv4CountryValues.byteLength + p.ipv6CountryValues.byteLength + p.ipv4AsValues.byteLength + p.ipv6AsValues.byteLength;
    return {
      ipv4CountrySlots: this.#v4Country.slots,
      ipv6CountrySlots: this.#v6Country.slots,
      ipv4AsSlots: this.#v4As.slots,
      ipv6AsSlots: this.#v6As.slots,
      countries: this.#codes.length - 1,
      asEntries: p.asNumbers.length - 1,
      typedArrayBytes:
        this.#v4Country.byteLength() + this.#v6Country.byteLength() + this.#v4As.byteLength() + this.#v6As.byteLength() + values + p.asNumbers.byteLength + this.#v4CountryBy16.byteLength + this.#v4CountryBy24.byteLength,
    };
  }
}

/** Builds a database from the four CSV texts (GEO_CSV_FILES); versions key the snapshot cache. */
export function compileGeoDatabase(csv: GeoCsvTexts, versions: GeoSourceVersions): GeoDatabase {
  // Country indexes are 1-based: 0 is reserved for "no data".
  const countries = new ValueInterner(['']);
  const v4c = flattenRanges(readIPv4CountryRows(csv.countryIPv4, countries), 0, nextNumber);
  const v6c = flattenRanges(readIPv6CountryRows(csv.countryIPv6, countries), 0n, nextBigint);
  const entries = new AsEntryInterner();
  const v4a = flattenRanges(readIPv4AsRows(csv.asnIPv4, entries), 0, nextNumber);
  const v6a = flattenRanges(readIPv6AsRows(csv.asnIPv6, entries), 0n, nextBigint);
  const p4c = packIPv4Partition(v4c.starts, v4c.values);
  const p6c = packIPv6Partition(v6c.starts, v6c.values);
  const p4a = packIPv4Partition(v4a.starts, v4a.values);
  const p6a = packIPv6Partition(v6a.starts, v6a.values);
  return new GeoDatabase({
    versions: { country: versions.country, asn: versions.asn },
    countryCodes: countries.values,
    ipv4CountryStarts: p4c.starts,
    ipv4CountryValues: Uint16Array.from(p4c.values),
    ipv6CountryStarts: p6c.starts,
    ipv6CountryValues: Uint16Array.from(p6c.values),
    ipv4AsStarts: p4a.starts,
    ipv4AsValues: Uint32Array.from(p4a.values),
    ipv6AsStarts: p6a.starts,
    ipv6AsValues: Uint32Array.from(p6a.values),
    asNumbers: Uint32Array.from(entries.numbers),
    asNames: new ArrayAsNames(entries.names),
  });
}

/**
 * The /16 and /24 country shortcuts of GeoDatabase (see #v4CountryBy16/#v4CountryBy24), in one
 * walk over the sorted range starts: a block holds the same country throughout when no range
 * inside it starts with another value.
 */
function countryShortcuts(starts: Uint32Array, values: Uint16Array): { by16: Uint32Array; by24: Uint16Array } {
  const n = starts.length;
  /** The value at `first` holds up to `last` (slot `r` is the one holding `first`). */
  const uniform = (r: number, last: number): boolean => {
    for (let j = r + 1; j < n && starts[j] <= last; j++) if (values[j] !== values[r]) return false;
    return true;
  };
  const by16 = new Uint32Array(65536);
  const split: number[] = [];
  let r = 0;
  for (let h = 0; h < 65536; h++) {
    const base = h * 65536;
    while (r + 1 < n && starts[r + 1] <= base) r++;
    // Country indexes stay below 65535 (checked by the constructor), so index + 1 < 0x10000.
    if (uniform(r, base + 65535)) by16[h] = values[r] + 1;
    else {
      by16[h] = 0x10000 + split.length;
      split.push(h);
    }
  }
  const by24 = new Uint16Array(split.length * 256);
  r = 0;
  split.forEach((h, b) => {
    for (let k = 0; k < 256; k++) {
      const lo = h * 65536 + k * 256;
      while (r + 1 < n && starts[r + 1] <= lo) r++;
      if (uniform(r, lo + 255)) by24[b * 256 + k] = values[r] + 1;
    }
  });
  return { by16, by24 };
}
