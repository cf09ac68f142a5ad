import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BeaconDetector } from '../../../src/core/detect/beacon-detector.js';
import { RitaBeaconScorer } from '../../../src/core/detect/rita-beacon-scorer.js';
import { SakimoriBeaconScorer } from '../../../src/core/detect/sakimori-beacon-scorer.js';
import type { Detection } from '../../../src/core/detect/detection.js';
import { byTime, flow, host, periodic, poisson, prng, replay, T0 } from './traffic.js';

const HOUR = 3_600_000;
const C2 = '45.67.89.10';
const NTP = '129.6.15.28';
const UPDATE = '13.107.4.50';
const TELEMETRY = '52.1.2.3';

/** 200 internal hosts over 3 h: 6 jittered bots, NTP, update checks, telemetry, and Poisson browsing. */
function population(seed: number): ReturnType<typeof periodic> {
  const rnd = prng(seed);
  const hosts = Array.from({ length: 200 }, (_, i) => host(i));
  const to = T0 + 3 * HOUR;
  const flows = [
    ...periodic({ hosts: hosts.slice(0, 6), dst: C2, dstPort: 4444, proto: 6, periodMs: 60_000, jitter: 0.3, octets: 180, sizeJitter: 0.05, packets: 4, from: T0, to }, rnd),
    ...periodic({ hosts: hosts.slice(10, 160), dst: NTP, dstPort: 123, proto: 17, periodMs: 64_000, jitter: 0.01, octets: 76, sizeJitter: 0, packets: 1, from: T0, to }, rnd),
    ...periodic({ hosts: hosts.slice(50, 150), dst: UPDATE, dstPort: 443, proto: 6, periodMs: 300_000, jitter: 0.01, octets: 900, sizeJitter: 0.03, packets: 8, from: T0, to }, rnd),
    ...periodic({ hosts: hosts.slice(30, 150), dst: TELEMETRY, dstPort: 443, proto: 6, periodMs: 120_000, jitter: 0.05, octets: 1500, sizeJitter: 0.1, packets: 6, from: T0, to }, rnd),
  ];
  for (let i = 0; i < 200; i += 5) flows.push(...poisson([hosts[i]], `93.184.${i}.34`, 443, 90_000, T0, to, rnd));
  return byTime(flows);
}

function c2Keys(ds: Iterable<Detection>, minScore: number): Set<string> {
  const out = new Set<string>();
  for (const d of ds) if (d.kind === 'c2' && d.score >= minScore) out.add(`${d.ip}:${d.port}`);
  return out;
}

function runDetector(det: BeaconDetector, flows: ReturnType<typeof population>): Map<string, Detection> {
  const last = new Map<string, Detection>();
  const wrapped = {
    observe: (f: Parameters<BeaconDetector['observe']>[0]) => det.observe(f),
    advance: (now: number) => {
      const ds = det.advance(now);
      for (const d of ds) last.set(`${d.ip}:${d.port}`, d);
      return ds;
    },
  };
  replay(wrapped, flows);
  return last;
}

test('beacon: jittered bots are found, NTP/update/telemetry are not; the RITA method flags the benign services', () => {
  const flows = population(7);
  const ours = runDetector(new BeaconDetector({ scorer: new SakimoriBeaconScorer() }), flows);
  const rita = runDetector(new BeaconDetector({ capacity: 256, windowMs: 24 * HOUR, scorer: new RitaBeaconScorer() }), flows);

  const oursFlagged = c2Keys(ours.values(), 0.6);
  const ritaFlagged = c2Keys(rita.values(), 0.5);
  assert.ok(oursFlagged.has(`${C2}:4444`), `C&C not found: ${[...oursFlagged].join(', ')}`);
  const c2 = ours.get(`${C2}:4444`)!;
  assert.equal(c2.evidence.peers, 6);
  assert.deepEqual([...(c2.bots ?? [])].sort(), Array.from({ length: 6 }, (_, i) => host(i)).sort());
  assert.ok(Math.abs(Number(c2.evidence.facts?.intervalS) - 60) < 10, String(c2.evidence.facts?.intervalS));

  const benign = [`${NTP}:123`, `${UPDATE}:443`, `${TELEMETRY}:443`];
  const oursBenign = benign.filter((k) => oursFlagged.has(k));
  const ritaBenign = benign.filter((k) => ritaFlagged.has(k));
  assert.deepEqual(oursBenign, []);
  assert.ok(ritaBenign.length >= 2, `RITA method flagged only ${ritaBenign.join(', ')}`);
  assert.ok(ritaFlagged.has(`${C2}:4444`), 'the baseline also finds the bots');
  // Poisson browsing is not a beacon for ours; the RITA method's duration term (any pair seen all
  // along scores 1 there) and its +0.15 rarity modifier push hours-long random traffic over 0.5.
  const oursFalse = [...oursFlagged].filter((k) => k !== `${C2}:4444`);
  const ritaFalse = [...ritaFlagged].filter((k) => k !== `${C2}:4444`);
  assert.deepEqual(oursFalse, []);
  assert.ok(ritaFalse.length > 10, `RITA false positives: ${ritaFalse.length}`);
});

