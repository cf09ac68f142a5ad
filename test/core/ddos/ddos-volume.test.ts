import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DdosVolumeDetector, type DdosShape } from '../../../src/core/ddos/ddos-volume-detector.js';
import type { Detection, DetectionFlow } from '../../../src/core/detect/detection.js';
import { isSakimoriError } from '../../../src/core/errors.js';
import { emptyFlowRecord } from '../../../src/core/flow/flow-record.js';
import { prng } from '../../../src/demo/synthetic-flows.js';

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const ASSETS = ['203.0.113.0/24', '2001:db8:a55e::/48'];

interface FlowSpec {
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  flags: number;
  packets: number;
  octets: number;
}

function flow(end: number, s: FlowSpec): DetectionFlow {
  const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
  r.start = end - 500;
  r.end = end;
  r.src = s.src;
  r.dst = s.dst;
  r.ipVersion = s.dst.includes(':') ? 6 : 4;
  r.proto = s.proto;
  r.srcPort = s.srcPort;
  r.dstPort = s.dstPort;
  r.tcpFlags = s.flags;
  r.packets = r.sampledPackets = s.packets;
  r.octets = r.sampledOctets = s.octets;
  return { record: r, srcCountry: 'US', dstCountry: 'JP', srcDomestic: false, dstDomestic: true, srcAs: 64501, dstAs: 64500 };
}

/** Diurnal-ish load (a 2-hour cycle between ~0.3× and ~1.7× `mean` pps, ±20 % noise), in a few flows per second. */
function normalSecond(rnd: () => number, dst: string, t: number, mean: number): DetectionFlow[] {
  const pps = mean * (1 + 0.7 * Math.sin((2 * Math.PI * (t - T0)) / 7_200_000)) * (0.8 + 0.4 * rnd());
  const flows = 3;
  return Array.from({ length: flows }, (_, i) => {
    const packets = Math.max(1, Math.round(pps / flows));
    return flow(t + Math.floor(rnd() * 1000), { src: `2.0.${i}.${1 + Math.floor(rnd() * 250)}`, dst, proto: 6, srcPort: 30000 + Math.floor(rnd() * 30000), dstPort: 443, flags: 0x1b, packets, octets: packets * 800 });
  });
}

type Attack = { dst: string; shape: DdosShape; start: number; second: (rnd: () => number, t: number) => DetectionFlow[] };

const udpReflection = (dst: string): Attack['second'] => (rnd, t) =>
  Array.from({ length: 100 }, () => flow(t + Math.floor(rnd() * 1000), { src: `3.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.1`, dst, proto: 17, srcPort: rnd() < 0.8 ? 53 : 123, dstPort: 1024 + Math.floor(rnd() * 60000), flags: 0, packets: 400, octets: 400 * 1400 }));
const udpFlood = (dst: string): Attack['second'] => (rnd, t) =>
  Array.from({ length: 50 }, () => flow(t + Math.floor(rnd() * 1000), { src: `3.1.${Math.floor(rnd() * 250)}.1`, dst, proto: 17, srcPort: 1024 + Math.floor(rnd() * 60000), dstPort: 1024 + Math.floor(rnd() * 60000), flags: 0, packets: 600, octets: 600 * 512 }));
const synFlood = (dst: string): Attack['second'] => (rnd, t) =>
  Array.from({ length: 3000 }, () => flow(t + Math.floor(rnd() * 1000), { src: `${1 + Math.floor(rnd() * 220)}.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.1`, dst, proto: 6, srcPort: 1024 + Math.floor(rnd() * 60000), dstPort: 443, flags: 0x02, packets: 10, octets: 400 }));
const httpFlood = (dst: string): Attack['second'] => (rnd, t) =>
  Array.from({ length: 1500 }, () => flow(t + Math.floor(rnd() * 1000), { src: `4.0.${Math.floor(rnd() * 2)}.${Math.floor(rnd() * 250)}`, dst, proto: 6, srcPort: 1024 + Math.floor(rnd() * 60000), dstPort: 80, flags: 0x1b, packets: 8, octets: 8 * 300 }));

