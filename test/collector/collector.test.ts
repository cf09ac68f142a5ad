import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { syntheticFlows } from '../../src/demo/synthetic-flows.js';
import { createLogger } from '../../src/observability/logger.js';
import { FlowQueries } from '../../src/storage/flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';

const quiet = () => createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for the collector');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function send(port: number, datagrams: Uint8Array[], from = '127.0.0.1'): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  for (const d of datagrams) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  s.close();
}

// Both receive sides: the native recvmmsg thread ("auto" where it is built, as in CI) and Node's dgram.
for (const receiver of ['auto', 'dgram'] as const) {
  test(`collector on loopback: decodes, stores, counts malformed and late templates per exporter (${receiver} receiver)`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'saki-collector-'));
    const config = parseConfig({ dataDir, collector: { receiver, listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], receiveBufferBytes: 1 << 20 } });
    const collector = new Collector(config, quiet());
    const [listener] = await collector.start();
    try {
      // Listening at once; the decode worker reports when it reads the queue.
      assert.ok(['starting', 'running'].includes(collector.status().decoder));
      await until(() => collector.status().decoder === 'running');
      const flows = syntheticFlows(300, { seed: 11 });
      const a = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      await send(listener.port, [a.templateMessage(unix), ...a.dataMessages(flows, unix)], '127.0.0.2');
      // Exporter 127.0.0.3: data first (held), then its template (recovered), then garbage.
      const b = new IpfixEncoder({ domain: 7 });
      const early = b.dataMessages(flows.slice(0, 60), unix);
      await send(listener.port, [...early, b.templateMessage(unix), new Uint8Array([0, 10, 0, 200, 1, 2]), new Uint8Array([0x42, 0x42, 0x42, 0x42, 0x42])], '127.0.0.3');
      await until(() => collector.status().totals.records >= 360 && collector.status().stored >= 360);
      const st = collector.status();
      const e2 = st.exporters.find((e) => e.exporter === '127.0.0.2')!;
      const e3 = st.exporters.find((e) => e.exporter === '127.0.0.3')!;
      assert.equal(e2.records, 300);
      assert.equal(e2.datagrams, 11);
      assert.equal(e2.malformed, 0);
      assert.equal(e2.lastFormat, 'ipfix');
      assert.equal(e3.records, 60);
      assert.equal(e3.unknownTemplateSets, 2);
      assert.equal(e3.unknownTemplateRecovered, 2);
      assert.equal(e3.malformed, 2);
      assert.equal(st.listeners[0].port, listener.port);
      assert.equal(st.receiver, receiver === 'dgram' || !nativeAddon() ? 'dgram' : 'native-recvmmsg');
      // The socket thread's event-loop delay is measured (a blocked thread overflows the kernel buffer).
      assert.ok(Number.isFinite(st.socketThreadDelayMs.max) && st.socketThreadDelayMs.max > 0, `max delay ${st.socketThreadDelayMs.max}`);
      assert.ok(st.socketThreadDelayMs.p99 <= st.socketThreadDelayMs.max);
    } finally {
      await collector.stop();
    }
    assert.equal(collector.status().decoder, 'stopped');
    const db = openSqlite(dataDir);
    assert.equal(await new FlowQueries(db.db).count(), 360);
    await db.close();
  });

  test(`cyber-office role without any approval: the collector decodes and counts but stores nothing (${receiver} receiver)`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'saki-collector-co-'));
    const config = parseConfig({ role: 'cyber-office', dataDir, collector: { receiver, listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }] } });
    const collector = new Collector(config, quiet());
    const [listener] = await collector.start();
    try {
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      await send(listener.port, [enc.templateMessage(unix), ...enc.dataMessages(syntheticFlows(90, { seed: 5 }), unix)]);
      await until(() => collector.status().erased >= 90);
      assert.equal(collector.status().stored, 0);
      assert.equal(collector.status().erased, 90);
    } finally {
      await collector.stop();
    }
    const db = openSqlite(dataDir);
    assert.equal(await new FlowQueries(db.db).count(), 0);
    await db.close();
  });

  test(`a full decode queue refuses datagrams and counts every one: decoded + queue-dropped = sent (${receiver} receiver)`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'saki-collector-full-'));
    const config = parseConfig({
      dataDir,
      collector: { receiver, listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], queueBytes: 1024 * 1024, receiveBufferBytes: 16 * 1024 * 1024, storeFlows: false },
    });
    const collector = new Collector(config, quiet(), { startPaused: true });
    const [listener] = await collector.start();
    try {
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      const data = enc.dataMessages(syntheticFlows(30 * 1200, { seed: 21 }), unix);
      await send(listener.port, [enc.templateMessage(unix)]);
      // 1,200 datagrams of ~1.3 kB into a 1 MiB queue that nobody drains yet.
      await send(listener.port, data);
      await until(() => collector.status().totals.queueDropped > 0 && collector.status().queue.depth > 900_000);
      await new Promise((r) => setTimeout(r, 200));
      collector.resumeDecoding();
      const sent = data.length + 1;
      await until(() => {
        const t = collector.status().totals;
        return t.datagrams + t.queueDropped === sent && collector.status().queue.depth === 0;
      });
      const t = collector.status().totals;
      assert.ok(t.queueDropped > 100, `only ${t.queueDropped} datagrams dropped`);
      assert.equal(t.records, (t.datagrams - 1) * 30);
      assert.equal(collector.status().exporters[0].queueDropped, t.queueDropped);
    } finally {
      await collector.stop();
    }
  });

  test(`IPv6 listener receives exports from an IPv6 exporter (${receiver} receiver)`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'saki-collector-v6-'));
    const config = parseConfig({ dataDir, collector: { receiver, listeners: [{ protocol: 'netflow', address: '::1', port: 0 }] } });
    const collector = new Collector(config, quiet());
    const [listener] = await collector.start();
    try {
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      const s = createSocket('udp6');
      await new Promise<void>((r) => s.bind(0, '::1', () => r()));
      for (const d of [enc.templateMessage(unix), ...enc.dataMessages(syntheticFlows(60, { seed: 2 }), unix)]) {
        await new Promise<void>((r) => s.send(d, listener.port, '::1', () => r()));
      }
      s.close();
      await until(() => collector.status().totals.records >= 60);
      assert.equal(collector.status().exporters[0].exporter, '::1');
    } finally {
      await collector.stop();
    }
  });
}

test('more listeners than the native receive thread polls: the collector takes them all with dgram', { skip: nativeAddon() ? false : 'native module not built' }, async () => {
  const max = nativeAddon()!.maxUdpListeners;
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-collector-'));
  const listeners = Array.from({ length: max + 1 }, () => ({ protocol: 'netflow' as const, address: '127.0.0.1', port: 0 }));
  const collector = new Collector(parseConfig({ dataDir, collector: { listeners, storeFlows: false } }), quiet());
  try {
    assert.equal((await collector.start()).length, max + 1);
    assert.equal(collector.status().receiver, 'dgram');
  } finally {
    await collector.stop();
  }
});
