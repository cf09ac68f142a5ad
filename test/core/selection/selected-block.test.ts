import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SakimoriError } from '../../../src/core/errors.js';
import { decodeSelectedBlock, encodeRows, encodeSelectedBlock, MAX_BLOCK_RECORDS, selectedBlockCount, type RowSource } from '../../../src/core/selection/selected-block.js';
import { formatIPv4Number } from '../../../src/core/flow/ip-address.js';
import type { OutputRecord, SelectedRecord } from '../../../src/core/selection/selector.js';

let seed = 17;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function randomRecord(): SelectedRecord {
  const fields: OutputRecord = {
    start: 1_763_000_000_000 + Math.floor(rand() * 1e6),
    end: 1_763_000_000_000 + Math.floor(rand() * 1e6),
    src: rand() < 0.5 ? `198.51.100.${Math.floor(rand() * 256)}` : `p1:${Math.floor(rand() * 2 ** 32).toString(16).padStart(16, '0')}`,
    dst: rand() < 0.1 ? `2001:db8::${Math.floor(rand() * 65536).toString(16)}` : `203.0.113.${Math.floor(rand() * 256)}`,
    srcPort: Math.floor(rand() * 65536),
    dstPort: pick([23, 2323, 445]),
    proto: pick([6, 17]),
    packets: Math.floor(rand() * 1e6),
    octets: rand() < 0.1 ? 2 ** 40 + Math.floor(rand() * 1e9) : Math.floor(rand() * 1e9),
    direction: pick(['foreign-foreign', 'foreign-domestic', 'domestic-foreign']),
    srcCountry: pick(['JP', 'US', '']),
  };
  const criteria = rand() < 0.8 ? [pick(['telnet', 'smb', 'c2'])] : ['telnet', 'c2'];
  return { criteria, fields };
}

test('selected block: random records round-trip exactly (numbers past 2^32, IPv6, pseudonyms, several criteria)', () => {
  const records = Array.from({ length: 3000 }, randomRecord);
  const body = encodeSelectedBlock(records);
  assert.equal(selectedBlockCount(body), 3000);
  const d = decodeSelectedBlock(body);
  assert.deepEqual(d.fields, records.map((r) => r.fields));
  assert.deepEqual(d.criteria, records.map((r) => [...r.criteria]));
});

test('selected block: a slice [from, to) decodes only those records', () => {
  const records = Array.from({ length: 50 }, randomRecord);
  const d = decodeSelectedBlock(encodeSelectedBlock(records), 45, 50);
  assert.deepEqual(d.fields, records.slice(45).map((r) => r.fields));
});

test('selected block: keeps only the fields the records carry; a field missing from one record stays missing', () => {
  const records: SelectedRecord[] = [
    { criteria: ['a'], fields: { start: 1.6, src: '192.0.2.1', direction: 'foreign-domestic' } },
    { criteria: ['a'], fields: { start: 2.4, src: '192.0.2.2' } },
    { criteria: ['a'], fields: { start: 3, dstPort: 0xffffffff } },
  ];
  const d = decodeSelectedBlock(encodeSelectedBlock(records));
  // Times are whole milliseconds in storage, as they were in the row table.
  assert.deepEqual(d.fields, [
    { start: 2, src: '192.0.2.1', direction: 'foreign-domestic' },
    { start: 2, src: '192.0.2.2' },
    { start: 3, dstPort: 0xffffffff },
  ]);
  assert.equal(Object.keys(d.fields[0]).includes('octets'), false);
});

test('selected block: the body holds what the records hold and nothing else of the flow', () => {
  const body = encodeSelectedBlock([{ criteria: ['x'], fields: { src: 'p1:00112233aabbccdd', dstPort: 23 } }]);
  const text = body.toString('latin1');
  assert.ok(text.includes('p1:00112233aabbccdd'));
  assert.ok(!text.includes('direction'));
});

test('selected block: a view at an odd offset (as SQLite may hand it out) decodes', () => {
  const records = Array.from({ length: 20 }, randomRecord);
  const body = encodeSelectedBlock(records);
  const shifted = new Uint8Array(body.length + 3);
  shifted.set(body, 3);
  assert.deepEqual(decodeSelectedBlock(shifted.subarray(3)).fields, records.map((r) => r.fields));
});

