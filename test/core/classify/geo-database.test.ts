/**
 * The compiled database against the installed ip-location-db data. The compiler reads the "-num"
 * files; the reference here reads the textual twins (geo-whois-asn-country-ipv4.csv, asn-ipv6.csv, …)
 * with its own split-based parsers and answers each lookup by scanning rows, so a shared bug in
 * parsing or in the overlap rule cannot hide. Expected values come from the CSV rows, never from memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassificationConfig } from '../../../src/core/classify/classification-config.js';
import { classifyAddress, FlowClassifier } from '../../../src/core/classify/flow-direction.js';
import { BATCH_DIRECTIONS, ClassifiedBatch } from '../../../src/core/selection/classified-batch.js';
import { emptyFlowRecord } from '../../../src/core/flow/flow-record.js';
import { compileGeoDatabase, COUNTRY_PACKAGE, ASN_PACKAGE, UNKNOWN_COUNTRY, type GeoDatabase } from '../../../src/core/classify/geo-database.js';
import { deserializeGeoDatabase, serializeGeoDatabase } from '../../../src/core/classify/geo-snapshot.js';
import { IPv4RangeTable } from '../../../src/core/classify/ip-range-table.js';
import { specialIPv4Boundaries } from '../../../src/core/classify/special-addresses.js';
import { formatIPv4Number, formatIPv6 } from '../../../src/core/flow/ip-address.js';
import { dataVersions, ipv4ToNumber, ipv6ToBigint, readPackageFile, realCsvTexts, rng, words128 } from './geo-data.js';

interface Row<K> {
  start: K;
  end: K;
  value: string;
}

/** Quote-aware CSV field split (RFC 4180 subset: the files have no line breaks inside quotes). */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let f = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c !== '"') f += c;
      else if (line[i + 1] === '"') {
        f += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(f);
      f = '';
    } else f += c;
  }
  out.push(f);
  return out;
}

function readRows<K>(pkg: string, file: string, parse: (s: string) => K, value: (f: string[]) => string): Row<K>[] {
  return readPackageFile(pkg, file)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const f = splitCsv(l);
      return { start: parse(f[0]), end: parse(f[1]), value: value(f) };
    });
}

/**
 * The documented overlap rule, answered from rows: among rows covering `a`, the greatest start,
 * then the smallest end, then the latest in the file. Rows sorted by start (stable); a running
 * maximum of ends bounds the backward scan.
 */
class Reference<K extends number | bigint> {
  readonly rows: Row<K>[];
  readonly #byStart: Row<K>[];
  readonly #maxEnd: K[];

  constructor(rows: Row<K>[]) {
    this.rows = rows;
    this.#byStart = rows.slice().sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.#maxEnd = [];
    let m: K | undefined;
    for (const r of this.#byStart) {
      if (m === undefined || r.end > m) m = r.end;
      this.#maxEnd.push(m);
    }
  }

  lookup(a: K): string | undefined {
    const rows = this.#byStart;
    let lo = 0;
    let hi = rows.length - 1;
    if (rows[0].start > a) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rows[mid].start <= a) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i >= 0 && this.#maxEnd[i] >= a; i--) {
      if (rows[i].end < a) continue;
      const start = rows[i].start;
      let best = rows[i];
      for (let j = i - 1; j >= 0 && rows[j].start === start; j--) if (rows[j].end >= a && rows[j].end < best.end) best = rows[j];
      return best.value;
    }
    return undefined;
  }

  /** The same rule by a plain scan over every row in file order. */
  linearScan(a: K): string | undefined {
    let best: Row<K> | undefined;
    for (const r of this.rows) {
      if (r.start > a || r.end < a) continue;
      if (best === undefined || r.start > best.start || (r.start === best.start && r.end <= best.end)) best = r;
    }
    return best?.value;
  }
}

