import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { parseCidr } from '../../../src/core/selection/address-text.js';
import { CidrSet, type CidrLookupAccelerator } from '../../../src/core/selection/cidr-set.js';
import { randomAddress, randomCidrs, rng } from './fixtures.js';

function blockList(cidrs: string[]): BlockList {
  const b = new BlockList();
  for (const c of cidrs) {
    const [a, p] = c.split('/');
    b.addSubnet(a, Number(p), a.includes(':') ? 'ipv6' : 'ipv4');
  }
  return b;
}

test('CidrSet agrees with node:net BlockList per tag on random overlapping CIDRs', () => {
  const r = rng(7);
  const tags = 40;
  const perTag = Array.from({ length: tags }, () => randomCidrs(r, 1 + Math.floor(r() * 60)));
  const set = CidrSet.compile(perTag.flatMap((cs, tag) => cs.map((c) => ({ cidr: parseCidr(c)!, tag }))));
  const lists = perTag.map(blockList);
  const all = perTag.flat();
  for (let i = 0; i < 20000; i++) {
    const v6 = r() < 0.3;
    const addr = randomAddress(r, all, v6);
    const expected = lists.flatMap((b, tag) => (b.check(addr, addr.includes(':') ? 'ipv6' : 'ipv4') ? [tag] : []));
    assert.deepEqual([...set.lookup(addr)], expected, addr);
  }
});

