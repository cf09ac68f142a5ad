import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenRanges, nextBigint, nextNumber, type RangeRow } from '../../../src/core/classify/range-partition.js';
import { IPv4RangeTable, IPv6RangeTable, packIPv4Partition, packIPv6Partition } from '../../../src/core/classify/ip-range-table.js';
import { rng } from './geo-data.js';

/** The documented rule, by brute force: covering row with the greatest start, then smallest end, then latest in the input. */
function winner(rows: RangeRow<number>[], a: number): number {
  let best = -1;
  rows.forEach((row, i) => {
    if (row.start > a || row.end < a) return;
    if (best < 0) return void (best = i);
    const b = rows[best];
    if (row.start > b.start || (row.start === b.start && (row.end < b.end || row.end === b.end))) best = i;
  });
  return best < 0 ? 0 : rows[best].value;
}

function valueAt<K extends number | bigint>(p: { starts: K[]; values: number[] }, a: K): number {
  let v = 0;
  for (let i = 0; i < p.starts.length && p.starts[i] <= a; i++) v = p.values[i];
  return v;
}

test('flattenRanges matches the brute-force rule on 3,000 random nested/overlapping/duplicate row sets', () => {
  const r = rng(7);
  for (let c = 0; c < 3000; c++) {
    const rows: RangeRow<number>[] = [];
    for (let k = r() % 9; k > 0; k--) {
      const start = r() % 64;
      const end = Math.min(63, start + (r() % (r() % 2 === 0 ? 4 : 40)));
      rows.push({ start, end, value: 1 + (r() % 4) });
    }
    if (rows.length > 1 && r() % 3 === 0) rows.push({ ...rows[r() % rows.length], value: 1 + (r() % 4) });
    const p = flattenRanges(rows, 0, nextNumber);
    const pb = flattenRanges(
      rows.map((x) => ({ start: BigInt(x.start), end: BigInt(x.end), value: x.value })),
      0n,
      nextBigint,
    );
    assert.equal(p.starts[0], 0);
    for (let i = 1; i < p.starts.length; i++) {
      assert.ok(p.starts[i] > p.starts[i - 1], 'strictly increasing starts');
      assert.notEqual(p.values[i], p.values[i - 1], 'adjacent equal values are merged');
    }
    for (let a = 0; a < 70; a++) {
      const want = winner(rows, a);
      assert.equal(valueAt(p, a), want, `case ${c} address ${a} rows ${JSON.stringify(rows)}`);
      assert.equal(valueAt(pb, BigInt(a)), want);
    }
  }
});

test('flattenRanges: no rows is one empty slot; a row to the end of the space leaves a start past it, dropped by pack', () => {
  assert.deepEqual(flattenRanges([], 0, nextNumber), { starts: [0], values: [0] });
  const p = flattenRanges([{ start: 10, end: 0xffffffff, value: 3 }], 0, nextNumber);
  assert.deepEqual(p, { starts: [0, 10, 0x100000000], values: [0, 3, 0] });
  assert.deepEqual([...packIPv4Partition(p.starts, p.values).starts], [0, 10]);
  const max = (1n << 128n) - 1n;
  const p6 = flattenRanges([{ start: 5n, end: max, value: 2 }], 0n, nextBigint);
  assert.equal(packIPv6Partition(p6.starts, p6.values).starts.length, 8);
});

test('IPv4RangeTable.locate equals a linear scan, including bucket edges', () => {
  const r = rng(8);
  const set = new Set<number>([0]);
  // Dense around a few /16 bucket boundaries, sparse elsewhere.
  for (let i = 0; i < 3000; i++) set.add(r());
  for (const h of [1, 2, 0x7fff, 0x8000, 0xffff]) for (let d = -3; d <= 3; d++) set.add(((h << 16) + d) >>> 0);
  const starts = Uint32Array.from([...set].sort((a, b) => a - b));
  const t = new IPv4RangeTable(starts);
  const linear = (ip: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1] <= ip) i++;
    return i;
  };
  const probes = [0, 0xffffffff, ...[...starts].flatMap((s) => [s, (s - 1) >>> 0, (s + 1) >>> 0]).slice(0, 4000)];
  for (let i = 0; i < 2000; i++) probes.push(r());
  for (const ip of probes) assert.equal(t.locate(ip), linear(ip), `ip ${ip}`);
  assert.throws(() => new IPv4RangeTable(Uint32Array.from([1, 2])), RangeError);
  assert.throws(() => new IPv4RangeTable(Uint32Array.from([0, 5, 5])), RangeError);
});

