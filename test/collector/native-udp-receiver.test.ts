import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { createRing, RingReader } from '../../src/collector/datagram-ring.js';
import { NativeUdpReceiver } from '../../src/collector/native-udp-receiver.js';
import { nativeAddon, nativeStatus } from '../../src/native/native-addon.js';
import type { ListenerConfig } from '../../src/config/config-schema.js';

/**
 * The native receive thread writes the same ring entries as the dgram path (exporter, port,
 * payload, time), refuses and counts per exporter when the ring is full, wakes a sleeping reader,
 * and reports bind failures with SAKI_ERR_LISTEN_FAILED. Loopback only.
 */
const addon = nativeAddon();
const skip = addon ? false : `native accelerators not available (${nativeStatus().reason})`;

function payloadOf(i: number, len: number): Buffer {
  const p = Buffer.alloc(len);
  for (let k = 0; k < len; k++) p[k] = (i * 31 + k) & 255;
  p.writeUInt32BE(i, 0);
  return p;
}

async function send(sock: Socket, payload: Buffer, port: number, address: string): Promise<void> {
  await new Promise<void>((res, rej) => sock.send(payload, port, address, (e) => (e ? rej(e) : res())));
}

async function boundSocket(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const s = createSocket(type);
  await new Promise<void>((res) => s.bind(0, address, () => res()));
  return s;
}

test('native receiver: datagrams from IPv4 and IPv6 exporters reach the ring intact, across wrap-arounds', { skip }, async () => {
  const ring = createRing(64 * 1024);
  const reader = new RingReader(ring);
  const drops: [string, number][] = [];
  const listeners: ListenerConfig[] = [
    { protocol: 'netflow', address: '127.0.0.1', port: 0 },
    { protocol: 'netflow', address: '::1', port: 0 },
  ];
  const rx = new NativeUdpReceiver(addon!, listeners, 1 << 20, ring, (e, n) => drops.push([e, n]));
  const bound = await rx.start();
  try {
    assert.equal(bound.length, 2);
    assert.ok(bound.every((b) => b.port > 0));
    assert.ok(rx.receiveBufferSizes().every((s) => s >= 65536));
    const s4 = await boundSocket('udp4', '127.0.0.1');
    const s6 = await boundSocket('udp6', '::1');
    const seen: { exporter: string; port: number; id: number; len: number; ok: boolean; at: number }[] = [];
    const t0 = Date.now();
    const total = 600;
    for (let i = 0; i < total; i++) {
      const len = 8 + ((i * 397) % 1400);
      const six = i % 3 === 0;
      await send(six ? s6 : s4, payloadOf(i, len), six ? bound[1].port : bound[0].port, six ? '::1' : '127.0.0.1');
      // Drain now and then so the 64 KiB ring wraps many times without filling.
      if (i % 20 === 19) {
        await new Promise((r) => setTimeout(r, 5));
        reader.drain((d) => {
          const id = Buffer.from(d.payload).readUInt32BE(0);
          seen.push({ exporter: d.exporter, port: d.exporterPort, id, len: d.payload.length, ok: Buffer.from(d.payload).equals(payloadOf(id, d.payload.length)), at: d.receivedAt });
        }, 1000);
      }
    }
    for (let k = 0; k < 50 && seen.length < total; k++) {
      await new Promise((r) => setTimeout(r, 10));
      reader.drain((d) => {
        const id = Buffer.from(d.payload).readUInt32BE(0);
        seen.push({ exporter: d.exporter, port: d.exporterPort, id, len: d.payload.length, ok: Buffer.from(d.payload).equals(payloadOf(id, d.payload.length)), at: d.receivedAt });
      }, 1000);
    }
    assert.equal(seen.length, total, 'every datagram arrived (loopback, ring never full)');
    assert.deepEqual(drops, []);
    for (const d of seen) {
      const six = d.id % 3 === 0;
      assert.equal(d.exporter, six ? '::1' : '127.0.0.1');
      assert.equal(d.port, (six ? s6 : s4).address().port);
      assert.equal(d.len, 8 + ((d.id * 397) % 1400));
      assert.ok(d.ok, `payload ${d.id} intact`);
      assert.ok(d.at >= t0 - 1 && d.at <= Date.now() && Number.isInteger(d.at), 'receivedAt is Date.now()-like');
    }
    assert.deepEqual(new Set(seen.map((d) => d.id)).size, total);
    s4.close();
    s6.close();
  } finally {
    await rx.stop();
  }
});

