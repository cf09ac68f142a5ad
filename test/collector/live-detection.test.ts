import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { Collector } from '../../src/collector/collector.js';
import { createLiveDetection } from '../../src/collector/live-detection.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import type { Detection } from '../../src/core/detect/detection.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { prng, syntheticFlows } from '../../src/demo/synthetic-flows.js';
import { createLogger } from '../../src/observability/logger.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { pickAddresses } from '../helpers/geo-pick.js';

const quiet = () => createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

/** Jittered check-ins of each bot to the C&C over `hours`, ending now, in time order. */
function beacons(bots: readonly string[], c2: string, port: number, hours: number, end: number): FlowRecord[] {
  const rnd = prng(5);
  const out: FlowRecord[] = [];
  for (const b of bots) {
    for (let t = end - hours * 3_600_000 + rnd() * 60_000; t < end - 1000; t += 60_000 * (0.7 + 0.6 * rnd())) {
      const start = Math.round(t);
      out.push({ ...emptyFlowRecord('ipfix', '127.0.0.1', 1), src: b, dst: c2, srcPort: 32768 + Math.floor(rnd() * 28000), dstPort: port, proto: 6, start, end: start + 300, packets: 4, octets: 200 + Math.floor(rnd() * 10), sampledPackets: 4, sampledOctets: 200 });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Sends the datagrams one after another to a loopback collector port. */
async function sendAll(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (const d of datagrams) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  s.close();
}

/** A logger whose JSON lines are kept in `lines`, to wait for a worker's log event. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) })) };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('live detection: IPFIX beacons sent to the carrier collector on loopback come out as a C&C candidate and its bots (seed file loaded at start)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-live-detect-'));
  try {
    // The geo snapshot this writes into dataDir is what the decode worker loads.
    const geo = await loadGeoDatabase(nodeGeoIo(dataDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const bots = pickAddresses(classifier, 'domestic', 6, 11);
    const [c2] = pickAddresses(classifier, 'foreign', 1, 13);
    const seedFile = join(dataDir, 'seeds.txt');
    writeFileSync(seedFile, `${bots[0]} notice\n`);
    const config = parseConfig({
      dataDir,
      collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], receiveBufferBytes: 1 << 20 },
      detections: { seedFiles: [seedFile] },
    });
    const reported: Detection[] = [];
    const collector = new Collector(config, quiet(), { onDetections: (ds) => reported.push(...ds) });
    const [listener] = await collector.start();
    try {
      const flows = beacons(bots, c2, 8443, 2, Date.now());
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      await sendAll(listener.port, [enc.templateMessage(unix), ...enc.dataMessages(flows, unix)]);
      await until(() => reported.some((d) => d.kind === 'c2' && d.ip === c2), 30_000);
      const cand = reported.filter((d) => d.kind === 'c2' && d.ip === c2).at(-1)!;
      assert.equal(cand.port, 8443);
      assert.ok(cand.detectors.includes('beacon'), cand.detectors.join(','));
      assert.equal(cand.country, classifier.classifyAddress(c2).country);
      await until(() => bots.every((b) => reported.some((d) => d.kind === 'bot' && d.ip === b)), 10_000);
      // Counters reach the main thread with the worker's next stats message (every 250 ms).
      await until(() => (collector.status().detection?.flows ?? 0) >= flows.length, 5_000);
      assert.equal(collector.status().detection!.flows, flows.length);
    } finally {
      await collector.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('first start without a geo snapshot: it is compiled on a helper thread while the decode worker goes on decoding', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-live-geo-'));
  try {
    const { logger, lines } = capturingLogger();
    const config = parseConfig({ dataDir, collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], storeFlows: false } });
    const collector = new Collector(config, logger);
    const [listener] = await collector.start();
    try {
      await until(() => lines.some((l) => l.includes('compiling it on a helper thread')), 10_000);
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      const data = [enc.templateMessage(unix), ...enc.dataMessages(syntheticFlows(3000, { seed: 4 }), unix)];
      await sendAll(listener.port, data);
      // Decoded (counted by the worker, stats every 250 ms) while the compile is still running.
      await until(() => collector.status().totals.records === 3000, 10_000);
      assert.ok(!lines.some((l) => l.includes('geo database ready')), 'records were decoded before the geo database was ready');
      await until(() => lines.some((l) => l.includes('geo database ready')), 60_000);
      assert.ok(readdirSync(dataDir).some((f) => /^geo-.*\.bin$/.test(f)), 'the snapshot is in the data directory');
    } finally {
      await collector.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('load shedding: while decoding is behind, live detection skips whole batches and counts them; every record is still decoded', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-live-shed-'));
  try {
    await loadGeoDatabase(nodeGeoIo(dataDir));
    const { logger, lines } = capturingLogger();
    const config = parseConfig({
      dataDir,
      collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], queueBytes: 8 * 1024 * 1024, receiveBufferBytes: 16 * 1024 * 1024, storeFlows: false },
    });
    const collector = new Collector(config, logger, { startPaused: true });
    const [listener] = await collector.start();
    try {
      // The worker loads the geo snapshot while paused; detection needs it before the backlog is released.
      await until(() => lines.some((l) => l.includes('geo database ready')), 20_000);
      const enc = new IpfixEncoder({ domain: 1 });
      const unix = Math.floor(Date.now() / 1000);
      const flows = syntheticFlows(30 * 2500, { seed: 8, startMs: Date.now() - 60_000 });
      const data = [enc.templateMessage(unix), ...enc.dataMessages(flows, unix)];
      await sendAll(listener.port, data);
      // ~3.3 MB waiting in an 8 MiB queue: far past the shedding threshold (1/8).
      await until(() => collector.status().queue.depth > 2_000_000, 10_000);
      collector.resumeDecoding();
      await until(() => collector.status().totals.records === flows.length && collector.status().queue.depth === 0, 30_000);
      await until(() => {
        const d = collector.status().detection;
        return d !== undefined && d.flows + d.shed === flows.length;
      }, 5_000);
      const d = collector.status().detection!;
      assert.equal(collector.status().totals.queueDropped, 0);
      assert.ok(d.shed > 0, 'batches were shed while the backlog was high');
      assert.ok(d.flows > 0, 'detection resumed once decoding caught up');
      assert.ok(lines.some((l) => l.includes('live detection observes a share of the batches')), 'the shedding is logged');
      // Once caught up, new traffic is observed in full.
      const more = enc.dataMessages(syntheticFlows(300, { seed: 9, startMs: Date.now() - 30_000 }), unix);
      await sendAll(listener.port, more);
      await until(() => collector.status().detection!.flows === d.flows + 300, 10_000);
      assert.equal(collector.status().detection!.shed, d.shed);
    } finally {
      await collector.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('live detection in the cyber-office role: detections naming a domestic address and lists of bots never leave the worker', () => {
  // Synthetic geo: 1.0.0.0/24 JP, 2.0.0.0/24 US.
  const classifier = new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] }));
  const out = (role: 'carrier' | 'cyber-office') => {
    const emitted: Detection[] = [];
    const settings = parseConfig({}).detections;
    const { stage } = createLiveDetection({ settings, role, classifier, domesticCountries: ['JP'], emit: (ds) => emitted.push(...ds) });
    const bots = Array.from({ length: 6 }, (_, i) => `1.0.0.${10 + i}`);
    const end = Date.UTC(2026, 5, 1, 3);
    const flows = beacons(bots, '2.0.0.50', 23, 2, end);
    for (let i = 0; i < flows.length; i += 200) stage.observe(flows.slice(i, i + 200), flows[Math.min(i + 199, flows.length - 1)].end);
    stage.tick(end + 60_000);
    return emitted;
  };
  const carrier = out('carrier');
  assert.ok(carrier.some((d) => d.kind === 'bot'), 'the carrier sees its bots');
  assert.ok(carrier.some((d) => d.kind === 'c2' && (d.bots?.length ?? 0) > 0), 'and the C&C lists them');
  const office = out('cyber-office');
  assert.ok(office.some((d) => d.kind === 'c2' && d.ip === '2.0.0.50'), 'the foreign C&C leaves');
  for (const d of office) {
    assert.notEqual(d.country, 'JP', `${d.kind} ${d.ip} is domestic`);
    assert.equal(d.bots, undefined);
  }
});

test('detection thresholds come from the configuration: detections.darknet and detections.ddos reach the detectors', () => {
  const classifier = new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] }));
  const t0 = Date.UTC(2026, 5, 1, 3);
  // A US source probes 4 addresses of the darknet 2.0.0.128/25 (TCP SYN to 23).
  const probes = [130, 140, 150, 160].map((h, i) => ({ ...emptyFlowRecord('ipfix', '127.0.0.1', 1), src: '2.0.0.9', dst: `2.0.0.${h}`, srcPort: 40000 + i, dstPort: 23, proto: 6, tcpFlags: 0x02, start: t0 + i * 1000, end: t0 + i * 1000, packets: 1, octets: 40, sampledPackets: 1, sampledOctets: 40 }));
  const scanners = (darknet: Record<string, number>) => {
    const settings = parseConfig({ detections: { darknetPrefixes: ['2.0.0.128/25'], darknet } }).detections;
    const emitted: Detection[] = [];
    const { stage } = createLiveDetection({ settings, role: 'carrier', classifier, domesticCountries: ['JP'], emit: (ds) => emitted.push(...ds) });
    stage.observe(probes, t0);
    stage.tick(t0 + 120_000);
    return emitted.filter((d) => d.kind === 'scanner' && d.ip === '2.0.0.9');
  };
  assert.equal(scanners({}).length, 0, 'the default needs 8 darknet addresses');
  assert.ok(scanners({ scanMinAddresses: 4 }).length > 0, 'scanMinAddresses: 4 reports the source');
  const ddos = parseConfig({ detections: { criticalAssets: ['1.0.0.0/24'], ddos: { k: 3, minFlowsPerSecond: 5 } } }).detections.ddos;
  assert.equal(ddos.k, 3);
  assert.equal(ddos.minPacketsPerSecond, 2_000, 'unset thresholds keep the detector defaults');
  assert.throws(() => parseConfig({ detections: { darknet: { scanMinAddresses: 0 } } }), /scanMinAddresses|CONFIG/);
});