const t0 = Date.now();
const db: GeoDatabase = compileGeoDatabase(realCsvTexts(), dataVersions());
const compileMs = Date.now() - t0;
const country4 = new Reference(readRows(COUNTRY_PACKAGE, 'geo-whois-asn-country-ipv4.csv', ipv4ToNumber, (f) => f[2]));
const country6 = new Reference(readRows(COUNTRY_PACKAGE, 'geo-whois-asn-country-ipv6.csv', ipv6ToBigint, (f) => f[2]));
const as4 = new Reference(readRows(ASN_PACKAGE, 'asn-ipv4.csv', ipv4ToNumber, (f) => `${f[2]}|${f[3]}`));
const as6 = new Reference(readRows(ASN_PACKAGE, 'asn-ipv6.csv', ipv6ToBigint, (f) => `${f[2]}|${f[3]}`));

const country = (c: string | undefined) => c ?? UNKNOWN_COUNTRY;
const asEntry = (e: number) => (e === 0 ? undefined : `${db.asNumber(e)}|${db.asName(e)}`);
const db4 = (a: number) => db.countryOfIPv4(a);
const db6 = (a: bigint) => db.countryOfIPv6(...words128(a));
const dbAs4 = (a: number) => asEntry(db.asEntryOfIPv4(a));
const dbAs6 = (a: bigint) => asEntry(db.asEntryOfIPv6(...words128(a)));

function text6(a: bigint): string {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = Number((a >> BigInt(120 - 8 * i)) & 0xffn);
  return formatIPv6(b, 0);
}

/** Compares many lookups, failing with the first few mismatches rather than at the first. */
function compareAll<K>(what: string, addresses: Iterable<K>, got: (a: K) => string | undefined, want: (a: K) => string | undefined): number {
  const bad: string[] = [];
  let n = 0;
  for (const a of addresses) {
    n++;
    const g = got(a);
    const w = want(a);
    if (g !== w && bad.length < 5) bad.push(`${String(a)}: got ${g} want ${w}`);
  }
  assert.deepEqual(bad, [], `${what}: mismatches`);
  return n;
}

function* boundaries<K extends number | bigint>(rows: Row<K>[], min: K, max: K, step: (k: K, d: -1 | 1) => K): Generator<K> {
  for (const r of rows) {
    yield r.start;
    yield r.end;
    if (r.start > min) yield step(r.start, -1);
    if (r.end < max) yield step(r.end, 1);
  }
}
const step4 = (k: number, d: -1 | 1) => k + d;
const step6 = (k: bigint, d: -1 | 1) => k + BigInt(d);

test(`compiled the real data (${compileMs} ms)`, () => {
  const s = db.stats();
  assert.ok(s.ipv4CountrySlots > 100_000 && s.ipv6CountrySlots > 100_000 && s.ipv4AsSlots > 100_000 && s.ipv6AsSlots > 50_000);
  assert.ok(s.countries >= 240);
});

test('well-known addresses agree with a plain linear scan of the textual CSV rows', () => {
  for (const a of ['1.1.1.1', '8.8.8.8', '9.9.9.9', '133.1.1.1', '210.130.1.1', '163.44.1.1', '202.12.27.33', '223.255.255.255', '0.0.0.1']) {
    const n = ipv4ToNumber(a);
    assert.equal(db4(n), country(country4.linearScan(n)), `country ${a}`);
    assert.equal(db.countryOf(a), country(country4.linearScan(n)), `country text ${a}`);
    assert.equal(dbAs4(n), as4.linearScan(n), `AS ${a}`);
  }
  for (const a of ['2001:200::1', '2001:4860:4860::8888', '2400:cb00::1', '2404:6800:4004::1', '2c0f:ffe8::1']) {
    const n = ipv6ToBigint(a);
    assert.equal(db6(n), country(country6.linearScan(n)), `country ${a}`);
    assert.equal(db.countryOf(a), country(country6.linearScan(n)), `country text ${a}`);
    assert.equal(dbAs6(n), as6.linearScan(n), `AS ${a}`);
  }
});

