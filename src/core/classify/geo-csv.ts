/**
 * Readers for the ip-location-db "-num" CSV files (ranges as decimal integers, inclusive):
 *   geo-whois-asn-country-ipv{4,6}-num.csv: start,end,country_code   (ISO 3166-1 alpha-2)
 *   asn-ipv{4,6}-num.csv:                   start,end,as_number,as_organization (RFC 4180 quoting)
 * Compile-time only (the start-up path reads the binary snapshot), so clarity beats speed here.
 */
import { SakimoriError } from '../errors.js';
import type { RangeRow } from './range-partition.js';
import type { ValueInterner } from '../value-interner.js';

const MAX_IPV4 = 0xffffffff;
const MAX_IPV6 = (1n << 128n) - 1n;
const MAX_ASN = 0xffffffff;

/** AS entries: one per distinct (AS number, organization) pair; entry 0 is "no AS". */
export class AsEntryInterner {
  // Keyed by AS number first: most ASes carry one name, and a number key avoids building a
  // composite string for each of the ~500k rows.
  readonly #ids = new Map<number, number[]>();
  readonly numbers: number[] = [0];
  readonly names: string[] = [''];

  intern(asn: number, name: string): number {
    let ids = this.#ids.get(asn);
    if (ids === undefined) {
      ids = [];
      this.#ids.set(asn, ids);
    }
    for (const id of ids) if (this.names[id] === name) return id;
    const id = this.numbers.length;
    this.numbers.push(asn);
    this.names.push(name);
    ids.push(id);
    return id;
  }
}

function malformed(source: string, line: number, what: string): SakimoriError {
  // Public reference data, but the message still carries only the file role and line number.
  return new SakimoriError('SAKI_ERR_STORAGE', `geolocation CSV ${source} line ${line}: ${what}`, { details: { source, line } });
}

/**
 * RFC 4180 record reader over one string: fields are slices of the text, quoted fields
 * (doubled quotes, line breaks inside quotes) are unescaped, CRLF or LF line ends, empty lines skipped.
 */
export class CsvReader {
  readonly #t: string;
  readonly source: string;
  #pos = 0;
  #end = -1;
  #next = 0;
  /** 1-based line number of the current record's first line. */
  line = 0;
  #lines = 0;

  constructor(text: string, source: string) {
    this.#t = text;
    this.source = source;
  }

  /** Advances to the next non-empty record; false at the end of the text. */
  nextRecord(): boolean {
    const t = this.#t;
    const n = t.length;
    let p = this.#next;
    while (p < n) {
      let eol = t.indexOf('\n', p);
      if (eol < 0) eol = n;
      this.#lines++;
      let end = eol;
      if (end > p && t.charCodeAt(end - 1) === 13) end--;
      if (end > p) {
        this.line = this.#lines;
        this.#pos = p;
        this.#end = end;
        this.#next = eol + 1;
        return true;
      }
      p = eol + 1;
    }
    this.#next = n;
    this.#pos = 1;
    this.#end = 0;
    return false;
  }

