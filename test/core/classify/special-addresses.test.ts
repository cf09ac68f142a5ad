import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedIPv4, SPECIAL_IPV4, SPECIAL_IPV6, specialOfIPv4, specialOfIPv6, type SpecialRange } from '../../../src/core/classify/special-addresses.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { ipv4ToNumber, ipv6ToBigint, rng, words128 } from './geo-data.js';

interface Bounds<K> {
  entry: SpecialRange;
  first: K;
  last: K;
  len: number;
}

const v4 = SPECIAL_IPV4.map((entry): Bounds<number> => {
  const [a, l] = entry.prefix.split('/');
  const len = Number(l);
  const first = ipv4ToNumber(a);
  return { entry, first, last: first + 2 ** (32 - len) - 1, len };
});
const v6 = SPECIAL_IPV6.map((entry): Bounds<bigint> => {
  const [a, l] = entry.prefix.split('/');
  const len = Number(l);
  const first = ipv6ToBigint(a);
  return { entry, first, last: first + (1n << BigInt(128 - len)) - 1n, len };
});

/** Most specific (longest) table prefix containing the address, by linear scan. */
function expected<K extends number | bigint>(table: Bounds<K>[], a: K): SpecialRange | undefined {
  let best: Bounds<K> | undefined;
  for (const b of table) if (b.first <= a && a <= b.last && (best === undefined || b.len > best.len)) best = b;
  return best?.entry;
}

const of6 = (k: bigint) => specialOfIPv6(...words128(k));

test('every table entry: first and last address, and the neighbours outside it', () => {
  for (const b of v4) {
    for (const a of [b.first, b.last, b.first - 1, b.last + 1]) {
      if (a < 0 || a > 0xffffffff) continue;
      assert.equal(specialOfIPv4(a), expected(v4, a), `${b.entry.prefix} at ${a}`);
    }
    assert.equal(b.first % 2 ** (32 - b.len), 0, `${b.entry.prefix} host bits`);
  }
  for (const b of v6) {
    for (const a of [b.first, b.last, b.first - 1n, b.last + 1n]) {
      if (a < 0n || a >= 1n << 128n) continue;
      assert.equal(of6(a), expected(v6, a), `${b.entry.prefix} at ${a.toString(16)}`);
    }
  }
});

test('100k random IPv4 and IPv6 addresses (biased into the special blocks) match a linear scan', () => {
  const r = rng(11);
  for (let i = 0; i < 100_000; i++) {
    let a = r();
    if (i % 2 === 0) {
      const b = v4[r() % v4.length];
      a = b.first + (r() % (b.last - b.first + 1));
    }
    assert.equal(specialOfIPv4(a), expected(v4, a), `IPv4 ${a}`);
  }
  for (let i = 0; i < 100_000; i++) {
    let a = (BigInt(r()) << 96n) | (BigInt(r()) << 64n) | (BigInt(r()) << 32n) | BigInt(r());
    if (i % 2 === 0) {
      const b = v6[r() % v6.length];
      const span = b.last - b.first + 1n;
      a = b.first + (a % span);
    }
    assert.equal(of6(a), expected(v6, a), `IPv6 ${a.toString(16)}`);
  }
});

test('nested entries resolve to the most specific: PCP anycast inside 192.0.0.0/24, Teredo inside 2001::/23', () => {
  assert.equal(specialOfIPv4(ipv4ToNumber('192.0.0.9'))?.id, 'pcp-anycast');
  assert.equal(specialOfIPv4(ipv4ToNumber('192.0.0.100'))?.id, 'ietf-protocol-assignments');
  assert.equal(specialOfIPv4(ipv4ToNumber('255.255.255.255'))?.id, 'limited-broadcast');
  assert.equal(specialOfIPv4(ipv4ToNumber('255.255.255.254'))?.id, 'reserved');
  assert.equal(of6(ipv6ToBigint('2001::1'))?.id, 'teredo');
  assert.equal(of6(ipv6ToBigint('2001:1::1'))?.id, 'pcp-anycast');
  assert.equal(of6(ipv6ToBigint('2001:1::4'))?.id, 'ietf-protocol-assignments');
  assert.equal(of6(ipv6ToBigint('2001:200::1')), undefined);
  assert.equal(specialOfIPv4(ipv4ToNumber('8.8.8.8')), undefined);
});

test('embedded IPv4: NAT64 well-known prefix and 6to4', () => {
  const nat64 = ipv6ToBigint('64:ff9b::c000:221');
  const s1 = of6(nat64);
  assert.equal(s1?.scope, 'embedded-ipv4');
  const [w0, w1, , w3] = words128(nat64);
  assert.equal(embeddedIPv4(s1!, w0, w1, w3), ipv4ToNumber('192.0.2.33'));
  const sixToFour = ipv6ToBigint('2002:c000:221:1::5');
  const s2 = of6(sixToFour);
  assert.equal(s2?.id, '6to4');
  const [x0, x1, , x3] = words128(sixToFour);
  assert.equal(embeddedIPv4(s2!, x0, x1, x3), ipv4ToNumber('192.0.2.33'));
});

test('docs/reference/classification.md lists exactly the code tables (prefix, id, scope)', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/reference/classification.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([0-9a-f.:]+\/\d+)` \| `([a-z0-9-]+)` \|[^|]*\|[^|]*\| `([a-z0-9-]+)` \|$/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  const code = [...SPECIAL_IPV4, ...SPECIAL_IPV6].map((s) => `${s.prefix} ${s.id} ${s.scope}`);
  assert.deepEqual(rows, code);
});
