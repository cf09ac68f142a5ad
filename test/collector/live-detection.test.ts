import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { prng } from '../../src/demo/synthetic-flows.js';
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
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      for (const d of [enc.templateMessage(unix), ...enc.dataMessages(flows, unix)]) await new Promise<void>((r) => s.send(d, listener.port, '127.0.0.1', () => r()));
      s.close();
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
