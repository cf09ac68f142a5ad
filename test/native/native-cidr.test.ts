import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyApproval } from '../../src/core/selection/approval.js';
import { parseCidr, parseIPv4 } from '../../src/core/selection/address-text.js';
import { CidrSet, NO_IPV4 } from '../../src/core/selection/cidr-set.js';
import { ClassifiedBatch } from '../../src/core/selection/classified-batch.js';
import { OUTPUT_FIELDS } from '../../src/core/selection/criteria.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { compileSelector } from '../../src/core/selection/selector.js';
import { nativeAddon, nativeStatus } from '../../src/native/native-addon.js';
import { FEED, flow, isDomesticForTest, makeApproval, randomAddress, randomCidrs, rng, T0, testKeys, trusted, v4Text } from '../core/selection/fixtures.js';

/**
 * The native IPv4 column lookup (native/src/cidr_lookup.c) must answer exactly what CidrSet's
 * TypeScript lookup answers, on the tables CidrSet builds (on huge pages or not), for every kind of
 * row; bad arguments are refused with a coded error. Without the module these tests are skipped,
 * unless SAKIMORI_REQUIRE_NATIVE=1 (CI), where its absence fails.
 */
const addon = nativeAddon();
const skip = addon ? false : `native accelerators not available (${nativeStatus().reason})`;

function randomSet(seed: number, count: number): { set: CidrSet; edges: number[] } {
  const r = rng(seed);
  const edges: number[] = [0, 0xffffffff];
  const entries = Array.from({ length: count }, (_, i) => {
    const w = r();
    const prefix = w < 0.001 ? 8 + Math.floor(r() * 5) : w < 0.01 ? 13 + Math.floor(r() * 8) : 21 + Math.floor(r() * 12);
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    const base = (Math.floor(r() * 2 ** 32) & mask) >>> 0;
    const end = base + 2 ** (32 - prefix) - 1;
    if (i % 20 === 0) edges.push(base, end, (base - 1) >>> 0, (end + 1) >>> 0);
    return { cidr: parseCidr(`${v4Text(base)}/${prefix}`)!, tag: i % 300 };
  });
  return { set: CidrSet.compile(entries, addon), edges };
}

function column(r: () => number, edges: number[], n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = r();
    a[i] = k < 0.05 ? -1 : k < 0.06 ? Number.NaN : k < 0.07 ? 2 ** 32 : k < 0.5 ? edges[Math.floor(r() * edges.length)] : Math.floor(r() * 2 ** 32);
  }
  return a;
}

for (const [name, count] of [
  ['100k CIDRs (tables on huge pages)', 100_000],
  ['300 CIDRs', 300],
  ['no CIDR', 0],
] as const) {
  test(`native IPv4 column lookups equal CidrSet.lookupV4: ${name}, rows without IPv4 marked`, { skip }, () => {
    const { set, edges } = randomSet(count + 1, count);
    assert.equal(set.hugePageTables, count === 100_000);
    const r = rng(count + 2);
    for (const n of [0, 1, 31, 32, 33, 5000]) {
      const addresses = column(r, edges, n + 7);
      const native = new Int32Array(n + 7).fill(-99);
      const typescript = new Int32Array(n + 7).fill(-99);
      set.lookupColumnV4(addresses, n, native, addon);
      set.lookupColumnV4(addresses, n, typescript);
      for (let i = 0; i < n; i++) {
        const a = addresses[i];
        const want = a >= 0 && a < 2 ** 32 ? set.lookupV4(a) : NO_IPV4;
        assert.equal(native[i], want, `row ${i}: ${a}`);
        if (a < 2 ** 32 || !(a >= 0)) assert.equal(typescript[i], want, `row ${i}: ${a}`);
      }
      // Rows past n are not written.
      assert.deepEqual([...native.subarray(n)], new Array(7).fill(-99));
    }
  });
}

test('native IPv4 column lookups refuse bad arguments with SAKI_ERR_NATIVE_ARGUMENT', { skip }, () => {
  const top = new Uint32Array(65537);
  const tagged = new Uint32Array(2048);
  const ranges = new Uint32Array(2);
  const addresses = new Float64Array(4);
  const out = new Int32Array(4);
  const refused = (args: unknown[]) =>
    assert.throws(() => (addon!.cidrLookupV4 as (...a: unknown[]) => void)(...args), (e: Error & { code?: string }) => e instanceof TypeError && e.code === 'SAKI_ERR_NATIVE_ARGUMENT');
  refused([new Uint32Array(65536), tagged, ranges, addresses, 4, out]);
  refused([top, new Uint32Array(2047), ranges, addresses, 4, out]);
  refused([top, tagged, new Uint32Array(3), addresses, 4, out]);
  refused([top, tagged, new Uint32Array(0), addresses, 4, out]);
  refused([top, tagged, ranges, new Float32Array(4), 4, out]);
  refused([top, tagged, ranges, addresses, 5, out]);
  refused([top, tagged, ranges, addresses, 4, new Int32Array(3)]);
  refused([top, tagged, ranges, addresses, 4, new Uint32Array(4)]);
  refused([top, tagged, ranges, addresses, 4]);
  // A /16 table pointing past the ranges reads within them (the last range), never outside.
  top.fill(1000);
  tagged.fill(0xffffffff);
  addresses.set([1, 2, 3, 4]);
  addon!.cidrLookupV4(top, tagged, Uint32Array.from([0, 5]), addresses, 4, out);
  assert.deepEqual([...out], [5, 5, 5, 5]);
});

