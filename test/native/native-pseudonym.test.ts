import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { nativeAddon, nativeStatus } from '../../src/native/native-addon.js';

/**
 * The native accelerator (native/) must give exactly node:crypto's HMAC-SHA-256 tokens, on the
 * SHA extensions and on the portable C path, one address at a time and in batches (with the pairs
 * the batch interleaves, odd counts, and addresses it hands back to the TypeScript side).
 * Without the module these tests are skipped, unless SAKIMORI_REQUIRE_NATIVE=1 (CI), where its
 * absence fails.
 */
const addon = nativeAddon();
const skip = addon ? false : `native accelerators not available (${nativeStatus().reason})`;
const reference = (keyId: string, key: Uint8Array, address: string) => `${keyId}:${createHmac('sha256', key).update(address, 'utf8').digest('hex').slice(0, 16)}`;

function inputs(): string[] {
  const r = () => Math.floor(Math.random() * 65536);
  const out: string[] = [];
  for (let n = 0; n <= 80; n++) out.push(Array.from({ length: n }, (_, i) => String.fromCharCode(0x21 + ((i * 7 + n) % 90))).join(''));
  for (let i = 0; i < 3000; i++) {
    out.push(`${r() & 255}.${r() & 255}.${r() & 255}.${r() & 255}`);
    out.push(`2001:db8:${r().toString(16)}::${r().toString(16)}:${r().toString(16)}`);
    if (i % 10 === 0) out.push(`ffff:${r().toString(16)}:ffff:ffff:ffff:ffff:255.255.${r() & 255}.255:ffff:ffff:ffff`);
  }
  out.push('東京', 'é1.2.3.4', '\u0080', '1.2.3.4\u{1F600}', '\u00ff\u00ff', `${'1'.repeat(54)}é`, 'a\u0100');
  return out;
}

for (const portable of [false, true]) {
  const path = portable ? 'portable C' : 'SHA extensions (when the CPU has them)';
  test(`native pseudonyms equal node:crypto HMAC-SHA-256, one at a time and batched, on ${path}`, { skip }, () => {
    addon!.forcePortableSha256(portable);
    try {
      assert.equal(addon!.sha256Accelerated(), portable ? false : addon!.sha256Accelerated());
      for (const size of [32, 64, 65, 100]) {
        const key = randomBytes(size);
        const p = new Pseudonymizer('k7', key, addon);
        assert.equal(p.accelerated, true);
        const all = inputs();
        for (const a of all) assert.equal(p.pseudonym(a), reference('k7', key, a), `one, key ${size} B, ${JSON.stringify(a)}`);
        // Batches of every size up to 9 (odd ones leave an unpaired address), then big ones.
        let at = 0;
        for (const count of [1, 2, 3, 4, 5, 6, 7, 8, 9, 600, 1001, all.length]) {
          const list = all.slice(at % all.length).concat(all).slice(0, count);
          at += 37;
          const out: string[] = [];
          p.pseudonyms(list, count, out);
          assert.equal(out.length, count);
          for (let k = 0; k < count; k++) assert.equal(out[k], reference('k7', key, list[k]), `batch of ${count}, ${JSON.stringify(list[k])}`);
        }
      }
    } finally {
      addon!.forcePortableSha256(false);
    }
  });
}

test('native batch uses only the first `count` addresses and the TypeScript and native batches agree', { skip }, () => {
  const key = randomBytes(32);
  const fast = new Pseudonymizer('p1', key, addon);
  const slow = new Pseudonymizer('p1', key);
  const list = ['198.51.100.1', '198.51.100.2', '198.51.100.1', '2001:db8::1', 'not-counted'];
  const a: string[] = [];
  const b: string[] = [];
  fast.pseudonyms(list, 4, a);
  slow.pseudonyms(list, 4, b);
  assert.deepEqual(a, b);
  assert.equal(a.length, 4);
  assert.equal(a[0], a[2]);
});

test('native hasher refuses wrong arguments with a coded TypeError and computes nothing', { skip }, () => {
  const bad = (f: () => unknown) => assert.throws(f, (e: Error & { code?: string }) => e instanceof TypeError && e.code === 'SAKI_ERR_NATIVE_ARGUMENT');
  bad(() => addon!.createPseudonymHasher(new Int32Array(8), 'p1:'));
  bad(() => addon!.createPseudonymHasher(new Uint32Array(16) as unknown as Int32Array, 'p1:'));
  bad(() => addon!.createPseudonymHasher(new Int32Array(16), ''));
  bad(() => addon!.createPseudonymHasher(new Int32Array(16), 'x'.repeat(40)));
  const h = addon!.createPseudonymHasher(new Int32Array(16), 'p1:');
  bad(() => h.one(42 as unknown as string));
  bad(() => h.many('1.2.3.4', new Int32Array([3]), 1));
  bad(() => h.many('1.2.3.4', new Int32Array([7]), 2));
  bad(() => h.many('1.2.3.4', new Int32Array([-1, 8]), 2));
  bad(() => h.many(7 as unknown as string, new Int32Array([1]), 1));
  assert.equal(h.many('', new Int32Array(0), 0), '');
});

test('without the module, Sakimori says why (and CI requires it)', () => {
  const s = nativeStatus();
  if (process.env.SAKIMORI_REQUIRE_NATIVE === '1') assert.equal(s.loaded, true, `native required but ${s.reason}`);
  if (s.loaded) assert.match(s.sha256 ?? '', /^(sha-extensions|portable)$/);
  else assert.match(s.reason ?? '', /\S/);
});