test('IPv6RangeTable.locate equals a linear scan over 128-bit keys', () => {
  const r = rng(9);
  const keys = new Set<bigint>([0n]);
  const rand128 = () => (BigInt(r()) << 96n) | (BigInt(r()) << 64n) | (BigInt(r()) << 32n) | BigInt(r());
  for (let i = 0; i < 500; i++) keys.add(rand128());
  // Keys differing only in low words, and at bucket edges.
  for (let i = 0; i < 200; i++) keys.add((0x20010db8n << 96n) | BigInt(r()));
  for (const h of [0x2001n, 0x2002n, 0xffffn]) keys.add(h << 112n);
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const t = new IPv6RangeTable(packIPv6Partition(sorted, sorted.map(() => 1)).starts);
  const linear = (k: bigint) => {
    let i = 0;
    while (i + 1 < sorted.length && sorted[i + 1] <= k) i++;
    return i;
  };
  const M = 0xffffffffn;
  const probes = [0n, (1n << 128n) - 1n, ...sorted.flatMap((k) => [k, k + 1n, k > 0n ? k - 1n : 0n])];
  for (let i = 0; i < 1000; i++) probes.push(rand128());
  for (const k of probes) {
    if (k >= 1n << 128n) continue;
    const got = t.locate(Number((k >> 96n) & M), Number((k >> 64n) & M), Number((k >> 32n) & M), Number(k & M));
    assert.equal(got, linear(k), `key ${k.toString(16)}`);
  }
});

test('IPv6RangeTable: crowded /16s (thousands of RIR-like starts) equal a binary search over 128-bit keys, at many edges inside them', () => {
  const r = rng(13);
  const keys = new Set<bigint>([0n]);
  const rand128 = () => (BigInt(r()) << 96n) | (BigInt(r()) << 64n) | (BigInt(r()) << 32n) | BigInt(r());
  // As RIR space: thousands of /29–/48 starts in 2a00::/16, hundreds in 2400::/16, a few dozen in
  // two more /16s, a few anywhere.
  const crowd = (top: bigint, count: number) => {
    for (let i = 0; i < count; i++) {
      const prefix = 29 + (r() % 20);
      const k = (top << 112n) | (rand128() & ((1n << 112n) - 1n));
      keys.add(k & ~((1n << BigInt(128 - prefix)) - 1n));
    }
  };
  crowd(0x2a00n, 5000);
  crowd(0x2400n, 300);
  crowd(0x2600n, 17);
  crowd(0x2800n, 16);
  for (let i = 0; i < 200; i++) keys.add(rand128());
  // Starts on regular edges inside 2a00::/16.
  for (let k = 0; k < 8192; k += 97) keys.add((0x2a00n << 112n) | (BigInt(k) << 99n));
  const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const t = new IPv6RangeTable(packIPv6Partition(sorted, sorted.map(() => 1)).starts);
  const reference = (k: bigint) => {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sorted[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const M = 0xffffffffn;
  const probes = [0n, (1n << 128n) - 1n, ...sorted.flatMap((k) => [k, k + 1n, k > 0n ? k - 1n : 0n])];
  for (const top of [0x2a00n, 0x2400n, 0x2600n]) {
    for (let k = 0n; k < 1n << 16n; k += 7n) {
      const edge = (top << 112n) | (k << 96n);
      probes.push(edge, edge - 1n, edge + 1n);
    }
  }
  for (let i = 0; i < 5000; i++) probes.push(rand128());
  for (const k of probes) {
    if (k < 0n || k >= 1n << 128n) continue;
    const got = t.locate(Number((k >> 96n) & M), Number((k >> 64n) & M), Number((k >> 32n) & M), Number(k & M));
    assert.equal(got, reference(k), `key ${k.toString(16)}`);
  }
});
