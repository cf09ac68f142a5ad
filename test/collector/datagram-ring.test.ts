import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRing, RingReader, RingWriter } from '../../src/collector/datagram-ring.js';

function payloadOf(i: number, len: number): Uint8Array {
  const p = new Uint8Array(len);
  for (let k = 0; k < len; k++) p[k] = (i * 31 + k) & 255;
  return p;
}

test('ring keeps order and content across many wrap-arounds, refusing writes only when full', () => {
  const ring = createRing(8192);
  const w = new RingWriter(ring);
  const r = new RingReader(ring);
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let written = 0;
  let read = 0;
  let refused = 0;
  const pending: number[] = [];
  for (let round = 0; round < 5000; round++) {
    const len = Math.floor(rnd() * 1500);
    if (w.write(1000 + written, written % 2 ? '2001:db8::1' : '192.0.2.7', 2055, payloadOf(written, len))) {
      pending.push(len);
      written++;
    } else {
      refused++;
      assert.ok(w.depth() + len + 36 > 8192 - 1600, 'refused a write while far from full');
    }
    if (rnd() < 0.4) {
      r.drain((d) => {
        const len2 = pending.shift()!;
        assert.equal(d.payload.length, len2);
        assert.deepEqual(d.payload, payloadOf(read, len2));
        assert.equal(d.receivedAt, 1000 + read);
        assert.equal(d.exporter, read % 2 ? '2001:db8::1' : '192.0.2.7');
        assert.equal(d.exporterPort, 2055);
        read++;
      }, 1 + Math.floor(rnd() * 8));
    }
  }
  r.drain(() => {
    pending.shift();
    read++;
  }, 1e9);
  assert.equal(read, written);
  assert.equal(w.depth(), 0);
  assert.ok(refused > 0, 'the test never filled the ring');
  assert.ok(written > 2000);
});

test('IPv4-mapped exporter addresses are reported as IPv4', () => {
  const ring = createRing(4096);
  new RingWriter(ring).write(1, '::ffff:198.51.100.9', 9995, new Uint8Array([1, 2, 3]));
  const seen: string[] = [];
  new RingReader(ring).drain((d) => seen.push(d.exporter), 10);
  assert.deepEqual(seen, ['198.51.100.9']);
});
