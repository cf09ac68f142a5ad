import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { parseCidr } from '../../../src/core/selection/address-text.js';
import { CidrSet } from '../../../src/core/selection/cidr-set.js';
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
