import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FanInDetector } from '../../../src/core/detect/fan-in-detector.js';
import { binomialTail, SeedPeerDetector } from '../../../src/core/detect/seed-peer-detector.js';
import type { DetectionFlow } from '../../../src/core/detect/detection.js';
import { byTime, flow, host, prng, replay, T0 } from './traffic.js';

const C2 = '185.10.20.30';
const RESOLVER = '8.8.8.8';

test('seed-peer: the endpoint several seeds share, and few others, is ranked; a popular resolver is not', () => {
  const rnd = prng(21);
  const det = new SeedPeerDetector();
  const seedsA = [host(1), host(2), host(3), host(4)];
  const seedsB = [host(5), '203.0.113.77'];
  assert.equal(det.addSeeds(seedsA, 'darknet-a'), 4);
  assert.equal(det.addSeeds([...seedsB, host(1)], 'darknet-b'), 2);
  const flows: DetectionFlow[] = [];
  for (const [i, s] of [...seedsA, ...seedsB].entries()) {
    // Each seed checks in with the C&C a few times, always about 120 bytes.
    for (let k = 0; k < 4; k++) flows.push(flow({ src: s, dst: C2, dstPort: 6667, start: T0 + i * 1000 + k * 60_000, octets: 120 + rnd() * 6, packets: 3 }));
    // And asks the resolver like everybody.
    flows.push(flow({ src: s, dst: RESOLVER, dstPort: 53, proto: 17, start: T0 + i * 1000 + 500, octets: 70, packets: 1 }));
  }
  // One seed alone talks to some other host: not enough.
  flows.push(flow({ src: host(2), dst: '198.51.100.9', dstPort: 8443, start: T0 + 30_000, octets: 500, packets: 4 }));
  // 150 ordinary hosts use the resolver; two also reach the C&C (unlisted bots).
  for (let i = 100; i < 250; i++) flows.push(flow({ src: host(i), dst: RESOLVER, dstPort: 53, proto: 17, start: T0 + 10_000 + i * 100, octets: 70, packets: 1 }));
  flows.push(flow({ src: host(300), dst: C2, dstPort: 6667, start: T0 + 200_000, octets: 125, packets: 3 }));
  flows.push(flow({ src: host(301), dst: C2, dstPort: 6667, start: T0 + 210_000, octets: 125, packets: 3 }));

  replay(det, byTime(flows));
  const now = T0 + 300_000;
  assert.ok(det.endpointScore(C2, 6667, 6) >= 0.8, String(det.endpointScore(C2, 6667, 6)));
  assert.ok(det.endpointScore(RESOLVER, 53, 17) < 0.3, String(det.endpointScore(RESOLVER, 53, 17)));
  assert.equal(det.endpointScore('198.51.100.9', 8443, 6), 0);
  // A fresh change makes advance() report the current state of the C&C.
  det.observe(flow({ src: host(3), dst: C2, dstPort: 6667, start: now, octets: 121, packets: 3 }));
  const ds = det.advance(now + 1000);
  const c2 = ds.find((d) => d.ip === C2);
  assert.ok(c2);
  assert.equal(c2.kind, 'c2');
  assert.equal(c2.evidence.seedPeers, 6);
  assert.equal(c2.evidence.facts?.nonSeedHosts, 2);
  assert.equal(c2.evidence.facts?.seedLists, 2);
  assert.deepEqual(c2.detectors, ['seed-peer']);
  assert.ok(!ds.some((d) => d.ip === RESOLVER));
  // A scanner probing a seed's telnet port does not become the seed's peer.
  det.observe(flow({ src: '192.0.2.200', dst: host(1), dstPort: 23, srcPort: 40000, start: now + 2000, octets: 60, packets: 1, srcDomestic: false, dstDomestic: true }));
  det.observe(flow({ src: '192.0.2.201', dst: host(2), dstPort: 23, srcPort: 40001, start: now + 2000, octets: 60, packets: 1, srcDomestic: false, dstDomestic: true }));
  assert.equal(det.endpointScore('192.0.2.200', 40000, 6), 0);
  // But a one-way export of the C&C's replies (service port → seed's client port) counts.
  det.observe(flow({ src: '100.64.1.1', dst: host(1), dstPort: 50000, srcPort: 7777, start: now + 3000, octets: 200, packets: 2, srcDomestic: false, dstDomestic: true }));
  det.observe(flow({ src: '100.64.1.1', dst: host(2), dstPort: 50001, srcPort: 7777, start: now + 3000, octets: 200, packets: 2, srcDomestic: false, dstDomestic: true }));
  assert.ok(det.endpointScore('100.64.1.1', 7777, 6) > 0);
});

