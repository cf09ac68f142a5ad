import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Pseudonymizer } from '../../../src/core/selection/pseudonym.js';

/** RFC 2104 HMAC-SHA-256 as node:crypto computes it, in the token format. */
const reference = (keyId: string, key: Uint8Array, address: string) => `${keyId}:${createHmac('sha256', key).update(address, 'utf8').digest('hex').slice(0, 16)}`;

test('pseudonym equals node:crypto HMAC-SHA-256 for addresses of every length, key sizes 32/64/65/100', () => {
  for (const size of [32, 33, 63, 64, 65, 100]) {
    const key = randomBytes(size);
    const p = new Pseudonymizer('k1', key);
    // Every message length 0..80 crosses the one-block fast path limit (55) and the slow path.
    for (let n = 0; n <= 80; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(0x21 + ((i * 7 + size) % 90))).join('');
      assert.equal(p.pseudonym(s), reference('k1', key, s), `key ${size} B, message ${n} B`);
    }
  }
});

test('pseudonym equals the reference on random IPv4/IPv6 text and on non-ASCII input', () => {
  const key = randomBytes(32);
  const p = new Pseudonymizer('p9', key);
  const r = () => Math.floor(Math.random() * 65536);
  for (let i = 0; i < 5000; i++) {
    const v4 = `${r() & 255}.${r() & 255}.${r() & 255}.${r() & 255}`;
    const v6 = `2001:db8:${r().toString(16)}::${r().toString(16)}:${r().toString(16)}`;
    const long = `ffff:${r().toString(16)}:ffff:ffff:ffff:ffff:255.255.${r() & 255}.255`;
    for (const a of [v4, v6, long]) assert.equal(p.pseudonym(a), reference('p9', key, a));
  }
  for (const a of ['東京', 'é1.2.3.4', '\u0080', '1.2.3.4\u{1F600}']) assert.equal(p.pseudonym(a), reference('p9', key, a));
});

test('same address and key give the same token; another key gives another; calls do not leak state', () => {
  const a = new Pseudonymizer('p1', Buffer.alloc(32, 1));
  const b = new Pseudonymizer('p2', Buffer.alloc(32, 2));
  const first = a.pseudonym('198.51.100.7');
  a.pseudonym('2001:db8::1');
  assert.equal(a.pseudonym('198.51.100.7'), first);
  assert.match(first, /^p1:[0-9a-f]{16}$/);
  assert.notEqual(b.pseudonym('198.51.100.7').slice(3), first.slice(3));
});
