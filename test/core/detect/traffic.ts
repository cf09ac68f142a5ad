/**
 * Synthetic labelled traffic for detector tests, from a seeded PRNG: detection flows built
 * directly (the classifier's view given, not looked up).
 */
import type { DetectionFlow } from '../../../src/core/detect/detection.js';
import { emptyFlowRecord } from '../../../src/core/flow/flow-record.js';
import { prng } from '../../../src/demo/synthetic-flows.js';

export const T0 = Date.UTC(2026, 5, 1);

export interface FlowSpec {
  src: string;
  dst: string;
  dstPort: number;
  proto?: number;
  srcPort?: number;
  start: number;
  durationMs?: number;
  octets: number;
  packets: number;
  srcDomestic?: boolean;
  dstDomestic?: boolean;
  dstCountry?: string;
  dstAs?: number;
}

export function flow(s: FlowSpec): DetectionFlow {
  const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
  r.src = s.src;
  r.dst = s.dst;
  r.dstPort = s.dstPort;
  r.srcPort = s.srcPort ?? 40000;
  r.proto = s.proto ?? 6;
  r.start = Math.round(s.start);
  r.end = Math.round(s.start + (s.durationMs ?? 200));
  r.octets = r.sampledOctets = Math.round(s.octets);
  r.packets = r.sampledPackets = Math.round(s.packets);
  return {
    record: r,
    srcDomestic: s.srcDomestic ?? true,
    dstDomestic: s.dstDomestic ?? false,
    srcCountry: (s.srcDomestic ?? true) ? 'JP' : 'US',
    dstCountry: s.dstCountry ?? ((s.dstDomestic ?? false) ? 'JP' : 'US'),
    srcAs: 0,
    dstAs: s.dstAs ?? 64500,
  };
}

export const host = (i: number): string => `1.0.${16 + (i >> 8)}.${i & 255}`;

export interface PeriodicSpec {
  hosts: readonly string[];
  dst: string;
  dstPort: number;
  proto: number;
  periodMs: number;
  /** Uniform jitter as a fraction of the period (0.3 → period ± 30 %). */
  jitter: number;
  octets: number;
  /** Uniform size jitter, fraction. */
  sizeJitter: number;
  packets: number;
  from: number;
  to: number;
  /** Probability that a connection is missing from the export (sampling, loss). */
  miss?: number;
}

/** Periodic check-ins from each host, each host with its own phase; new client port per connection. */
export function periodic(spec: PeriodicSpec, rnd: () => number): DetectionFlow[] {
  const out: DetectionFlow[] = [];
  for (const h of spec.hosts) {
    let t = spec.from + rnd() * spec.periodMs;
    while (t < spec.to) {
      if (rnd() >= (spec.miss ?? 0)) {
        out.push(flow({ src: h, dst: spec.dst, dstPort: spec.dstPort, proto: spec.proto, srcPort: 32768 + Math.floor(rnd() * 28000), start: t, octets: spec.octets * (1 + spec.sizeJitter * (2 * rnd() - 1)), packets: spec.packets }));
      }
      t += spec.periodMs * (1 + spec.jitter * (2 * rnd() - 1));
    }
  }
  return out;
}

/** Poisson (memoryless) traffic from each host to the endpoint, mean gap `meanGapMs`, sizes log-uniform over a decade. */
export function poisson(hosts: readonly string[], dst: string, dstPort: number, meanGapMs: number, from: number, to: number, rnd: () => number): DetectionFlow[] {
  const out: DetectionFlow[] = [];
  for (const h of hosts) {
    let t = from - Math.log(1 - rnd()) * meanGapMs;
    while (t < to) {
      out.push(flow({ src: h, dst, dstPort, srcPort: 32768 + Math.floor(rnd() * 28000), start: t, octets: 300 * 10 ** rnd(), packets: 3 + Math.floor(rnd() * 20) }));
      t += -Math.log(1 - rnd()) * meanGapMs;
    }
  }
  return out;
}

export function byTime(flows: DetectionFlow[]): DetectionFlow[] {
  return flows.sort((a, b) => a.record.start - b.record.start);
}

export { prng };

/** Feeds flows in time order, calling advance every `stepMs` of flow time; returns the first time each key was reported. */
export function replay(
  target: { observe(f: DetectionFlow): void; advance(now: number): { kind: string; ip: string; port: number; proto: number }[] },
  flows: readonly DetectionFlow[],
  stepMs = 5_000,
  until?: number,
): Map<string, number> {
  const first = new Map<string, number>();
  let next = flows.length > 0 ? flows[0].record.start + stepMs : 0;
  const report = (now: number) => {
    for (const d of target.advance(now)) {
      const k = `${d.kind}|${d.ip}|${d.port}|${d.proto}`;
      if (!first.has(k)) first.set(k, now);
    }
  };
  for (const f of flows) {
    while (f.record.start >= next) {
      report(next);
      next += stepMs;
    }
    target.observe(f);
  }
  const end = until ?? (flows.length > 0 ? flows[flows.length - 1].record.end + stepMs : 0);
  while (next <= end) {
    report(next);
    next += stepMs;
  }
  return first;
}