  /** The next field of the current record, or undefined when there is none left. */
  field(): string | undefined {
    const p = this.#pos;
    if (p > this.#end) return undefined;
    const t = this.#t;
    if (p < this.#end && t.charCodeAt(p) === 34) return this.#quoted();
    let c = t.indexOf(',', p);
    if (c < 0 || c > this.#end) c = this.#end;
    this.#pos = c + 1;
    return t.slice(p, c);
  }

  /** Fails unless every field of the record has been read. */
  done(): void {
    if (this.#pos <= this.#end) throw malformed(this.source, this.line, 'too many fields');
  }

  #quoted(): string {
    const t = this.#t;
    let p = this.#pos + 1;
    let out = '';
    for (;;) {
      const q = t.indexOf('"', p);
      if (q < 0) throw malformed(this.source, this.line, 'unterminated quoted field');
      out += t.slice(p, q);
      if (t.charCodeAt(q + 1) === 34) {
        out += '"';
        p = q + 2;
        continue;
      }
      p = q + 1;
      break;
    }
    if (p > this.#end) {
      // The quoted field crossed line breaks: the record ends at the first line end after it.
      for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n', i + 1)) this.#lines++;
      let eol = t.indexOf('\n', p);
      if (eol < 0) eol = t.length;
      let end = eol;
      if (end > p && t.charCodeAt(end - 1) === 13) end--;
      this.#end = end;
      this.#next = eol + 1;
    }
    if (p === this.#end) {
      this.#pos = p + 1;
      return out;
    }
    if (t.charCodeAt(p) !== 44) throw malformed(this.source, this.line, 'text after a closing quote');
    this.#pos = p + 1;
    return out;
  }

  /** The next field, which must exist. */
  required(what: string): string {
    const f = this.field();
    if (f === undefined) throw malformed(this.source, this.line, `missing ${what}`);
    return f;
  }
}

function isDecimal(s: string, maxDigits: number): boolean {
  if (s.length === 0 || s.length > maxDigits) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function ipv4Bound(source: string, line: number, s: string): number {
  if (!isDecimal(s, 10)) throw malformed(source, line, 'address is not a decimal integer');
  const v = Number(s);
  if (v > MAX_IPV4) throw malformed(source, line, 'IPv4 address out of range');
  return v;
}

function ipv6Bound(source: string, line: number, s: string): bigint {
  if (!isDecimal(s, 39)) throw malformed(source, line, 'address is not a decimal integer');
  const v = BigInt(s);
  if (v > MAX_IPV6) throw malformed(source, line, 'IPv6 address out of range');
  return v;
}

function countryCode(source: string, line: number, s: string): string {
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(1);
  if (s.length !== 2 || a < 65 || a > 90 || b < 65 || b > 90) throw malformed(source, line, 'country is not ISO 3166-1 alpha-2');
  return s;
}

function checkOrder<K extends number | bigint>(source: string, line: number, start: K, end: K): void {
  if (end < start) throw malformed(source, line, 'range end before start');
}

function readCountryRows<K extends number | bigint>(
  text: string,
  countries: ValueInterner,
  source: string,
  bound: (source: string, line: number, s: string) => K,
): RangeRow<K>[] {
  const rows: RangeRow<K>[] = [];
  const r = new CsvReader(text, source);
  while (r.nextRecord()) {
    const start = bound(source, r.line, r.required('range start'));
    const end = bound(source, r.line, r.required('range end'));
    checkOrder(source, r.line, start, end);
    const cc = countryCode(source, r.line, r.required('country'));
    r.done();
    rows.push({ start, end, value: countries.intern(cc) });
  }
  return rows;
}

export function readIPv4CountryRows(text: string, countries: ValueInterner, source = 'country-ipv4'): RangeRow<number>[] {
  return readCountryRows(text, countries, source, ipv4Bound);
}

export function readIPv6CountryRows(text: string, countries: ValueInterner, source = 'country-ipv6'): RangeRow<bigint>[] {
  return readCountryRows(text, countries, source, ipv6Bound);
}

function asNumber(source: string, line: number, s: string): number {
  if (!isDecimal(s, 10)) throw malformed(source, line, 'AS number is not a decimal integer');
  const v = Number(s);
  if (v > MAX_ASN) throw malformed(source, line, 'AS number out of range');
  return v;
}

function readAsRows<K extends number | bigint>(
  text: string,
  entries: AsEntryInterner,
  source: string,
  bound: (source: string, line: number, s: string) => K,
): RangeRow<K>[] {
  const rows: RangeRow<K>[] = [];
  const r = new CsvReader(text, source);
  while (r.nextRecord()) {
    const start = bound(source, r.line, r.required('range start'));
    const end = bound(source, r.line, r.required('range end'));
    checkOrder(source, r.line, start, end);
    const asn = asNumber(source, r.line, r.required('AS number'));
    const name = r.required('AS organization');
    r.done();
    // AS 0 (RFC 7607) marks "not routed": no origin AS to attach.
    if (asn !== 0) rows.push({ start, end, value: entries.intern(asn, name) });
  }
  return rows;
}

export function readIPv4AsRows(text: string, entries: AsEntryInterner, source = 'asn-ipv4'): RangeRow<number>[] {
  return readAsRows(text, entries, source, ipv4Bound);
}

export function readIPv6AsRows(text: string, entries: AsEntryInterner, source = 'asn-ipv6'): RangeRow<bigint>[] {
  return readAsRows(text, entries, source, ipv6Bound);
}