test('boundaries: first/last address of a range, 0.0.0.0/0, ::/0, 255.255.255.255, mapped IPv4', () => {
  const set = CidrSet.compile([
    { cidr: parseCidr('10.0.0.0/8')!, tag: 1 },
    { cidr: parseCidr('10.1.0.0/16')!, tag: 2 },
    { cidr: parseCidr('255.255.255.255/32')!, tag: 3 },
    { cidr: parseCidr('0.0.0.0/0')!, tag: 4 },
    { cidr: parseCidr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')!, tag: 5 },
    { cidr: parseCidr('2001:db8::/32')!, tag: 6 },
  ]);
  assert.deepEqual([...set.lookup('9.255.255.255')], [4]);
  assert.deepEqual([...set.lookup('10.0.0.0')], [1, 4]);
  assert.deepEqual([...set.lookup('10.1.255.255')], [1, 2, 4]);
  assert.deepEqual([...set.lookup('10.2.0.0')], [1, 4]);
  assert.deepEqual([...set.lookup('10.255.255.255')], [1, 4]);
  assert.deepEqual([...set.lookup('255.255.255.255')], [3, 4]);
  assert.deepEqual([...set.lookup('::ffff:10.1.2.3')], [1, 2, 4]);
  assert.deepEqual([...set.lookup('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')], [5]);
  assert.deepEqual([...set.lookup('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')], [6]);
  assert.deepEqual([...set.lookup('2001:db9::')], []);
  assert.deepEqual([...set.lookup('not an address')], []);
  assert.deepEqual([...CidrSet.compile([]).lookup('1.2.3.4')], []);
});

test('IPv6 index agrees with BlockList when the CIDRs share prefixes of 0 to 64 bits, at every range edge', () => {
  const r = rng(11);
  const hex = (n: bigint) => n.toString(16).padStart(32, '0');
  const text = (n: bigint) => (hex(n).match(/.{4}/g) as string[]).join(':');
  const rand128 = () => Array.from({ length: 4 }, () => BigInt(Math.floor(r() * 2 ** 32))).reduce((a, w) => (a << 32n) | w, 0n);
  const MAX = (1n << 128n) - 1n;
  // Besides random clusters: one whose block starts at 4000:: under ::/2 (so every address below
  // the block is covered and every one above is not), and one at 8000:: under 8000::/1 (the reverse).
  const scenarios: { shared: number; base?: bigint; wide?: string }[] = [0, 3, 16, 20, 29, 32, 33, 40, 47, 48, 49, 56, 64, 100].map((shared) => ({ shared }));
  for (const shared of [2, 16, 33, 48]) scenarios.push({ shared, base: 1n << 126n, wide: '::/2' }, { shared, base: 1n << 127n, wide: '8000::/1' });
  for (const { shared, base: fixed, wide } of scenarios) {
    const base = fixed ?? rand128() & ~((1n << BigInt(128 - shared)) - 1n) & MAX;
    const cidrs: { cidr: string; tag: number }[] = wide ? [{ cidr: wide, tag: 8 }] : [];
    const edges: bigint[] = [];
    for (let i = 0; i < 60; i++) {
      const prefix = Math.min(128, shared + Math.floor(r() * (128 - shared + 1)));
      const start = (base | (rand128() & ((1n << BigInt(128 - shared)) - 1n))) & ~((1n << BigInt(128 - prefix)) - 1n) & MAX;
      cidrs.push({ cidr: `${text(start)}/${prefix}`, tag: i % 9 });
      const end = start + (1n << BigInt(128 - prefix)) - 1n;
      edges.push(start, end, start - 1n, end + 1n);
    }
    const set = CidrSet.compile(cidrs.map(({ cidr, tag }) => ({ cidr: parseCidr(cidr)!, tag })));
    const lists = Array.from({ length: 9 }, (_, tag) => blockList(cidrs.filter((c) => c.tag === tag).map((c) => c.cidr)));
    const probes = [...edges, base, base - 1n, 0n, MAX, ...Array.from({ length: 300 }, rand128), ...Array.from({ length: 300 }, () => base | (rand128() >> BigInt(shared)))];
    for (const n of probes) {
      if (n < 0n || n > MAX) continue;
      const addr = text(n);
      const expected = lists.flatMap((b, tag) => (b.check(addr, 'ipv6') ? [tag] : []));
      assert.deepEqual([...set.lookup(addr)], expected, `shared ${shared} bits: ${addr}`);
    }
  }
});

test('IPv4: 100k random CIDRs and a /20 cut by hundreds of hosts agree with a scan of every CIDR, at every kind of edge', () => {
  const r = rng(23);
  const cidrs: { base: number; prefix: number; tag: number }[] = [];
  for (let i = 0; i < 100_000; i++) {
    const w = r();
    // Mostly hosts and small blocks, a few wide ones overlapping everything under them (as threat lists).
    const prefix = w < 0.0005 ? 8 + Math.floor(r() * 5) : w < 0.01 ? 13 + Math.floor(r() * 8) : 21 + Math.floor(r() * 12);
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    cidrs.push({ base: (Math.floor(r() * 2 ** 32) & mask) >>> 0, prefix, tag: i % 700 });
  }
  // 300 consecutive hosts and 40 /30s inside one /20: many ranges under one top-table entry.
  for (let h = 0; h < 300; h++) cidrs.push({ base: (0xcb007000 + 2 * h) >>> 0, prefix: 32, tag: 700 + (h % 5) });
  for (let k = 0; k < 40; k++) cidrs.push({ base: (0xcb007800 + 16 * k) >>> 0, prefix: 30, tag: 705 });
  const text = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/`;
  const set = CidrSet.compile(cidrs.map((c) => ({ cidr: parseCidr(`${text(c.base)}${c.prefix}`)!, tag: c.tag })));
  assert.ok(set.rangeCount > 150_000, `${set.rangeCount} ranges`);
  // Reference: every CIDR that could hold the address checked (all are /8 or longer: those of its /8).
  const byTop = Array.from({ length: 256 }, () => [] as typeof cidrs);
  for (const c of cidrs) byTop[c.base >>> 24].push(c);
  const expected = (a: number): number[] => {
    const tags = new Set<number>();
    for (const c of byTop[a >>> 24]) {
      const mask = (0xffffffff << (32 - c.prefix)) >>> 0;
      if (((a & mask) >>> 0) === c.base) tags.add(c.tag);
    }
    return [...tags].sort((x, y) => x - y);
  };
  const probes: number[] = [0, 0xffffffff, 0xcb007000, 0xcb006fff, 0xcb007fff, 0xcb008000];
  for (let h = 0; h < 700; h++) probes.push((0xcb007000 + h) >>> 0, (0xcb007800 + h) >>> 0);
  for (let i = 0; i < 1500; i++) {
    const c = cidrs[Math.floor(r() * cidrs.length)];
    const end = c.base + 2 ** (32 - c.prefix) - 1;
    probes.push(c.base, end, (c.base - 1) >>> 0, (end + 1) >>> 0);
    // Both ends of the /20 around it and of its neighbours.
    const cell = c.base - (c.base % 4096);
    probes.push(cell, (cell - 1) >>> 0, cell + 4095, (cell + 4096) >>> 0);
  }
  for (let i = 0; i < 2000; i++) probes.push(Math.floor(r() * 2 ** 32) >>> 0);
  for (const a of probes) {
    if (a < 0 || a > 0xffffffff) continue;
    assert.deepEqual([...set.lookup(text(a).slice(0, -1))], expected(a), text(a));
  }
});

test('an accelerator that cannot give a huge-page buffer (throws, or gives something else) leaves the tables in an ordinary buffer, same answers', () => {
  const r = rng(29);
  const cidrs = randomCidrs(r, 3000).filter((c) => !c.includes(':'));
  // Enough ranges for 1 MiB of tables: many hosts besides.
  for (let i = 0; i < 120_000; i++) cidrs.push(`${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}/32`);
  const entries = cidrs.map((c, tag) => ({ cidr: parseCidr(c)!, tag: tag % 50 }));
  const plain = CidrSet.compile(entries);
  const lookups: CidrLookupAccelerator['cidrLookupV4'] = (top, tagged, ranges, addresses, n, out) => {
    for (let i = 0; i < n; i++) out[i] = addresses[i] >= 0 ? plain.lookupV4(addresses[i]) : -1;
  };
  const given: unknown[] = [];
  for (const hugePageBuffer of [
    () => {
      throw new Error('no external buffers here');
    },
    () => new SharedArrayBuffer(8),
    (bytes: number) => new ArrayBuffer(bytes - 4),
    (bytes: number) => {
      const b = new ArrayBuffer(bytes);
      given.push(b);
      return b;
    },
  ]) {
    const set = CidrSet.compile(entries, { cidrLookupV4: lookups, hugePageBuffer: hugePageBuffer as (bytes: number) => ArrayBuffer });
    assert.equal(set.hugePageTables, given.length > 0);
    for (let i = 0; i < 3000; i++) {
      const a = Math.floor(r() * 2 ** 32);
      assert.equal(set.lookupV4(a), plain.lookupV4(a));
    }
  }
  assert.equal(given.length, 1, 'the buffer that fits is used');
});