test('JP ranges from the CSV: first, middle and last address of every JP row', () => {
  const jp = country4.rows.filter((r) => r.value === 'JP');
  assert.ok(jp.length > 1000, `JP rows: ${jp.length}`);
  let asJP = 0;
  const addresses = jp.flatMap((r) => [r.start, Math.floor((r.start + r.end) / 2), r.end]);
  compareAll('IPv4 JP rows', addresses, db4, (a) => country(country4.lookup(a)));
  for (const a of addresses) if (db4(a) === 'JP') asJP++;
  // Nested rows of other countries inside a JP row may win some addresses, but nearly all stay JP.
  assert.ok(asJP > addresses.length * 0.95, `${asJP} of ${addresses.length}`);
  const jp6 = country6.rows.filter((r) => r.value === 'JP');
  assert.ok(jp6.length > 100);
  compareAll('IPv6 JP rows', jp6.flatMap((r) => [r.start, r.end]), db6, (a) => country(country6.lookup(a)));
});

test('every IPv4 row boundary (first, last, before, after) for country and AS', () => {
  const n1 = compareAll('IPv4 country boundaries', boundaries(country4.rows, 0, 0xffffffff, step4), db4, (a) => country(country4.lookup(a)));
  const n2 = compareAll('IPv4 AS boundaries', boundaries(as4.rows, 0, 0xffffffff, step4), dbAs4, (a) => as4.lookup(a));
  assert.ok(n1 > 1_000_000 && n2 > 1_000_000);
});

test('every IPv6 row boundary for country and AS', () => {
  const max = (1n << 128n) - 1n;
  compareAll('IPv6 country boundaries', boundaries(country6.rows, 0n, max, step6), db6, (a) => country(country6.lookup(a)));
  compareAll('IPv6 AS boundaries', boundaries(as6.rows, 0n, max, step6), dbAs6, (a) => as6.lookup(a));
});

test('gaps between rows are unknown, never a neighbour’s country', () => {
  let gaps = 0;
  const rows = country4.rows;
  for (let i = 0; i + 1 < rows.length; i++) {
    const a = rows[i].end + 1;
    if (country4.lookup(a) !== undefined) continue;
    gaps++;
    assert.equal(db4(a), UNKNOWN_COUNTRY, `gap at ${formatIPv4Number(a)}`);
    // The last address of the gap, when the next row in the file is not nested in an earlier one.
    const last = rows[i + 1].start - 1;
    if (last >= a && country4.lookup(last) === undefined) assert.equal(db4(last), UNKNOWN_COUNTRY);
  }
  assert.ok(gaps > 100, `gaps found: ${gaps}`);
});

test('100k random IPv4 addresses: country and AS, as uint32, text and IPv4-mapped text', () => {
  const r = rng(12);
  const sample = Array.from({ length: 100_000 }, () => r());
  compareAll('IPv4 random country', sample, db4, (a) => country(country4.lookup(a)));
  compareAll('IPv4 random AS', sample, dbAs4, (a) => as4.lookup(a));
  compareAll('IPv4 random text', sample.slice(0, 20_000), (a) => db.countryOf(formatIPv4Number(a)), db4);
  compareAll('IPv4-mapped text', sample.slice(0, 5_000), (a) => db.countryOf('::ffff:' + formatIPv4Number(a)), db4);
  compareAll('IPv4-mapped hex text', sample.slice(0, 5_000), (a) => db.countryOf(`::ffff:${(a >>> 16).toString(16)}:${(a & 0xffff).toString(16)}`), db4);
  compareAll('IPv4 AS text', sample.slice(0, 5_000), (a) => String(db.asOf(formatIPv4Number(a))), (a) => String(db.asOfIPv4(a)));
});