test('hugePageBuffer gives a zeroed buffer of the asked size and refuses bad sizes', { skip }, () => {
  for (const bytes of [1, 4096, (2 << 20) + 3]) {
    const b = addon!.hugePageBuffer(bytes);
    assert.equal(b.byteLength, bytes);
    const u = new Uint8Array(b);
    assert.ok(u.every((x) => x === 0));
    u.fill(0xab);
    assert.equal(u[bytes - 1], 0xab);
  }
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 33, '12']) {
    assert.throws(() => (addon!.hugePageBuffer as (x: unknown) => ArrayBuffer)(bad), (e: Error & { code?: string }) => e instanceof TypeError && e.code === 'SAKI_ERR_NATIVE_ARGUMENT', String(bad));
  }
});

test('a selector with the native lookups selects and stores exactly what one without selects (small and huge-page CIDR tables)', { skip }, () => {
  const keys = testKeys(1);
  for (const [seed, wide] of [
    [41, 0],
    [42, 60_000],
  ] as const) {
    const r = rng(seed);
    const all: string[] = [];
    const kinds = ['srcCidrs', 'dstCidrs', 'anyCidrs'];
    const criteria = Array.from({ length: 40 }, (_, i) => {
      const cidrs = randomCidrs(r, 1 + Math.floor(r() * 40));
      all.push(...cidrs);
      const match: Record<string, unknown> = { [kinds[i % 3]]: cidrs };
      if (i % 4 === 0) match.dstPorts = [23, 443];
      return { id: `c${i}`, description: '', match };
    });
    // Many random hosts and blocks in one criterion: tables past 1 MiB, on huge pages.
    if (wide > 0) {
      const many = Array.from({ length: wide }, () => {
        const prefix = 24 + Math.floor(r() * 9);
        return `${v4Text((Math.floor(r() * 2 ** 32) & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0)}/${prefix}`;
      });
      criteria.push({ id: 'wide', description: '', match: { anyCidrs: many } });
    }
    criteria.push({ id: 'telnet', description: '', match: { dstPorts: [23] } });
    const doc = { version: 1, criteria, fields: [...OUTPUT_FIELDS], allowDomesticAddresses: false };
    const v = verifyApproval(makeApproval(doc, keys, { channel: 'agreement', approvers: ['member-a'] }), doc, trusted(keys), T0, { minSignatures: 1 });
    assert.ok(v.ok, v.ok ? '' : v.error.code);
    const pseudonymizer = new Pseudonymizer('p1', Buffer.alloc(32, 3));
    const plain = compileSelector(doc, v.approval, { pseudonymizer });
    const native = compileSelector(doc, v.approval, { pseudonymizer, cidrAccelerator: addon });
    let kept = 0;
    for (let round = 0; round < 3; round++) {
      const flows = Array.from({ length: 3000 }, () => {
        const v6 = r() < 0.15;
        const src = randomAddress(r, all, v6);
        const dst = randomAddress(r, all, v6);
        const f = flow(
          { src, dst, ipVersion: v6 ? 6 : 4, srcPort: 40000, dstPort: [23, 80, 443][Math.floor(r() * 3)], proto: 6, start: T0 + 1000, end: T0 + 2000, exporter: FEED },
          { direction: `${isDomesticForTest(src) ? 'domestic' : 'foreign'}-${isDomesticForTest(dst) ? 'domestic' : 'foreign'}`, srcDomestic: isDomesticForTest(src), dstDomestic: isDomesticForTest(dst), srcCountry: 'US', dstCountry: 'US' },
        );
        // Most rows carry the classifier's IPv4 number; the rest only text, as some records do.
        if (r() < 0.8) {
          f.srcV4 = parseIPv4(src);
          f.dstV4 = parseIPv4(dst);
        }
        return f;
      });
      const batch = ClassifiedBatch.of(flows);
      batch.flows = undefined;
      const want = plain.select(batch, T0 + 1500);
      const got = native.select(batch, T0 + 1500);
      assert.deepEqual(got, want, `seed ${seed} round ${round}`);
      assert.deepEqual(native.selectBlocks(batch, T0 + 1500), plain.selectBlocks(batch, T0 + 1500));
      kept += got.indexes.length;
    }
    assert.ok(kept > 1000, `seed ${seed} keeps flows (${kept})`);
  }
});
