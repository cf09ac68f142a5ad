import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { DarknetObservatory } from '../../src/core/darknet/darknet-observatory.js';
import { DarknetPrefixes } from '../../src/core/darknet/darknet-prefixes.js';
import { createC2Engine } from '../../src/core/detect/c2-engine.js';
import type { Detection } from '../../src/core/detect/detection.js';
import type { FlowRecord } from '../../src/core/flow/flow-record.js';
import { DetectionStage } from '../../src/pipeline/detection-stage.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { periodic, poisson, prng, T0 } from '../core/detect/traffic.js';

// The synthetic geo data: 1.0.0.0/24 is JP (domestic), 2.0.0.0/24 US; 5.0.0.0/24 JP serves as darknet.
const classifier = new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] }));
const bots = Array.from({ length: 6 }, (_, i) => `1.0.0.${10 + i}`);
const scanners = Array.from({ length: 5 }, (_, i) => `1.0.0.${40 + i}`);
const browsers = Array.from({ length: 30 }, (_, i) => `1.0.0.${100 + i}`);

function stage(reported: Detection[], withDarknet: boolean): DetectionStage {
  return new DetectionStage({
    classifier,
    engine: createC2Engine({ method: 'sakimori' }),
    ...(withDarknet ? { darknet: new DarknetObservatory(DarknetPrefixes.parse(['5.0.0.128/25'])) } : {}),
    stepMs: 5_000,
    onDetections: (ds) => reported.push(...ds),
  });
}

/** Records as the decoder hands them on: the classifier's view is the stage's job. */
function records(rnd: () => number): FlowRecord[] {
  const flows = [
    // Jittered beacons of six domestic bots to one foreign C&C.
    ...periodic({ hosts: bots, dst: '2.0.0.50', dstPort: 23, proto: 6, periodMs: 60_000, jitter: 0.3, octets: 180, sizeJitter: 0.05, packets: 3, from: T0, to: T0 + 5_400_000 }, rnd),
    // Irregular browsing of a foreign web server by many hosts.
    ...poisson(browsers, '2.0.0.80', 443, 300_000, T0, T0 + 5_400_000, rnd),
    // The scanners talk, irregularly, to another foreign endpoint after they were seen scanning.
    ...poisson(scanners, '2.0.0.60', 6667, 400_000, T0 + 1_200_000, T0 + 5_400_000, rnd),
  ].map((f) => f.record);
  // Domestic scanners probe 20 darknet addresses each in the first ten minutes.
  for (const s of scanners) {
    for (let k = 0; k < 20; k++) {
      const r = { ...flows[0], src: s, dst: `5.0.0.${128 + Math.floor(rnd() * 127)}`, srcPort: 40000 + k, dstPort: 23, proto: 6, tcpFlags: 0x02, packets: 1, octets: 40, sampledPackets: 1, sampledOctets: 40 };
      r.start = r.end = T0 + Math.floor(rnd() * 600_000);
      flows.push(r);
    }
  }
  return flows.sort((a, b) => a.start - b.start);
}

function feed(s: DetectionStage, rs: FlowRecord[]): void {
  for (let i = 0; i < rs.length; i += 500) s.observe(rs.slice(i, i + 500), rs[Math.min(i + 499, rs.length - 1)].end);
}

test('detection stage: classifies decoded records and reports the jittered C&C, its bots, the darknet scanners and — seeded by them — their C&C', () => {
  const reported: Detection[] = [];
  const s = stage(reported, true);
  feed(s, records(prng(7)));
  const c2 = new Set(reported.filter((d) => d.kind === 'c2').map((d) => `${d.ip}:${d.port}`));
  assert.ok(c2.has('2.0.0.50:23'), `beacon C&C reported: ${[...c2].join(' ')}`);
  assert.ok(c2.has('2.0.0.60:6667'), `seed-peer C&C reported through darknet seeds: ${[...c2].join(' ')}`);
  assert.ok(!c2.has('2.0.0.80:443'), 'irregular browsing is not a C&C');
  const seeded = reported.find((d) => d.kind === 'c2' && d.ip === '2.0.0.60');
  assert.ok(seeded?.detectors.includes('seed-peer'));
  assert.equal(s.counters.seeds, scanners.length);
  const scannerIps = new Set(reported.filter((d) => d.kind === 'scanner').map((d) => d.ip));
  for (const x of scanners) assert.ok(scannerIps.has(x), `scanner ${x}`);
  const botIps = new Set(reported.filter((d) => d.kind === 'bot').map((d) => d.ip));
  for (const b of bots) assert.ok(botIps.has(b), `bot ${b}`);
  // The classifier, not the caller, decided the country: the C&C is located in US.
  assert.equal(reported.find((d) => d.kind === 'c2' && d.ip === '2.0.0.50')!.country, 'US');
});

test('detection stage: without a darknet there are no seeds, so the seeded-only C&C is not found', () => {
  const reported: Detection[] = [];
  const s = stage(reported, false);
  feed(s, records(prng(7)));
  const c2 = new Set(reported.filter((d) => d.kind === 'c2').map((d) => `${d.ip}:${d.port}`));
  assert.ok(c2.has('2.0.0.50:23'));
  assert.ok(!c2.has('2.0.0.60:6667'));
  assert.equal(s.counters.seeds, 0);
});

test('detection stage: a quiet feed still closes its windows as wall time passes (tick)', () => {
  const reported: Detection[] = [];
  const s = stage(reported, true);
  const rs = records(prng(9)).filter((r) => r.dst.startsWith('5.0.0.'));
  // All darknet probes arrive at once, with the wall clock at the last probe's time.
  const wall = Math.max(...rs.map((r) => r.end));
  s.observe(rs, wall);
  const before = reported.filter((d) => d.kind === 'scanner').length;
  s.tick(wall + 1_000);
  assert.equal(reported.filter((d) => d.kind === 'scanner').length, before, 'no advance before a step of idle wall time');
  s.tick(wall + 6_000);
  assert.ok(reported.filter((d) => d.kind === 'scanner').length > before, 'scanners reported after the feed went quiet');
});
