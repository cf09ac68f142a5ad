import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DarknetObservatory, mergeDetections } from '../../../src/core/darknet/darknet-observatory.js';
import { DarknetPrefixes } from '../../../src/core/darknet/darknet-prefixes.js';
import { DarknetScanDetector } from '../../../src/core/darknet/darknet-scan-detector.js';
import { DarknetSeedList } from '../../../src/core/darknet/darknet-seeds.js';
import type { Detection } from '../../../src/core/detect/detection.js';
import { isSakimoriError } from '../../../src/core/errors.js';
import { prng } from '../../../src/demo/synthetic-flows.js';
import { backscatter, DARKNET, locate, miraiScanner, normalTraffic, parseCapture, pcapBuffer, plainScanner, sorted, T0, toDetectionFlow, udpScanner } from './darknet-fixtures.js';

function run(packets: Parameters<typeof pcapBuffer>[0], settings: ConstructorParameters<typeof DarknetObservatory>[1] = {}): { detections: Detection[]; obs: DarknetObservatory } {
  const obs = new DarknetObservatory(DarknetPrefixes.parse(DARKNET), { locate, ...settings });
  const { packets: parsed, bad } = parseCapture(pcapBuffer(sorted(packets)));
  assert.equal(bad, 0);
  const latest = new Map<string, Detection>();
  let next = 0;
  for (const p of parsed) {
    obs.observe(toDetectionFlow(p));
    if (p.time >= next) {
      for (const d of obs.advanceEach(p.time)) latest.set(`${d.ip}|${d.kind}|${d.detectors.join()}`, d);
      next = p.time + 10_000;
    }
  }
  for (const d of obs.advanceEach(parsed[parsed.length - 1].time)) latest.set(`${d.ip}|${d.kind}|${d.detectors.join()}`, d);
  return { detections: mergeDetections([...latest.values()]), obs };
}

const byIp = (ds: Detection[], ip: string, kind: Detection['kind']) => ds.find((d) => d.ip === ip && d.kind === kind);

test('Mirai scanners (seq = destination) are scanners of family mirai; random-seq scanners are scanners without a family', () => {
  const rnd = prng(7);
  const packets = [
    ...miraiScanner('1.0.0.10', 40, rnd),
    ...miraiScanner('2.0.0.20', 25, rnd),
    ...plainScanner('1.0.0.30', 60, rnd),
    ...udpScanner('2.0.0.40', 30, rnd),
    ...normalTraffic(500, rnd),
  ];
  const { detections, obs } = run(packets);
  for (const ip of ['1.0.0.10', '2.0.0.20']) {
    const d = byIp(detections, ip, 'scanner');
    assert.ok(d, `${ip} not detected`);
    assert.equal(d.family, 'mirai');
    assert.deepEqual([...d.detectors].sort(), ['darknet-scan', 'mirai-fingerprint']);
    assert.equal(d.evidence.facts?.matchRatio, 1);
    assert.match(String(d.evidence.facts?.topPorts), /tcp\/23/);
    assert.ok(d.score > 0.95);
  }
  const plain = byIp(detections, '1.0.0.30', 'scanner');
  assert.ok(plain);
  assert.equal(plain.family, undefined);
  assert.deepEqual(plain.detectors, ['darknet-scan']);
  assert.equal(plain.country, 'JP');
  assert.equal(plain.as, 64500);
  assert.equal(plain.evidence.facts?.domestic, true);
  assert.ok(Math.abs(plain.evidence.peers - 60) <= 1, `distinct addresses ${plain.evidence.peers}`);
  const udp = byIp(detections, '2.0.0.40', 'scanner');
  assert.ok(udp && udp.family === undefined);
  assert.equal(udp.evidence.facts?.topPorts, 'udp/5060');
  assert.equal(udp.evidence.facts?.domestic, false);
  // Normal traffic (outside the darknet) and the host that hits one darknet address 20 times are not flagged.
  assert.equal(detections.filter((d) => d.ip.startsWith('1.0.0.') && !['1.0.0.10', '1.0.0.30'].includes(d.ip)).length, 0);
  assert.equal(detections.length, 4, JSON.stringify(detections.map((d) => d.ip)));
  assert.equal(obs.counters.outsideDarknet, 500);
});

test('a scanner below the address threshold is not flagged; Mirai needs two fingerprinted SYNs', () => {
  const rnd = prng(8);
  const { detections } = run([...plainScanner('1.0.0.50', 5, rnd), ...miraiScanner('1.0.0.51', 1, rnd), ...plainScanner('1.0.0.51', 3, rnd)]);
  assert.deepEqual(detections, []);
});

