import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGeoDatabase, type GeoCsvRole } from '../../../src/core/classify/geo-database.js';
import { CsvReader } from '../../../src/core/classify/geo-csv.js';
import { geoSnapshotName, loadGeoDatabase, type GeoDataIo, type GeoLoadEvent } from '../../../src/core/classify/geo-loader.js';
import { deserializeGeoDatabase, serializeGeoDatabase } from '../../../src/core/classify/geo-snapshot.js';
import { isSakimoriError } from '../../../src/core/errors.js';
import { SYNTHETIC_CSV, SYNTHETIC_VERSIONS, syntheticGeo } from './synthetic-geo.js';
import { rng } from './geo-data.js';

const storageError = (what: RegExp) => (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_STORAGE' && what.test(e.message);

test('round trip: every lookup, AS name (quotes, commas, UTF-8, line breaks) and version survives', () => {
  const db = syntheticGeo();
  const back = deserializeGeoDatabase(serializeGeoDatabase(db));
  assert.deepEqual(back.versions, SYNTHETIC_VERSIONS);
  const r = rng(21);
  const probes = [0, 0xffffffff, 16777216, 16777471, 16777472, 33554432, 3232235521, 83886100];
  for (let i = 0; i < 5000; i++) probes.push(r() & 0x0fffffff);
  for (const ip of probes) {
    assert.equal(back.countryOfIPv4(ip), db.countryOfIPv4(ip));
    assert.equal(back.asOfIPv4(ip), db.asOfIPv4(ip));
  }
  for (const a of ['2400::1', '2600::ffff', 'fd00::1', '2a00::1', '::']) {
    assert.equal(back.countryOf(a), db.countryOf(a));
    assert.equal(back.asOf(a), db.asOf(a));
  }
  const names = Array.from({ length: db.parts.asNames.count }, (_, i) => back.asName(i));
  assert.deepEqual(names, ['', 'JP Net', 'US, "Quoted" Inc.', 'Should Not Attach', 'Société "Ünïcode", K.K.', 'multi\nline']);
  assert.equal(back.asNumber(back.asEntryOfIPv4(16777217)), 64500);
  // AS 0 rows ("not routed") attach nothing.
  assert.equal(db.asOfIPv4(50331649), 0);
});

test('corrupt, truncated, foreign and mismatched snapshots are refused with SAKI_ERR_STORAGE', () => {
  const bytes = serializeGeoDatabase(syntheticGeo());
  const flipped = bytes.slice();
  flipped[flipped.length - 3] ^= 0x40;
  assert.throws(() => deserializeGeoDatabase(flipped), storageError(/SHA-256/));
  assert.throws(() => deserializeGeoDatabase(bytes.subarray(0, bytes.length - 8)), storageError(/length/));
  assert.throws(() => deserializeGeoDatabase(bytes.subarray(0, 10)), storageError(/shorter/));
  assert.throws(() => deserializeGeoDatabase(new TextEncoder().encode('1.0.0.0,1.0.0.255,JP\n'.repeat(4))), storageError(/not a Sakimori/));
  const otherFormat = bytes.slice();
  otherFormat[8] = 99;
  assert.throws(() => deserializeGeoDatabase(otherFormat), storageError(/format 99/));
  const badHeader = bytes.slice();
  badHeader[17] = 0x7b;
  assert.throws(() => deserializeGeoDatabase(badHeader), storageError(/header/));
  assert.throws(() => deserializeGeoDatabase(bytes, { expectVersions: { country: '1.0.0-test', asn: 'other' } }), storageError(/expected/));
  // Structural checks still run without the hash: a value pointing past the country table is refused.
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true)))) as {
    sections: [number, number][];
  };
  const bodyStart = (16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true) + 7) & ~7;
  const valueAt = bodyStart + header.sections[1][0];
  const wild = bytes.slice();
  wild[valueAt] = 0xff;
  wild[valueAt + 1] = 0xff;
  assert.throws(() => deserializeGeoDatabase(wild, { verify: false }), storageError(/inconsistent/));
});

