import { emptyFlowRecord, type FlowRecord } from '../core/flow/flow-record.js';
import { formatIPv4Number } from '../core/flow/ip-address.js';

/** Deterministic PRNG (mulberry32) so that benchmarks and demos replay the same traffic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON_PORTS = [443, 80, 53, 123, 22, 25, 993, 8080, 3389, 23];

/**
 * Plausible random IPv4 flow records (a mix of TCP/UDP/ICMP, common service ports, ephemeral
 * client ports) over [startMs, startMs + spanMs). Addresses are drawn from the whole unicast space.
 */
export function syntheticFlows(count: number, options: { seed?: number; startMs?: number; spanMs?: number } = {}): FlowRecord[] {
  const rnd = prng(options.seed ?? 1);
  const startMs = options.startMs ?? Date.UTC(2026, 0, 1);
  const spanMs = options.spanMs ?? 60_000;
  const out: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
    r.src = formatIPv4Number(((1 + Math.floor(rnd() * 222)) << 24) | Math.floor(rnd() * 0xffffff));
    r.dst = formatIPv4Number(((1 + Math.floor(rnd() * 222)) << 24) | Math.floor(rnd() * 0xffffff));
    const p = rnd();
    r.proto = p < 0.7 ? 6 : p < 0.97 ? 17 : 1;
    r.srcPort = r.proto === 1 ? 0 : 1024 + Math.floor(rnd() * 64000);
    r.dstPort = r.proto === 1 ? 0 : COMMON_PORTS[Math.floor(rnd() * COMMON_PORTS.length)];
    r.tcpFlags = r.proto === 6 ? 0x1b : 0;
    r.sampledPackets = 1 + Math.floor(rnd() * 200);
    r.sampledOctets = r.sampledPackets * (40 + Math.floor(rnd() * 1400));
    r.packets = r.sampledPackets;
    r.octets = r.sampledOctets;
    r.inIf = 1 + Math.floor(rnd() * 8);
    r.outIf = 1 + Math.floor(rnd() * 8);
    r.start = startMs + Math.floor(rnd() * spanMs);
    r.end = r.start + Math.floor(rnd() * 30_000);
    out.push(r);
  }
  return out;
}