test('native receiver: a full ring refuses datagrams and counts each one for its exporter', { skip }, async () => {
  const ring = createRing(8192);
  const reader = new RingReader(ring);
  const drops = new Map<string, number>();
  const rx = new NativeUdpReceiver(addon!, [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], 1 << 20, ring, (e, n) => drops.set(e, (drops.get(e) ?? 0) + n));
  const [b] = await rx.start();
  try {
    const s = await boundSocket('udp4', '127.0.0.1');
    const sent = 40;
    for (let i = 0; i < sent; i++) await send(s, payloadOf(i, 1000), b.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    rx.flushDrops();
    let queued = 0;
    reader.drain(() => queued++, 1000);
    assert.ok(queued > 0 && queued < sent, `some queued (${queued}), not all`);
    assert.equal(queued + (drops.get('127.0.0.1') ?? 0), sent, 'queued + dropped = sent');
    s.close();
  } finally {
    await rx.stop();
  }
});

test('native receiver: a sleeping reader is woken by the first datagram', { skip }, async () => {
  const ring = createRing(64 * 1024);
  const reader = new RingReader(ring);
  const rx = new NativeUdpReceiver(addon!, [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], 1 << 20, ring, () => {});
  const [b] = await rx.start();
  try {
    const s = await boundSocket('udp4', '127.0.0.1');
    const waited = reader.waitForData(10_000);
    const t = Date.now();
    setTimeout(() => void send(s, payloadOf(1, 100), b.port, '127.0.0.1'), 50);
    await waited;
    assert.ok(Date.now() - t < 2000, `woken after ${Date.now() - t} ms, not at the 10 s timeout`);
    assert.equal(reader.drain(() => {}, 10), 1);
    s.close();
  } finally {
    await rx.stop();
  }
});

test('native receiver: a port in use is refused with SAKI_ERR_LISTEN_FAILED and nothing is left bound', { skip }, async () => {
  const holder = await boundSocket('udp4', '127.0.0.1');
  const port = holder.address().port;
  const ring = createRing(64 * 1024);
  const rx = new NativeUdpReceiver(addon!, [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }, { protocol: 'netflow', address: '127.0.0.1', port }], 1 << 20, ring, () => {});
  await assert.rejects(rx.start(), (e: Error & { code?: string }) => e.code === 'SAKI_ERR_LISTEN_FAILED');
  assert.deepEqual(rx.bound(), []);
  await rx.stop();
  holder.close();
});

test('native receiver: it binds as many listeners as it says it polls (maxUdpListeners), and refuses one more', { skip }, async () => {
  const max = addon!.maxUdpListeners;
  assert.ok(Number.isInteger(max) && max > 0);
  const listeners = (n: number) => Array.from({ length: n }, () => ({ protocol: 'netflow' as const, address: '127.0.0.1', port: 0 }));
  const fits = new NativeUdpReceiver(addon!, listeners(max), 1 << 20, createRing(64 * 1024), () => {});
  assert.equal((await fits.start()).length, max);
  await fits.stop();
  const over = new NativeUdpReceiver(addon!, listeners(max + 1), 1 << 20, createRing(64 * 1024), () => {});
  await assert.rejects(over.start(), (e: Error & { code?: string }) => e.code === 'SAKI_ERR_LISTEN_FAILED');
  assert.deepEqual(over.bound(), []);
  await over.stop();
});