test('selected block: damaged bodies are refused with SAKI_ERR_SELECTED_BLOCK_CORRUPT, never half-read', () => {
  const body = encodeSelectedBlock(Array.from({ length: 100 }, randomRecord));
  const cases: Uint8Array[] = [
    Buffer.alloc(0),
    Buffer.from('not a block at all'),
    body.subarray(0, body.length - 8),
    body.subarray(0, 40),
  ];
  const badCount = Buffer.from(body);
  badCount.writeUInt32LE(MAX_BLOCK_RECORDS + 1, 4);
  cases.push(badCount);
  const badDict = Buffer.from(body);
  badDict[13 + 2 * badDict[12]] = 0x7b; // '[' → '{'
  cases.push(badDict);
  const badColumn = Buffer.from(body);
  badColumn[13] = 200;
  cases.push(badColumn);
  for (const c of cases) {
    assert.throws(
      () => decodeSelectedBlock(c),
      (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_SELECTED_BLOCK_CORRUPT',
    );
  }
  // A string index past the dictionary.
  const one = encodeSelectedBlock([{ criteria: ['a'], fields: { direction: 'foreign-domestic' } }]);
  const off = one.length - 4;
  one.writeUInt32LE(99, off);
  assert.throws(() => decodeSelectedBlock(one), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_SELECTED_BLOCK_CORRUPT');
});

test('selected block: more than MAX_BLOCK_RECORDS records is refused by the encoder', () => {
  const r = randomRecord();
  assert.throws(() => encodeSelectedBlock(new Array<SelectedRecord>(MAX_BLOCK_RECORDS + 1).fill(r)), RangeError);
});

test('selected block: with the approval field list, exactly those fields are stored (a stray field is not)', () => {
  const records: SelectedRecord[] = [
    { criteria: ['a'], fields: { src: '192.0.2.1', dstPort: 23, octets: 99 } },
    { criteria: ['a'], fields: { src: '192.0.2.2' } },
  ];
  const d = decodeSelectedBlock(encodeSelectedBlock(records, ['dstPort', 'src']));
  assert.deepEqual(d.fields, [{ src: '192.0.2.1', dstPort: 23 }, { src: '192.0.2.2' }]);
});

test('selected block: address columns with missing values and non-ASCII text round-trip (TEXT column and its dictionary fallback)', () => {
  const records: SelectedRecord[] = [
    { criteria: ['a'], fields: { src: '192.0.2.1', dst: 'p1:0011223344556677' } },
    { criteria: ['a'], fields: { dst: '2001:db8::1' } },
    { criteria: ['a'], fields: { src: '', dst: 'dst-ü-ß-日本' } },
    { criteria: ['a'], fields: { src: '198.51.100.7', dst: 'p1:8899aabbccddeeff' } },
  ];
  const d = decodeSelectedBlock(encodeSelectedBlock(records, ['src', 'dst']));
  assert.deepEqual(d.fields, records.map((r) => r.fields));
  assert.deepEqual(decodeSelectedBlock(encodeSelectedBlock(records, ['src', 'dst']), 3, 4).fields, [records[3].fields]);
});

test('selected block: a TEXT offset past its text is refused as corrupt', () => {
  const body = encodeSelectedBlock([{ criteria: ['a'], fields: { src: '192.0.2.1' } }]);
  // Layout: header, dictionary, criteria (4 bytes), then the src column: end offset, text length, text.
  const text = body.indexOf('192.0.2.1');
  body.writeUInt32LE(200, text - 8);
  assert.throws(() => decodeSelectedBlock(body), (e: unknown) => e instanceof SakimoriError && e.code === 'SAKI_ERR_SELECTED_BLOCK_CORRUPT');
});

test('selected block: the encoder reuses its columns, yet each block holds only its own records and the same records give the same bytes', () => {
  const small = Array.from({ length: 3 }, randomRecord);
  const first = encodeSelectedBlock(small);
  // A larger block (and one with non-ASCII text) fills the reused columns past what `small` needs.
  encodeSelectedBlock(Array.from({ length: 2000 }, randomRecord));
  encodeSelectedBlock([{ criteria: ['c'], fields: { src: 'ホスト', dst: '192.0.2.1', srcPort: 2 ** 33 } }]);
  const again = encodeSelectedBlock(small);
  assert.ok(again.equals(first), 'identical bytes, padding included');
  assert.deepEqual(decodeSelectedBlock(again).fields, small.map((r) => r.fields));
  // The block owns its whole buffer: it is transferred to the main thread without a copy.
  assert.equal(again.byteOffset, 0);
  assert.equal(again.buffer.byteLength, again.byteLength);
});

test('selected block: rows whose addresses come as IPv4 numbers are written as their dotted quads, beside strings, absent values and non-ASCII text', () => {
  const rows = [
    { ids: ['a'], src: 0x0a000001, srcText: null, dst: -1, dstText: '2001:db8::1' },
    { ids: ['a'], src: 0xffffffff, srcText: null, dst: -1, dstText: null },
    { ids: ['a', 'b'], src: -1, srcText: 'p1:00ff00ff00ff00ff', dst: 0, dstText: null },
    { ids: ['b'], src: 0xc0000201, srcText: null, dst: -1, dstText: 'ホスト' },
  ];
  const source: RowSource = {
    name: 'test-rows',
    setup: 'const row = ctx[k]; const ids = row.ids;',
    value: (field) => (field === 'src' ? 'row.srcText' : field === 'dst' ? 'row.dstText' : 'undefined'),
    ipv4: (field) => (field === 'src' ? 'row.src' : 'row.dst'),
  };
  const expectText = (n: number, text: string | null) => (n >= 0 ? formatIPv4Number(n) : text ?? undefined);
  const d = decodeSelectedBlock(encodeRows(source, rows, rows.length, ['src', 'dst']));
  assert.deepEqual(d.criteria, rows.map((r) => r.ids));
  assert.deepEqual(
    d.fields.map((f) => [f.src, f.dst]),
    rows.map((r) => [expectText(r.src, r.srcText), expectText(r.dst, r.dstText)]),
  );
  // The same rows as records (strings made first) give the same block, with the ASCII-only dst too.
  for (const n of [4, 3]) {
    const part = rows.slice(0, n);
    const records = part.map((r) => ({ criteria: r.ids, fields: Object.fromEntries(Object.entries({ src: expectText(r.src, r.srcText), dst: expectText(r.dst, r.dstText) }).filter(([, v]) => v !== undefined)) }));
    assert.ok(encodeRows(source, part, n, ['src', 'dst']).equals(encodeSelectedBlock(records, ['src', 'dst'])), `first ${n} rows`);
  }
});
