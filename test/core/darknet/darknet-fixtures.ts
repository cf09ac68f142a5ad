/** Synthetic darknet traffic (seeded) as pcap packets, and the way from a capture to DetectionFlows. */
import { readCaptureFrames, type CaptureStats } from '../../../src/core/capture/capture-reader.js';
import { pcapBuffer, type SyntheticPacket } from '../../../src/core/capture/pcap-writer.js';
import { packetFlowRecord, parseDarknetFrame, type DarknetPacket } from '../../../src/core/darknet/darknet-packet.js';
import type { DetectionFlow } from '../../../src/core/detect/detection.js';
import { formatIPv4Number } from '../../../src/core/flow/ip-address.js';

/** 198.18.0.0/15 (RFC 2544 benchmarking space) stands in for the darknet: 131 072 addresses. */
export const DARKNET = ['198.18.0.0/15'];
const DARKNET_BASE = 198 * 16777216 + 18 * 65536;
export const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);

export function darknetAddress(rnd: () => number): number {
  return (DARKNET_BASE + Math.floor(rnd() * 131072)) >>> 0;
}

/** Mirai's scanner: SYN to tcp/23 (9 in 10) or tcp/2323, sequence number = destination address. */
export function miraiScanner(src: string, n: number, rnd: () => number, t0 = T0, spanMs = 600_000): SyntheticPacket[] {
  return Array.from({ length: n }, () => {
    const dst = darknetAddress(rnd);
    return { time: t0 + Math.floor(rnd() * spanMs), src, dst: formatIPv4Number(dst), proto: 6, srcPort: 1024 + Math.floor(rnd() * 60000), dstPort: rnd() < 0.9 ? 23 : 2323, ipLength: 40, tcpFlags: 0x02, tcpSeq: dst } as SyntheticPacket;
  });
}

/** A scanner with random sequence numbers (masscan/zmap-like) on a few ports. */
export function plainScanner(src: string, n: number, rnd: () => number, ports = [22, 80, 443, 3389, 8080], t0 = T0, spanMs = 600_000): SyntheticPacket[] {
  return Array.from({ length: n }, () => {
    const dst = darknetAddress(rnd);
    let seq = Math.floor(rnd() * 4294967296);
    if (seq === dst) seq = (seq + 1) >>> 0;
    return { time: t0 + Math.floor(rnd() * spanMs), src, dst: formatIPv4Number(dst), proto: 6, srcPort: 40000 + Math.floor(rnd() * 20000), dstPort: ports[Math.floor(rnd() * ports.length)], ipLength: 40, tcpFlags: 0x02, tcpSeq: seq } as SyntheticPacket;
  });
}

/** UDP probes (e.g. to 5060/SIP) from a scanner. */
export function udpScanner(src: string, n: number, rnd: () => number, t0 = T0): SyntheticPacket[] {
  return Array.from({ length: n }, () => ({ time: t0 + Math.floor(rnd() * 600_000), src, dst: formatIPv4Number(darknetAddress(rnd)), proto: 17, srcPort: 5060, dstPort: 5060, ipLength: 428 }) as SyntheticPacket);
}

/**
 * Backscatter of a SYN flood with random spoofed sources against `victim`:80 — the victim's SYN-ACKs
 * and RSTs to darknet addresses, and a router's ICMP unreachables quoting the flood packets.
 */
export function backscatter(victim: string, router: string, n: number, rnd: () => number, t0 = T0, spanMs = 120_000): SyntheticPacket[] {
  return Array.from({ length: n }, () => {
    const dst = formatIPv4Number(darknetAddress(rnd));
    const time = t0 + Math.floor(rnd() * spanMs);
    const x = rnd();
    if (x < 0.6) return { time, src: victim, dst, proto: 6, srcPort: 80, dstPort: 1024 + Math.floor(rnd() * 60000), ipLength: 44, tcpFlags: 0x12, tcpSeq: Math.floor(rnd() * 4294967296), tcpAck: 1 } as SyntheticPacket;
    if (x < 0.85) return { time, src: victim, dst, proto: 6, srcPort: 80, dstPort: 1024 + Math.floor(rnd() * 60000), ipLength: 40, tcpFlags: 0x14, tcpSeq: 0 } as SyntheticPacket;
    return { time, src: router, dst, proto: 1, srcPort: 0, dstPort: 0, ipLength: 56, icmpType: 3, icmpCode: 1, quoted: { src: dst, dst: victim, proto: 6, srcPort: 1234, dstPort: 80 } } as SyntheticPacket;
  });
}

/** Ordinary traffic that is not to the darknet, and one misconfigured host hitting one darknet address. */
export function normalTraffic(n: number, rnd: () => number, t0 = T0): SyntheticPacket[] {
  const out: SyntheticPacket[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ time: t0 + Math.floor(rnd() * 600_000), src: `1.0.0.${1 + (i % 200)}`, dst: `2.0.0.${1 + Math.floor(rnd() * 200)}`, proto: rnd() < 0.5 ? 6 : 17, srcPort: 30000 + i, dstPort: 443, ipLength: 120, tcpFlags: 0x02 } as SyntheticPacket);
  }
  for (let i = 0; i < 20; i++) out.push({ time: t0 + i * 1000, src: '1.0.0.250', dst: '198.18.7.7', proto: 17, srcPort: 123, dstPort: 123, ipLength: 76 });
  return out;
}

export function sorted(packets: readonly SyntheticPacket[]): SyntheticPacket[] {
  return [...packets].sort((a, b) => a.time - b.time);
}

/** A stand-in classifier: 1.x and 126.x domestic (JP, AS 64500 / 17676), 2.x US AS 64501, others unknown. */
export function locate(ip: string): { country: string; as: number; domestic: boolean } {
  const first = Number(ip.split('.')[0]);
  if (first === 1) return { country: 'JP', as: 64500, domestic: true };
  if (first === 126) return { country: 'JP', as: 17676, domestic: true };
  if (first === 2) return { country: 'US', as: 64501, domestic: false };
  return { country: 'unknown', as: 0, domestic: false };
}

export function toDetectionFlow(p: DarknetPacket): DetectionFlow {
  const s = locate(p.src);
  const d = locate(p.dst);
  return {
    record: packetFlowRecord(p),
    srcCountry: s.country,
    dstCountry: d.country,
    srcDomestic: s.domestic,
    dstDomestic: d.domestic,
    srcAs: s.as,
    dstAs: d.as,
    packet: { tcpSeq: p.tcpSeq, ...(p.quotedDst !== undefined ? { quotedDst: p.quotedDst } : {}) },
  };
}

/** pcap bytes → parsed packets, through the same reader the CLI uses. */
export function parseCapture(buf: Uint8Array): { packets: DarknetPacket[]; stats: CaptureStats; bad: number; skipped: number } {
  const stats: CaptureStats = { format: 'pcap', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  const packets: DarknetPacket[] = [];
  let bad = 0;
  let skipped = 0;
  for (const f of readCaptureFrames(buf, stats)) {
    const p = parseDarknetFrame(f);
    if (p === 'bad') bad++;
    else if (p === 'skip') skipped++;
    else packets.push(p);
  }
  return { packets, stats, bad, skipped };
}

export { pcapBuffer };