test('seed-peer with a population counter: seeds concentrated on an endpoint count, seeds visiting a site like everyone do not; SYN-only probes are skipped', () => {
  // Binomial tail against direct sums.
  assert.ok(Math.abs(binomialTail(1, 3, 0.5) - 7 / 8) < 1e-12);
  assert.ok(Math.abs(binomialTail(2, 5, 0.1) - (1 - 0.9 ** 5 - 5 * 0.1 * 0.9 ** 4)) < 1e-12);
  assert.equal(binomialTail(0, 5, 0.1), 1);
  assert.equal(binomialTail(6, 5, 0.1), 0);
  const seeds = [host(1), host(2), host(3), host(4), host(5)];
  // 400 active hosts; the C&C has the 5 seeds and 1 other host; the site has 4 seeds among 120 hosts.
  const hostsOn: Record<string, number> = { [C2]: 6, '93.184.216.34': 120, '198.51.100.7': 3 };
  const prevalence = { serviceHosts: (ip: string) => hostsOn[ip] ?? 0, endpointHosts: (ip: string) => hostsOn[ip] ?? 0, activeHosts: 400 };
  const det = new SeedPeerDetector({}, prevalence);
  det.addSeeds(seeds, 'notice');
  const rnd = prng(3);
  const flows: DetectionFlow[] = [];
  for (const [i, s] of seeds.entries()) {
    for (let k = 0; k < 4; k++) flows.push(flow({ src: s, dst: C2, dstPort: 6667, start: T0 + i * 1000 + k * 120_000, octets: 120 + rnd() * 6, packets: 3 }));
    if (i < 4) for (let k = 0; k < 3; k++) flows.push(flow({ src: s, dst: '93.184.216.34', dstPort: 443, start: T0 + i * 7000 + k * 90_000, octets: 1000 * 30 ** rnd(), packets: 5 + Math.floor(rnd() * 80) }));
    // Three scanning seeds probe the same address (SYN only).
    if (i < 3) for (let k = 0; k < 3; k++) {
      const f = flow({ src: s, dst: '198.51.100.7', dstPort: 23, start: T0 + i * 3000 + k * 60_000, octets: 40, packets: 1 });
      f.record.tcpFlags = 0x02;
      flows.push(f);
    }
  }
  replay(det, byTime(flows));
  assert.ok(det.endpointScore(C2, 6667, 6) >= 0.8, String(det.endpointScore(C2, 6667, 6)));
  assert.ok(det.endpointScore('93.184.216.34', 443, 6) < 0.3, String(det.endpointScore('93.184.216.34', 443, 6)));
  assert.equal(det.endpointScore('198.51.100.7', 23, 6), 0);
});

test('seed-peer: endpoints expire after the window and the table is bounded', () => {
  const det = new SeedPeerDetector({ maxEndpoints: 50, windowMs: 60_000 });
  det.addSeeds([host(1)], 'list');
  for (let i = 0; i < 500; i++) det.observe(flow({ src: host(1), dst: `60.1.${i >> 8}.${i & 255}`, dstPort: 80, start: T0 + i, octets: 100, packets: 1 }));
  assert.equal(det.stateSize().entries, 50 + 1);
  assert.equal(det.evicted, 450);
  det.advance(T0 + 10 * 60_000);
  assert.equal(det.stateSize().entries, 1);
});

