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