function memoryIo(files: Map<string, Uint8Array>, options: { failWrite?: boolean } = {}): GeoDataIo & { csvReads: number } {
  const io = {
    versions: SYNTHETIC_VERSIONS,
    csvReads: 0,
    readCsv: async (role: GeoCsvRole) => {
      io.csvReads++;
      return SYNTHETIC_CSV[role];
    },
    readSnapshot: async (name: string) => files.get(name),
    writeSnapshot: async (name: string, bytes: Uint8Array) => {
      if (options.failWrite) throw new Error('read-only file system');
      files.set(name, bytes);
    },
  };
  return io;
}

test('loader: compiles and caches on first start, starts from the snapshot next time, recovers from a bad cache', async () => {
  const files = new Map<string, Uint8Array>();
  const events: GeoLoadEvent['event'][] = [];
  const io = memoryIo(files);
  const first = await loadGeoDatabase(io, (e) => events.push(e.event));
  assert.equal(first.from, 'csv');
  assert.equal(io.csvReads, 4);
  assert.deepEqual(events, ['snapshot-missing', 'compiled', 'snapshot-written']);
  assert.equal(first.snapshotName, 'geo-1.0.0-test-asn-2.0.0-test-f1.bin');
  assert.ok(files.has(first.snapshotName));

  events.length = 0;
  const second = await loadGeoDatabase(io, (e) => events.push(e.event));
  assert.equal(second.from, 'snapshot');
  assert.equal(io.csvReads, 4);
  assert.deepEqual(events, ['snapshot-loaded']);
  assert.equal(second.db.countryOf('1.0.0.1'), 'JP');

  const damaged = files.get(first.snapshotName)!.slice();
  damaged[damaged.length - 1] ^= 1;
  files.set(first.snapshotName, damaged);
  events.length = 0;
  const third = await loadGeoDatabase(io, (e) => events.push(e.event));
  assert.equal(third.from, 'csv');
  assert.deepEqual(events, ['snapshot-rejected', 'compiled', 'snapshot-written']);
  assert.doesNotThrow(() => deserializeGeoDatabase(files.get(first.snapshotName)!));
});

test('loader: a read-only cache directory costs time, not the database', async () => {
  const events: GeoLoadEvent[] = [];
  const r = await loadGeoDatabase(memoryIo(new Map(), { failWrite: true }), (e) => events.push(e));
  assert.equal(r.db.countryOf('2.0.0.1'), 'US');
  assert.equal(events.at(-1)?.event, 'snapshot-write-failed');
});

test('snapshot names carry both package versions and the format, with unsafe characters replaced', () => {
  assert.equal(geoSnapshotName({ country: '2.3.2026061719', asn: '../x y' }), 'geo-2.3.2026061719-asn-.._x_y-f1.bin');
});

test('CSV reader: RFC 4180 quoting, CRLF, empty lines, and coded errors with line numbers', () => {
  const r = new CsvReader('a,"b,c",d\r\n\n"x ""y""",,\n"multi\nline",z\n', 't');
  const rows: string[][] = [];
  while (r.nextRecord()) {
    const f: string[] = [];
    for (let v = r.field(); v !== undefined; v = r.field()) f.push(v);
    rows.push(f);
  }
  assert.deepEqual(rows, [
    ['a', 'b,c', 'd'],
    ['x "y"', '', ''],
    ['multi\nline', 'z'],
  ]);
  const bad: [string, RegExp][] = [
    ['16777216,16777471\n', /line 1: missing country/],
    ['1,2,JP\n5,4,JP\n', /line 2: range end before start/],
    ['1,2,JPN\n', /ISO 3166-1/],
    ['1,2,jp\n', /ISO 3166-1/],
    ['1,4294967296,JP\n', /out of range/],
    ['1,2,JP,extra\n', /too many fields/],
    ['-1,2,JP\n', /not a decimal/],
    ['1,"2,JP\n', /unterminated/],
  ];
  for (const [text, what] of bad) {
    assert.throws(() => compileGeoDatabase({ ...SYNTHETIC_CSV, countryIPv4: text }, SYNTHETIC_VERSIONS), storageError(what), text);
  }
  assert.throws(() => compileGeoDatabase({ ...SYNTHETIC_CSV, countryIPv6: '1,340282366920938463463374607431768211456,JP' }, SYNTHETIC_VERSIONS), storageError(/out of range/));
  assert.throws(() => compileGeoDatabase({ ...SYNTHETIC_CSV, asnIPv4: '1,2,x,Name' }, SYNTHETIC_VERSIONS), storageError(/AS number/));
});