test('100k random IPv6 addresses (half inside rows, half anywhere in 2000::/3): country, AS, text', () => {
  const r = rng(13);
  const rand128 = () => (BigInt(r()) << 96n) | (BigInt(r()) << 64n) | (BigInt(r()) << 32n) | BigInt(r());
  const sample: bigint[] = [];
  for (let i = 0; i < 100_000; i++) {
    if (i % 2 === 0) {
      const row = country6.rows[r() % country6.rows.length];
      sample.push(row.start + (rand128() % (row.end - row.start + 1n)));
    } else sample.push((0x2000n << 112n) | (rand128() & ((1n << 125n) - 1n)));
  }
  compareAll('IPv6 random country', sample, db6, (a) => country(country6.lookup(a)));
  compareAll('IPv6 random AS', sample, dbAs6, (a) => as6.lookup(a));
  compareAll('IPv6 random text', sample.slice(0, 20_000), (a) => db.countryOf(text6(a)), db6);
});

test('snapshot round trip of the real data: identical tables, names and lookups', () => {
  const bytes = serializeGeoDatabase(db);
  const back = deserializeGeoDatabase(bytes, { expectVersions: dataVersions() });
  const a = db.parts;
  const b = back.parts;
  for (const k of ['ipv4CountryStarts', 'ipv4CountryValues', 'ipv6CountryStarts', 'ipv6CountryValues', 'ipv4AsStarts', 'ipv4AsValues', 'ipv6AsStarts', 'ipv6AsValues', 'asNumbers'] as const) {
    assert.equal(Buffer.compare(Buffer.from(a[k].buffer, a[k].byteOffset, a[k].byteLength), Buffer.from(b[k].buffer, b[k].byteOffset, b[k].byteLength)), 0, k);
  }
  assert.deepEqual(b.countryCodes, a.countryCodes);
  assert.deepEqual(b.versions, a.versions);
  for (let e = 0; e < a.asNames.count; e++) if (a.asNames.get(e) !== b.asNames.get(e)) assert.fail(`AS name ${e}`);
  const r = rng(14);
  for (let i = 0; i < 20_000; i++) {
    const ip = r();
    assert.equal(back.countryOfIPv4(ip), db.countryOfIPv4(ip));
    assert.equal(back.asOfIPv4(ip), db.asOfIPv4(ip));
  }
  // A buffer at an odd offset takes the copying path.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const copy = deserializeGeoDatabase(shifted.subarray(1));
  assert.equal(copy.countryOf('1.1.1.1'), db.countryOf('1.1.1.1'));
  assert.equal(copy.asName(copy.asEntryOfIPv4(ipv4ToNumber('8.8.8.8'))), db.asName(db.asEntryOfIPv4(ipv4ToNumber('8.8.8.8'))));
});

test('special-purpose addresses override the data (which places some of them in a country)', () => {
  const config = createClassificationConfig();
  for (const a of ['192.168.1.1', '172.16.0.1', '10.1.2.3', '100.64.0.1', '2001:2::1', '2001:db8::1']) {
    const c = classifyAddress(a, db, config);
    assert.equal(c.country, 'special', a);
    assert.equal(c.side, 'unknown', a);
    assert.equal(c.as, 0, a);
  }
  // Raw lookups still report what the CSV says, whatever that is.
  const n = ipv4ToNumber('192.168.1.1');
  assert.equal(db4(n), country(country4.linearScan(n)));
});

test('located addresses: JP is domestic, other countries foreign, no data unknown', () => {
  const config = createClassificationConfig();
  const r = rng(15);
  for (let i = 0; i < 20_000; i++) {
    const ip = r();
    const c = classifyAddress(formatIPv4Number(ip), db, config);
    if (c.special !== undefined) continue;
    const want = country(country4.lookup(ip));
    assert.equal(c.country, want);
    assert.equal(c.side, want === UNKNOWN_COUNTRY ? 'unknown' : want === 'JP' ? 'domestic' : 'foreign');
    assert.equal(c.as, Number((as4.lookup(ip) ?? '0|').split('|')[0]));
  }
});