/** Runs `hours` of normal load on four assets, plus attacks, advancing once per second of flow time. */
function simulate(seconds: number, attacks: Attack[], seed: number, detector = new DdosVolumeDetector({ assets: ASSETS })): { first: Map<string, { at: number; d: Detection }>; last: Map<string, Detection>; detector: DdosVolumeDetector } {
  const rnd = prng(seed);
  const first = new Map<string, { at: number; d: Detection }>();
  const last = new Map<string, Detection>();
  const normal = ['203.0.113.10', '203.0.113.20', '203.0.113.30', '203.0.113.40', '2001:db8:a55e::80'];
  for (let s = 0; s < seconds; s++) {
    const t = T0 + s * 1000;
    for (const dst of normal) for (const f of normalSecond(rnd, dst, t, 600)) detector.observe(f);
    // A flood to an address that is not a critical asset is not this detector's business.
    for (const f of udpFlood('198.51.100.1')(rnd, t)) detector.observe(f);
    for (const a of attacks) if (t >= a.start && t < a.start + 120_000) for (const f of a.second(rnd, t)) detector.observe(f);
    for (const d of detector.advance(t + 1000)) {
      if (!first.has(d.ip)) first.set(d.ip, { at: t + 1000, d });
      last.set(d.ip, d);
    }
  }
  return { first, last, detector };
}

test('diurnal-ish load on the assets is not flagged over two hours', () => {
  const { first, detector } = simulate(7200, [], 31);
  assert.deepEqual([...first.keys()], []);
  assert.equal(detector.stateSize().entries, 5);
});

test('UDP reflection, UDP flood, SYN flood and HTTP flood are detected with their shape within 60 s of flow time', () => {
  const start = T0 + 1800_000;
  const attacks: Attack[] = [
    { dst: '203.0.113.10', shape: 'udp-reflection', start, second: udpReflection('203.0.113.10') },
    { dst: '203.0.113.20', shape: 'syn-flood', start: start + 7_300, second: synFlood('203.0.113.20') },
    { dst: '203.0.113.30', shape: 'http-flood', start: start + 3_000, second: httpFlood('203.0.113.30') },
    { dst: '203.0.113.40', shape: 'udp-flood', start: start + 12_000, second: udpFlood('203.0.113.40') },
    { dst: '2001:db8:a55e::80', shape: 'syn-flood', start, second: synFlood('2001:db8:a55e::80') },
  ];
  const { first, last } = simulate(2100, attacks, 32);
  assert.deepEqual([...first.keys()].sort(), attacks.map((a) => a.dst).sort());
  for (const a of attacks) {
    const f = first.get(a.dst)!;
    assert.ok(f.at - a.start <= 60_000, `${a.shape} on ${a.dst} reported ${(f.at - a.start) / 1000} s after it began`);
    assert.ok(f.d.firstSeen >= a.start - 10_000 && f.d.firstSeen <= a.start + 10_000);
    const d = last.get(a.dst)!;
    assert.equal(d.kind, 'ddos-victim');
    assert.deepEqual(d.detectors, ['ddos-volume']);
    assert.equal(d.evidence.facts?.shape, a.shape, `${a.dst}: ${JSON.stringify(d.evidence.facts)}`);
    assert.equal(d.country, 'JP');
    assert.ok(d.score >= 0.5 && d.score <= 0.99);
    // The attack ends after 120 s: the last anomalous bucket ends within a bucket of that.
    assert.ok(Math.abs(d.lastSeen - (a.start + 120_000)) <= 10_000, `${a.dst} lastSeen ${d.lastSeen - a.start}`);
  }
  const refl = last.get('203.0.113.10')!;
  assert.equal(refl.evidence.facts?.reflectionPort, 53);
  assert.equal(refl.evidence.facts?.reflectionProtocol, 'dns');
  assert.ok(Number(last.get('203.0.113.30')!.evidence.facts?.sourcesInBucket) >= 50);
});

test('destination state is bounded; bad settings are refused with a coded error', () => {
  const det = new DdosVolumeDetector({ assets: ['203.0.0.0/16'], maxDestinations: 50 });
  const rnd = prng(33);
  for (let i = 0; i < 1000; i++) {
    det.observe(normalSecond(rnd, `203.0.${i >> 8}.${i & 255}`, T0 + i * 10, 100)[0]);
    assert.ok(det.stateSize().entries <= 50);
  }
  det.advance(T0 + 3_600_000);
  assert.ok(det.stateSize().entries <= 50);
  for (const bad of [{ assets: [] }, { assets: ['203.0.113.1/24'] }, { assets: ['x'] }, { assets: ASSETS, bucketMs: 0 }, { assets: ASSETS, alpha: 2 }]) {
    assert.throws(() => new DdosVolumeDetector(bad), (e: unknown) => isSakimoriError(e) && e.code === 'SAKI_ERR_DDOS_CONFIG');
  }
});
