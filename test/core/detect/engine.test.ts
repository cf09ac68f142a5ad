import { test } from 'node:test';
import assert from 'node:assert/strict';
import { behaviourSelector } from '../../../src/core/detect/behaviour-selector.js';
import { createC2Engine } from '../../../src/core/detect/c2-engine.js';
import type { Detection, DetectionFlow, Detector } from '../../../src/core/detect/detection.js';
import { DetectionEngine } from '../../../src/core/detect/detection-engine.js';
import type { SeedPeerDetector } from '../../../src/core/detect/seed-peer-detector.js';
import { byTime, flow, host, periodic, prng, replay, T0 } from './traffic.js';

const C2 = '185.10.20.30';
const HOUR = 3_600_000;

/**
 * 600 browsing hosts; 12 Mirai-like bots (2 % of them; 4 on a seed list) checking in with C2:23
 * every 60 s ± 30 %. (A botnet is a small subset of the hosts: from 10 % on an endpoint is a
 * shared service to the prevalence rule.)
 */
function scenario(): { flows: DetectionFlow[]; bots: string[] } {
  const rnd = prng(99);
  const flows: DetectionFlow[] = [];
  for (let i = 0; i < 600; i++) {
    for (let k = 0; k < 6; k++) flows.push(flow({ src: host(i), dst: `93.184.${i}.${k}`, dstPort: 443, srcPort: 30000 + k, start: T0 + rnd() * 20 * 60_000, octets: 2000 + rnd() * 50_000, packets: 10 + Math.floor(rnd() * 50) }));
  }
  const bots = Array.from({ length: 12 }, (_, i) => host(i * 13 + 2));
  flows.push(...periodic({ hosts: bots, dst: C2, dstPort: 23, proto: 6, periodMs: 60_000, jitter: 0.3, octets: 64, sizeJitter: 0.02, packets: 1, from: T0, to: T0 + 20 * 60_000 }, rnd));
  return { flows: byTime(flows), bots };
}

test('engine: detectors agree on one candidate; combined score, family, bots, evidence', () => {
  const { flows, bots } = scenario();
  const engine = createC2Engine({ method: 'sakimori' });
  engine.detector<SeedPeerDetector>('seed-peer')!.addSeeds(bots.slice(0, 4), 'darknet');
  replay(engine, flows);
  const all = engine.current();
  const c2 = all.find((d) => d.kind === 'c2' && d.ip === C2);
  assert.ok(c2, all.map((d) => `${d.kind} ${d.ip}:${d.port}`).join(', '));
  assert.deepEqual(c2.detectors, ['beacon', 'fan-in', 'seed-peer']);
  const s = c2.evidence.scores;
  const noisyOr = 1 - (1 - s.beacon!) * (1 - s['fan-in']!) * (1 - s['seed-peer']!);
  assert.ok(Math.abs(c2.score - noisyOr) < 0.002, `${c2.score} vs ${noisyOr}`);
  assert.ok(c2.score >= Math.max(s.beacon!, s['fan-in']!, s['seed-peer']!));
  assert.equal(c2.family, 'mirai');
  assert.equal(c2.evidence.seedPeers, 4);
  assert.equal(c2.evidence.peers, 12);
  assert.equal(c2.country, 'US');
  assert.equal(c2.as, 64500);
  assert.ok(c2.firstSeen >= T0 && c2.lastSeen > c2.firstSeen);
  assert.equal(all[0], c2, 'ranked first');
  // Every bot is reported, as a bot, and nothing else is.
  const botIps = all.filter((d) => d.kind === 'bot').map((d) => d.ip).sort();
  assert.deepEqual(botIps, [...bots].sort());
  const bot = all.find((d) => d.kind === 'bot')!;
  assert.ok(Math.abs(bot.score - c2.score * 0.9) < 0.002);
  assert.equal(bot.country, 'JP');
  assert.equal(all.filter((d) => d.kind === 'c2').length, 1);
  assert.ok(engine.stateSize().approxBytes > 0);
});

test('engine: candidates and bots expire after the TTL unless refreshed', () => {
  const { flows } = scenario();
  const engine = createC2Engine({ method: 'sakimori', engine: { ttlMs: 10 * 60_000 }, beacon: { ttlMs: 10 * 60_000 }, fanIn: { ttlMs: 10 * 60_000 } });
  replay(engine, flows);
  assert.ok(engine.c2(C2, 23, 6));
  const end = flows.at(-1)!.record.end;
  engine.advance(end + 5 * 60_000);
  assert.ok(engine.c2(C2, 23, 6), 'still within the TTL');
  engine.advance(end + 11 * 60_000);
  assert.equal(engine.c2(C2, 23, 6), undefined);
  assert.deepEqual(engine.current(), []);
});