test('fan-in: many hosts, one rare foreign endpoint, same flow shape → candidate; popular or varied endpoints are not', () => {
  const rnd = prng(5);
  const det = new FanInDetector();
  const flows: DetectionFlow[] = [];
  // 200 active hosts browsing.
  for (let i = 0; i < 200; i++) flows.push(flow({ src: host(i), dst: `93.184.${i}.1`, dstPort: 443, start: T0 + rnd() * 300_000, octets: 2000 + rnd() * 50_000, packets: 10 + Math.floor(rnd() * 50) }));
  // 14 bots: 60-byte single-packet check-ins to tcp/23 of one foreign host, every ~2 min.
  for (let i = 0; i < 14; i++) for (let k = 0; k < 3; k++) flows.push(flow({ src: host(i * 7), dst: C2, dstPort: 23, start: T0 + rnd() * 60_000 + k * 120_000, octets: 60, packets: 1 }));
  // An hourly update check: 14 hosts in the window, each once, same shape — hosts that do not recur.
  for (let i = 0; i < 14; i++) flows.push(flow({ src: host(i * 5 + 3), dst: '40.1.2.3', dstPort: 443, start: T0 + rnd() * 300_000, octets: 9000, packets: 14 }));
  // A CDN half the hosts use.
  for (let i = 0; i < 100; i++) flows.push(flow({ src: host(i * 2), dst: '23.1.1.1', dstPort: 443, start: T0 + rnd() * 300_000, octets: 1000 + rnd() * 100_000, packets: 5 + Math.floor(rnd() * 100) }));
  // A rare site 12 hosts visit, with ordinary varied flows.
  for (let i = 0; i < 12; i++) flows.push(flow({ src: host(i * 11 + 1), dst: '77.7.7.7', dstPort: 443, start: T0 + rnd() * 300_000, octets: 500 * 20 ** rnd(), packets: 3 + Math.floor(rnd() * 60) }));
  const first = replay(det, byTime(flows));
  assert.ok(first.has(`c2|${C2}|23|6`), [...first.keys()].join(', '));
  assert.ok(!first.has('c2|23.1.1.1|443|6'));
  assert.ok(!first.has('c2|77.7.7.7|443|6'));
  assert.ok(!first.has('c2|40.1.2.3|443|6'), 'hosts that check in once do not count');
  assert.ok(det.endpointScore(C2, 23, 6) >= 0.5);
  // The window closes: hosts age out and the endpoint with them.
  det.advance(T0 + 3_600_000);
  assert.equal(det.endpointScore(C2, 23, 6), 0);
  assert.equal(det.activeHosts, 0);
});

test('fan-in: with the shared prevalence counter, a service many hosts use over hours is not a C&C, however rare in the window', () => {
  const rnd = prng(6);
  const flows: DetectionFlow[] = [];
  for (let i = 0; i < 200; i++) flows.push(flow({ src: host(i), dst: `93.184.${i}.1`, dstPort: 443, start: T0 + rnd() * 300_000, octets: 2000 + rnd() * 50_000, packets: 10 + Math.floor(rnd() * 50) }));
  // 14 hosts checking in alike with one endpoint within the window.
  for (let i = 0; i < 14; i++) for (let k = 0; k < 3; k++) flows.push(flow({ src: host(i * 7), dst: C2, dstPort: 4444, start: T0 + rnd() * 60_000 + k * 120_000, octets: 76, packets: 1 }));
  const prevalence = (serviceHosts: number) => ({ serviceHosts: () => serviceHosts, endpointHosts: () => 14, activeHosts: 200 });
  // The beacon window saw 60 of the 200 hosts on that service (30 %): shared.
  const shared = new FanInDetector({}, prevalence(60));
  assert.ok(!replay(shared, byTime(flows)).has(`c2|${C2}|4444|6`));
  assert.equal(shared.endpointScore(C2, 4444, 6), 0);
  // Only the 14 (7 %): still rarer than shared, less than rare: scaled down, not reported.
  const some = new FanInDetector({}, prevalence(14));
  replay(some, byTime(flows));
  const s = some.endpointScore(C2, 4444, 6);
  assert.ok(s > 0 && s < 0.5, String(s));
  // Without the counter, the window alone judges (14 of 200 = 7 %, rare there).
  const alone = new FanInDetector();
  assert.ok(replay(alone, byTime(flows)).has(`c2|${C2}|4444|6`));
});

test('fan-in: endpoint table bounded by maxEndpoints', () => {
  const det = new FanInDetector({ maxEndpoints: 10 });
  for (let i = 0; i < 100; i++) det.observe(flow({ src: host(i % 3), dst: `60.2.0.${i}`, dstPort: 80, start: T0 + i, octets: 100, packets: 1 }));
  assert.equal(det.evicted, 90);
  assert.equal(det.stateSize().entries, 10 + 3);
});