test('the /16 and /24 country shortcuts answer exactly as the range search, at every range boundary, every /24 and at random', () => {
  const table = new IPv4RangeTable(db.parts.ipv4CountryStarts);
  const values = db.parts.ipv4CountryValues;
  const expect = (ip: number) => values[table.locate(ip)];
  const starts = db.parts.ipv4CountryStarts;
  let checked = 0;
  for (let i = 0; i < starts.length; i++) {
    for (const ip of [starts[i], starts[i] - 1, starts[i] + 1]) {
      if (ip < 0 || ip > 0xffffffff) continue;
      assert.equal(db.countryIndexOfIPv4(ip >>> 0), expect(ip >>> 0), `at ${formatIPv4Number(ip >>> 0)}`);
      checked++;
    }
  }
  // Both ends of every /16, where a split /16 differs from a whole one, and both ends of every /24
  // (the second level's blocks).
  for (let h = 0; h < 65536; h++) {
    for (const ip of [h * 65536, h * 65536 + 65535]) assert.equal(db.countryIndexOfIPv4(ip), expect(ip));
  }
  for (let q = 0; q < 2 ** 24; q++) {
    const lo = q * 256;
    if (db.countryIndexOfIPv4(lo) !== expect(lo) || db.countryIndexOfIPv4(lo + 255) !== expect(lo + 255)) assert.fail(`/24 at ${formatIPv4Number(lo)}`);
  }
  const r = rng(16);
  for (let k = 0; k < 200_000; k++) {
    const ip = Math.floor(r() * 2 ** 32) >>> 0;
    assert.equal(db.countryIndexOfIPv4(ip), expect(ip));
  }
  assert.ok(checked > 100_000);
});

test('classifyColumns on the real data: the side tables and the lazy countries give what classify gives, at both ends of every /16, at every country and special-purpose boundary and at random', () => {
  for (const config of [createClassificationConfig(), createClassificationConfig({ domesticCountries: ['JP', 'US'], specialAddresses: 'domestic' })]) {
    const classifier = new FlowClassifier(db, config);
    const addresses: number[] = [];
    for (let h = 0; h < 65536; h++) addresses.push(h * 65536, h * 65536 + 65535);
    for (const s of db.parts.ipv4CountryStarts) addresses.push(s, (s + 0xffffffff) >>> 0);
    // The side tables also change at the special-purpose ranges' boundaries.
    for (const s of specialIPv4Boundaries()) addresses.push(s, (s + 0xffffffff) >>> 0);
    const r = rng(29);
    for (let i = 0; i < 100_000; i++) addresses.push(r());
    const records = addresses.map((a, i) => {
      const rec = emptyFlowRecord('ipfix', '192.0.2.1', 0);
      rec.srcV4 = a;
      rec.dstV4 = addresses[(i * 7919) % addresses.length];
      rec.src = formatIPv4Number(rec.srcV4);
      rec.dst = formatIPv4Number(rec.dstV4);
      return rec;
    });
    const batch = new ClassifiedBatch();
    batch.load(records);
    classifier.classifyColumns(records, records.length, batch);
    records.forEach((rec, i) => {
      const want = classifier.classify(rec, undefined, false);
      if (BATCH_DIRECTIONS[batch.direction[i]] !== want.direction || batch.srcCountryOf(i) !== want.srcCountry || batch.dstCountryOf(i) !== want.dstCountry) {
        assert.fail(`${rec.src} → ${rec.dst}: ${BATCH_DIRECTIONS[batch.direction[i]]} ${batch.srcCountryOf(i)} ${batch.dstCountryOf(i)}, classify gives ${want.direction} ${want.srcCountry} ${want.dstCountry}`);
      }
    });
  }
});
