/**
 * npm run bench:detect-state
 * Memory of the C&C detection engine (Sakimori method: beacon + seed-peer + fan-in) with N active
 * (internal host → external ip:port/proto) pairs, against the goal of ≤ 1 GiB at 1M active pairs.
 * Builds N pairs over N/20 internal hosts and N/4 external endpoints (each pair with BENCH_CONNS
 * connections, fresh address strings per flow as decoders make them), then measures heap +
 * array buffers after a forced GC (node --expose-gc), and compares with the engine's own
 * stateSize() estimate. Also reports observe+advance throughput.
 * Options (env): BENCH_PAIRS=200000 BENCH_CONNS=4 BENCH_ONLY=beacon|fan-in|seed-peer (one detector alone)
 */
import { createC2Engine } from '../src/core/detect/c2-engine.js';
import type { DetectionFlow } from '../src/core/detect/detection.js';
import { DetectionEngine } from '../src/core/detect/detection-engine.js';
import { emptyFlowRecord } from '../src/core/flow/flow-record.js';
import { prng } from '../src/demo/synthetic-flows.js';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 200_000);
const CONNS = Number(process.env.BENCH_CONNS ?? 4);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc (npm run bench:detect-state does)\n');
  process.exit(2);
}

const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const rnd = prng(12345);
const hosts = Math.max(1, Math.floor(PAIRS / 20));
const endpoints = Math.max(1, Math.floor(PAIRS / 4));
const T0 = Date.UTC(2026, 5, 1);
// Pair i: host i % hosts to endpoint (j · (7919 + hosts) + i) % endpoints with j = ⌊i / hosts⌋, so
// each host's 20 pairs go to distinct endpoints (checked below by the engine's own pair count).
const hostBase = (1 << 24) | (16 << 8); // 1.0.16.0
const endpointBase = 60 << 24; // 60.0.0.0

function measure(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = measure();
const ONLY = process.env.BENCH_ONLY;
const full = createC2Engine({ method: 'sakimori', beacon: { maxPairs: Math.max(PAIRS, 1_000_000) } });
const engine = ONLY === undefined ? full : new DetectionEngine(full.detectors.filter((d) => d.name === ONLY));
const started = process.hrtime.bigint();
let flows = 0;
let now = T0;
// Connections spread over 20 minutes of flow time, advance every 5 s.
const spanMs = 20 * 60_000;
const total = PAIRS * CONNS;
let nextAdvance = T0 + 5000;
for (let c = 0; c < CONNS; c++) {
  for (let i = 0; i < PAIRS; i++) {
    const k = c * PAIRS + i;
    now = T0 + Math.floor((k / total) * spanMs);
    while (now >= nextAdvance) {
      engine.advance(nextAdvance);
      nextAdvance += 5000;
    }
    const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
    const e = (Math.floor(i / hosts) * 7919 + i) % endpoints;
    r.src = v4(hostBase + (i % hosts));
    r.dst = v4(endpointBase + e);
    r.dstPort = 443;
    r.srcPort = 32768 + Math.floor(rnd() * 28000);
    r.proto = 6;
    r.start = now;
    r.end = now + 100;
    r.octets = r.sampledOctets = 200 + Math.floor(rnd() * 2000);
    r.packets = r.sampledPackets = 3 + Math.floor(rnd() * 10);
    const f: DetectionFlow = { record: r, srcCountry: 'JP', dstCountry: 'US', srcDomestic: true, dstDomestic: false, srcAs: 0, dstAs: 64500 };
    engine.observe(f);
    flows++;
  }
}
engine.advance(now + 5000);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const after = measure();
const measured = after - before;
const beacon = full.detector('beacon')!.stateSize();
const est = engine.stateSize();
const perPair = measured / beacon.entries;
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
process.stdout.write(
  [
    `pairs=${beacon.entries} (asked ${PAIRS}) hosts=${hosts} endpoints=${endpoints} flows=${flows} conns/pair=${CONNS}`,
    `measured heap+arrayBuffers: ${mib(measured)} MiB = ${perPair.toFixed(0)} B/pair`,
    `engine estimate stateSize(): ${mib(est.approxBytes)} MiB (${(est.approxBytes / measured).toFixed(2)}× measured)`,
    `extrapolated to 1M pairs (same shape): ${(perPair * 1e6 / 2 ** 30).toFixed(2)} GiB`,
    `throughput: ${Math.round(flows / seconds)} flows/s (observe + advance every 5 s of flow time, ${seconds.toFixed(1)} s)`,
  ].join('\n') + '\n',
);
