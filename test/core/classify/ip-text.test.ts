import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { parseAddress, parseIPv4, parseIPv6 } from '../../../src/core/net/ip-text.js';
import { formatIPv4Number, formatIPv6 } from '../../../src/core/flow/ip-address.js';
import { rng } from './geo-data.js';

const words = () => new Uint32Array(4);

test('IPv4: values, bounds and refusals', () => {
  assert.equal(parseIPv4('0.0.0.0'), 0);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIPv4('1.2.3.4'), 0x01020304);
  assert.equal(parseIPv4('192.168.0.1'), 0xc0a80001);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1..2.3', '.1.2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.-4', 'a.b.c.d', '1.2.3.4/32', '1000.2.3.4', '::1']) {
    assert.equal(parseIPv4(bad), -1, bad);
  }
});

test('IPv4: 20k random addresses round-trip through the decoder formatter', () => {
  const r = rng(1);
  for (let i = 0; i < 20_000; i++) {
    const n = r();
    assert.equal(parseIPv4(formatIPv4Number(n)), n);
  }
});

const ALPHABET = '0123456789abcdefABCDEF.:%/ gx';

function mutate(s: string, r: () => number): string {
  const k = r() % 4;
  const at = r() % (s.length + 1);
  const ch = ALPHABET[r() % ALPHABET.length];
  if (k === 0) return s.slice(0, at) + ch + s.slice(at);
  if (k === 1) return s.slice(0, at) + s.slice(at + 1);
  if (k === 2) return s.slice(0, at) + ch + s.slice(at + 1);
  return s + s.slice(at);
}

test('validity agrees with node:net isIPv4/isIPv6 on 50k mutated strings (zone ids excepted)', () => {
  const r = rng(2);
  const w = words();
  const seeds = ['1.2.3.4', '255.0.10.9', '::', '::1', '2001:db8::1', '::ffff:1.2.3.4', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', 'abcd:ef01::9:0'];
  let checked = 0;
  for (let i = 0; i < 50_000; i++) {
    let s = seeds[r() % seeds.length];
    for (let m = 1 + (r() % 3); m > 0; m--) s = mutate(s, r);
    if (s.includes('%')) {
      assert.equal(parseIPv6(s, w), false, s);
      continue;
    }
    assert.equal(parseIPv4(s) >= 0, isIPv4(s), `IPv4 ${JSON.stringify(s)}`);
    assert.equal(parseIPv6(s, w), isIPv6(s), `IPv6 ${JSON.stringify(s)}`);
    checked++;
  }
  assert.ok(checked > 40_000);
});

/** Renders eight groups in the RFC 4291 §2.2 forms, each of which must parse back to the same words. */
function renderings(g: number[], r: () => number): string[] {
  const hex = (x: number) => x.toString(16);
  const out = [g.map(hex).join(':'), g.map((x) => x.toString(16).padStart(4, '0')).join(':'), g.map(hex).join(':').toUpperCase()];
  const bytes = new Uint8Array(16);
  g.forEach((x, i) => {
    bytes[2 * i] = x >> 8;
    bytes[2 * i + 1] = x & 255;
  });
  out.push(formatIPv6(bytes, 0));
  // Any run of zero groups may be "::" (not only the longest, as RFC 5952 would print it).
  for (let i = 0; i < 8; i++) {
    if (g[i] !== 0) continue;
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    const len = i + 1 + (r() % (j - i));
    out.push(g.slice(0, i).map(hex).join(':') + '::' + g.slice(len).map(hex).join(':'));
    i = j;
  }
  out.push(g.slice(0, 6).map(hex).join(':') + ':' + [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join('.'));
  return out;
}

test('IPv6: 20k random addresses in every textual form parse to the expected words', () => {
  const r = rng(3);
  const w = words();
  for (let i = 0; i < 20_000; i++) {
    // Zero-heavy groups so that "::" appears often.
    const g = Array.from({ length: 8 }, () => (r() % 3 === 0 ? 0 : r() & 0xffff));
    const expected = [((g[0] << 16) | g[1]) >>> 0, ((g[2] << 16) | g[3]) >>> 0, ((g[4] << 16) | g[5]) >>> 0, ((g[6] << 16) | g[7]) >>> 0];
    for (const s of renderings(g, r)) {
      assert.ok(parseIPv6(s, w), s);
      assert.deepEqual([...w], expected, s);
    }
  }
});

test('IPv6: compressed edge cases', () => {
  const w = words();
  const cases: [string, number[]][] = [
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000]],
    ['::2:3:4:5:6:7:8', [0x00000002, 0x00030004, 0x00050006, 0x00070008]],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]],
    ['::ffff:255.255.255.255', [0, 0, 0xffff, 0xffffffff]],
    ['2c0f:e9a0:2:0:0:0:2a::', [0x2c0fe9a0, 0x00020000, 0x00000000, 0x002a0000]],
  ];
  for (const [s, expected] of cases) {
    assert.ok(parseIPv6(s, w), s);
    assert.deepEqual([...w], expected, s);
  }
  for (const bad of ['', ':', ':::', '1:2', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8', '::1.2.3', '1.2.3.4::', '::ffff:1.2.3.256', ':1::', '1:', '::1:', 'fe80::1%eth0', '[::1]']) {
    assert.equal(parseIPv6(bad, w), false, bad);
  }
});

test('parseAddress: IPv4-mapped IPv6 is the IPv4 host; other IPv6 stays IPv6', () => {
  const w = words();
  assert.equal(parseAddress('1.2.3.4', w), 4);
  assert.equal(w[3], 0x01020304);
  for (const s of ['::ffff:1.2.3.4', '::FFFF:0102:0304', '0:0:0:0:0:ffff:102:304']) {
    assert.equal(parseAddress(s, w), 4, s);
    assert.deepEqual([...w], [0, 0, 0, 0x01020304], s);
  }
  assert.equal(parseAddress('64:ff9b::1.2.3.4', w), 6);
  assert.equal(parseAddress('::1.2.3.4', w), 6);
  assert.equal(parseAddress('::1', w), 6);
  assert.equal(parseAddress('nonsense', w), 0);
  assert.equal(parseAddress('', w), 0);
});