test('engine: the RITA method runs the baseline beacon detector alone', () => {
  const engine = createC2Engine({ method: 'rita' });
  assert.deepEqual(engine.detectors.map((d) => d.name), ['beacon']);
  const rnd = prng(4);
  const flows = periodic({ hosts: [host(1), host(2)], dst: C2, dstPort: 8080, proto: 6, periodMs: 60_000, jitter: 0, octets: 100, sizeJitter: 0, packets: 2, from: T0, to: T0 + 8 * HOUR }, rnd);
  replay(engine, flows, 60_000);
  const c2 = engine.c2(C2, 8080, 6);
  assert.ok(c2);
  assert.equal(c2.evidence.facts?.['beacon.method'], 'rita');
  // A perfect beacon scores 1 on all four parts; both internal hosts use it (prevalence 100 % ≥ 50 %), so RITA's modifier takes 0.15 off.
  assert.equal(c2.evidence.scores.beacon, 0.85);
});

test('behaviour selector: C&C endpoints, beacon score, seeds and bots as flow predicates', () => {
  const { flows, bots } = scenario();
  const engine = createC2Engine({ method: 'sakimori' });
  // Three seeds: with the enrichment test, two seeds among 12 hosts on a 600-host network are too weak for seed-peer to report.
  engine.detector<SeedPeerDetector>('seed-peer')!.addSeeds([bots[0], bots[1], bots[2]], 'darknet');
  replay(engine, flows);
  const toC2 = flow({ src: host(199), dst: C2, dstPort: 23, start: T0, octets: 60, packets: 1 }).record;
  const fromC2 = flow({ src: C2, dst: host(199), dstPort: 50000, srcPort: 23, start: T0, octets: 60, packets: 1 }).record;
  const otherPort = flow({ src: host(199), dst: C2, dstPort: 80, start: T0, octets: 60, packets: 1 }).record;
  const botBrowsing = flow({ src: bots[5], dst: '93.184.0.0', dstPort: 443, start: T0, octets: 60, packets: 1 }).record;
  const seedFlow = flow({ src: bots[0], dst: '93.184.0.0', dstPort: 443, start: T0, octets: 60, packets: 1 }).record;
  const beaconFlow = flow({ src: bots[3], dst: C2, dstPort: 23, start: T0, octets: 60, packets: 1 }).record;

  const c2Sel = behaviourSelector(engine, { c2MinScore: 0.5 });
  assert.equal(c2Sel(toC2), true);
  assert.equal(c2Sel(fromC2), true);
  assert.equal(c2Sel(otherPort), false);
  assert.equal(c2Sel(botBrowsing), false);
  assert.equal(behaviourSelector(engine, { c2MinScore: 1.01 })(toC2), false);
  assert.equal(behaviourSelector(engine, { c2MinScore: 0, c2Detectors: ['seed-peer'] })(toC2), true);
  assert.equal(behaviourSelector(engine, { beaconMinScore: 0.6 })(beaconFlow), true);
  assert.equal(behaviourSelector(engine, { beaconMinScore: 0.6 })(toC2), false, 'host 199 never beaconed');
  assert.equal(behaviourSelector(engine, { seeds: true })(seedFlow), true);
  assert.equal(behaviourSelector(engine, { seeds: true })(botBrowsing), false);
  assert.equal(behaviourSelector(engine, { bots: true })(botBrowsing), true);
  assert.equal(behaviourSelector(engine, {})(toC2), false);
  assert.ok(engine.c2Endpoints(0.5).has(`${C2}|23|6`));
});

test('engine: only a strong C&C candidate (combined score ≥ botMinScore) makes bots', () => {
  let score = 0.5;
  const fake: Detector = {
    name: 'seed-peer',
    observe: () => undefined,
    advance: (now: number): Detection[] => [
      { kind: 'c2', ip: C2, port: 23, proto: 6, score, detectors: ['seed-peer'], country: 'US', as: 64500, firstSeen: T0, lastSeen: now, expiresAt: now + HOUR, evidence: { flows: 4, peers: 2, scores: { 'seed-peer': score } }, bots: [host(1), host(2)] },
    ],
    stateSize: () => ({ entries: 0, approxBytes: 0 }),
  };
  const engine = new DetectionEngine([fake]);
  const toC2 = flow({ src: host(3), dst: C2, dstPort: 23, start: T0 + 1000, octets: 60, packets: 1 });
  engine.advance(T0 + 5000);
  engine.observe(toC2);
  assert.ok(engine.c2(C2, 23, 6), 'the weak candidate is still ranked');
  assert.deepEqual(engine.current().filter((d) => d.kind === 'bot'), []);
  assert.equal(engine.isBot(host(1)) || engine.isBot(host(3)), false);
  score = 0.7;
  const out = engine.advance(T0 + 10_000);
  engine.observe(toC2);
  assert.deepEqual(out.filter((d) => d.kind === 'bot').map((d) => d.ip).sort(), [host(1), host(2)].sort());
  assert.ok(engine.isBot(host(3)), 'a host talking to a strong candidate is a bot');
  // The default is 0.6; a deployment may set it.
  const lax = new DetectionEngine([{ ...fake, advance: (now: number) => fake.advance(now).map((d) => ({ ...d, score: 0.4 })) }], { botMinScore: 0.3 });
  assert.equal(lax.advance(T0 + 5000).filter((d) => d.kind === 'bot').length, 2);
});