test('backscatter (SYN-ACK, RST, ICMP unreachable quoting the flood) names the victim with an estimated attack rate', () => {
  const rnd = prng(9);
  const victim = '2.0.0.99';
  const { detections } = run([...backscatter(victim, '2.0.0.254', 400, rnd), ...normalTraffic(200, rnd)]);
  const v = byIp(detections, victim, 'ddos-victim');
  assert.ok(v, JSON.stringify(detections));
  assert.deepEqual(v.detectors, ['backscatter']);
  assert.equal(v.country, 'US');
  assert.equal(v.evidence.facts?.attackedPort, 80);
  assert.match(String(v.evidence.facts?.kinds), /syn-ack:\d+,rst:\d+,unreachable:\d+/);
  // All 400 packets (ICMP ones re-attributed to the quoted destination) over ~120 s, scaled by 2^32 / 131072.
  assert.equal(v.evidence.facts?.backscatterPackets, 400);
  const observed = Number(v.evidence.facts?.observedPacketsPerSecond);
  assert.ok(observed > 3.2 && observed < 3.6, `observed ${observed}`);
  assert.ok(Math.abs(Number(v.evidence.facts?.estimatedAttackPacketsPerSecond) - observed * 32768) <= 0.001 * 32768);
  // The router answering ICMP is not a victim, nor a scanner; backscatter is not scanning.
  assert.equal(detections.filter((d) => d.ip === '2.0.0.254').length, 0);
  assert.equal(detections.filter((d) => d.kind === 'scanner').length, 0);
});

test('backscatter to a single darknet address (one conversation) is not a victim', () => {
  const rnd = prng(10);
  const packets = backscatter('2.0.0.98', '2.0.0.254', 50, rnd).map((p) => ({ ...p, dst: '198.18.0.1' }));
  const { detections } = run(packets);
  assert.equal(detections.length, 0);
});

test('scanner state stays within its bound and evicts the stalest sources', () => {
  const darknet = DarknetPrefixes.parse(DARKNET);
  const det = new DarknetScanDetector(darknet, { maxSources: 100, minAddresses: 3 });
  const rnd = prng(11);
  const packets = [];
  for (let s = 0; s < 1000; s++) packets.push(...plainScanner(`2.0.${s >> 8}.${s & 255}`, 4, rnd, [22], T0 + s * 1000, 500));
  for (const p of parseCapture(pcapBuffer(sorted(packets))).packets) {
    det.observe(toDetectionFlow(p));
    assert.ok(det.stateSize().entries <= 100);
  }
  assert.equal(det.stateSize().entries, 100);
  assert.equal(det.evicted, 900);
  const out = det.advance(T0 + 1000 * 1000);
  // Only the last 100 sources survive, each complete.
  assert.equal(out.length, 100);
  assert.ok(out.every((d) => Number(d.ip.split('.')[3]) + 256 * Number(d.ip.split('.')[2]) >= 900));
  assert.ok(det.stateSize().approxBytes < 100 * 2048);
  // After the idle time every profile is gone.
  assert.deepEqual(det.advance(T0 + 1000 * 1000 + det.settings.idleMs + 1), []);
  assert.equal(det.stateSize().entries, 0);
});

test('domestic scanners feed the darknet seed list; foreign ones do not', () => {
  const rnd = prng(12);
  const { detections } = run([...plainScanner('1.0.0.30', 30, rnd), ...miraiScanner('126.1.2.3', 30, rnd), ...plainScanner('2.0.0.30', 30, rnd)]);
  const seeds = new DarknetSeedList();
  seeds.ingest(detections);
  const list = seeds.list(T0 + 700_000);
  assert.deepEqual(list.map((s) => s.ip).sort(), ['1.0.0.30', '126.1.2.3']);
  for (const s of list) {
    assert.equal(s.source, 'darknet');
    assert.ok(s.firstSeen >= T0 && s.lastSeen >= s.firstSeen && s.lastSeen <= T0 + 600_000);
  }
  assert.deepEqual(seeds.list(T0 + 600_000 + seeds.maxAgeMs + 1), []);
});

test('darknet prefixes: IPv4 and IPv6, overlap counted once, invalid refused with a coded error', () => {
  const d = DarknetPrefixes.parse(['198.18.0.0/15', '198.18.0.0/16', '2001:db8:dead::/48']);
  assert.equal(d.ipv4Addresses, 131072);
  assert.ok(d.contains('198.19.255.255') && !d.contains('198.20.0.0'));
  assert.ok(d.contains('2001:db8:dead:1::5') && !d.contains('2001:db8:beef::1'));
  for (const bad of [[], ['198.18.0.1/15'], ['not-a-prefix'], ['10.0.0.0/33']]) {
    assert.throws(() => DarknetPrefixes.parse(bad), (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_DARKNET_PREFIX');
  }
});