test('beacon: ± 30 % jitter and 30 % missing connections still score; Poisson traffic does not', () => {
  const rnd = prng(11);
  const scorer = new SakimoriBeaconScorer();
  for (const [jitter, miss] of [[0.3, 0], [0.3, 0.3], [0.5, 0]]) {
    const det = new BeaconDetector({ scorer });
    const flows = periodic({ hosts: [host(1)], dst: C2, dstPort: 8080, proto: 6, periodMs: 120_000, jitter, octets: 300, sizeJitter: 0.05, packets: 5, from: T0, to: T0 + 2 * HOUR, miss }, rnd);
    const first = replay(det, flows);
    const at = first.get(`c2|${C2}|8080|6`);
    assert.ok(at !== undefined, `jitter ${jitter} miss ${miss}: not detected`);
    // Within about 20 check-ins (40 min), missed ones included.
    assert.ok(at - T0 <= 40 * 60_000, `jitter ${jitter} miss ${miss}: after ${(at - T0) / 60_000} min`);
  }
  const det = new BeaconDetector({ scorer });
  for (const f of byTime(poisson([host(2), host(3)], C2, 8080, 60_000, T0, T0 + 2 * HOUR, rnd))) det.observe(f);
  assert.deepEqual(det.advance(T0 + 2 * HOUR), []);
  assert.ok(det.pairScore(host(2), C2, 8080, 6) < 0.4, String(det.pairScore(host(2), C2, 8080, 6)));
});

test('beacon: a candidate appears at the first advance after the flow that makes it one', () => {
  const det = new BeaconDetector();
  const rnd = prng(3);
  const flows = periodic({ hosts: [host(9)], dst: C2, dstPort: 5555, proto: 6, periodMs: 30_000, jitter: 0.2, octets: 100, sizeJitter: 0, packets: 2, from: T0, to: T0 + 15 * 30_000 }, rnd);
  const first = replay(det, flows, 5_000);
  const at = first.get(`c2|${C2}|5555|6`);
  assert.ok(at !== undefined, 'never detected');
  // The flow that tipped it is the last one observed before `at`; it arrived at most one step earlier.
  const before = flows.filter((f) => f.record.start < at).at(-1)!;
  assert.ok(at - before.record.start <= 5_000, `${at - before.record.start} ms`);
  assert.ok(at - T0 < 15 * 30_000);
});

test('beacon: records that continue one connection (active-timeout splits) are not beacons', () => {
  const det = new BeaconDetector();
  // One long TCP connection exported every 60 s: same client port, each record starting where the last ended.
  for (let i = 0; i < 40; i++) det.observe(flow({ src: host(4), dst: C2, dstPort: 443, srcPort: 51000, start: T0 + i * 60_000, durationMs: 60_000, octets: 5000, packets: 10 }));
  assert.deepEqual(det.advance(T0 + 41 * 60_000), []);
});

test('beacon: state is bounded by maxPairs and idle pairs are swept', () => {
  const det = new BeaconDetector({ maxPairs: 100, windowMs: HOUR });
  for (let i = 0; i < 1000; i++) det.observe(flow({ src: host(i % 250), dst: `60.0.${i >> 8}.${i & 255}`, dstPort: 443, start: T0 + i, octets: 100, packets: 1 }));
  assert.equal(det.stateSize().entries, 100);
  assert.equal(det.evicted, 900);
  assert.ok(det.stateSize().approxBytes > 0);
  det.advance(T0 + 2 * HOUR);
  assert.equal(det.stateSize().entries, 0);
});

test('beacon: an update service answering from many addresses of one /24 is still a shared service', () => {
  const rnd = prng(17);
  const hosts = Array.from({ length: 120 }, (_, i) => host(i));
  const to = T0 + 2 * HOUR;
  const flows = [];
  // 96 hosts check for updates every 5 min, each pinned to one of 16 addresses (6 hosts each, under the 8-host prevalence minimum per address).
  for (let i = 0; i < 96; i++) {
    flows.push(...periodic({ hosts: [hosts[i]], dst: `13.107.4.${10 + (i % 16)}`, dstPort: 443, proto: 6, periodMs: 300_000, jitter: 0.02, octets: 900, sizeJitter: 0.03, packets: 8, from: T0, to }, rnd));
  }
  flows.push(...periodic({ hosts: hosts.slice(100, 104), dst: C2, dstPort: 443, proto: 6, periodMs: 300_000, jitter: 0.3, octets: 400, sizeJitter: 0.05, packets: 5, from: T0, to }, rnd));
  const det = new BeaconDetector();
  const first = replay(det, byTime(flows));
  assert.ok(first.has(`c2|${C2}|443|6`));
  assert.deepEqual([...first.keys()].filter((k) => k.includes('13.107.4.')), []);
});

test('sakimori beacon: clearly regular intervals and agreeing bots are reported early; pairs alone, or cross-host off, take longer', () => {
  const rnd = prng(31);
  const hosts = Array.from({ length: 400 }, (_, i) => host(i));
  const to = T0 + 2 * HOUR;
  // Five bots, 120 s ± 20 %, on a fresh C&C that lives only 11 minutes (≈ 5 check-ins each).
  const flows = [...periodic({ hosts: hosts.slice(0, 5), dst: C2, dstPort: 6667, proto: 6, periodMs: 120_000, jitter: 0.2, octets: 200, sizeJitter: 0.02, packets: 5, from: T0 + HOUR, to: T0 + HOUR + 11 * 60_000 }, rnd)];
  for (let i = 0; i < 400; i += 2) flows.push(...poisson([hosts[i]], `93.184.${i % 200}.34`, 443, 120_000, T0, to, rnd));
  const sorted = byTime(flows);
  const crossHost = new BeaconDetector({ scorer: new SakimoriBeaconScorer(), supportScore: 0.3 });
  const first = replay(crossHost, sorted);
  assert.ok(first.has(`c2|${C2}|6667|6`), [...first.keys()].join(', '));
  assert.equal([...first.keys()].filter((k) => !k.includes(C2)).length, 0, 'no browsing endpoint reported');
  // Without cross-host evidence and with the old confidence (16 intervals always), no single pair has enough.
  const alone = new BeaconDetector({ scorer: new SakimoriBeaconScorer({ fastConfidenceIntervals: 16 }) });
  assert.ok(!replay(alone, sorted).has(`c2|${C2}|6667|6`));
});
