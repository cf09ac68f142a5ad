/**
 * Turns generated sessions into what the collector and the detectors read:
 *  - packets (a pcap for softflowd -r, which exercises a real exporter end to end),
 *  - flow records encoded straight into IPFIX datagrams (the fast direct mode for large scale),
 *  - the darknet's packet capture (what a darknet sensor sees, with TCP sequence numbers intact).
 * Pure: buffers in, buffers out.
 */
import { datagramRecord, packetRecord, pcapGlobalHeader, type SyntheticPacket } from '../core/capture/pcap-writer.js';
import { IpfixEncoder } from '../core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../core/flow/flow-record.js';
import type { GeneratedSession } from './traffic-scenario.js';

/** Where the direct-mode export appears to come from (loopback: the capture is never sent anywhere). */
export const EXPORTER = { address: '127.0.0.1', port: 50000, collector: '127.0.0.1', collectorPort: 4739, domain: 1 } as const;

/** Packet flags for packet k of n of a session (SYN … PSH/ACK … FIN/ACK for full conversations). */
function packetFlags(s: GeneratedSession, k: number): number {
  if (s.tcpFlags === 0x02 || s.tcpFlags === 0x12 || s.tcpFlags === 0x04) return s.tcpFlags;
  if (k === 0) return 0x02;
  if (k === s.packets - 1) return 0x11;
  return 0x18;
}

/**
 * The packets of every session, spread evenly over [start, end], in time order. A cap on the
 * packets per session keeps volume attacks from producing millions of packets (the exporter then
 * reports the capped counts).
 */
export function sessionsToPackets(sessions: readonly GeneratedSession[], options: { maxPacketsPerSession?: number } = {}): SyntheticPacket[] {
  const cap = options.maxPacketsPerSession ?? Infinity;
  const out: SyntheticPacket[] = [];
  for (const s0 of sessions) {
    const s = s0.packets > cap ? { ...s0, packets: cap } : s0;
    const step = s.packets > 1 ? (s.end - s.start) / (s.packets - 1) : 0;
    for (let k = 0; k < s.packets; k++) {
      out.push({ time: Math.round(s.start + k * step), src: s.src, dst: s.dst, proto: s.proto, srcPort: s.srcPort, dstPort: s.dstPort, ipLength: s.ipLength, tcpFlags: s.proto === 6 ? packetFlags(s, k) : undefined, tcpSeq: s.seq });
    }
  }
  // Stable sort keeps a session's packets in order when times tie.
  return out.sort((a, b) => a.time - b.time);
}

/** A pcap of the given packets (chunked so that millions of packets do not need one giant array of buffers). */
export function packetPcap(packets: readonly SyntheticPacket[]): Buffer {
  const parts: Buffer[] = [pcapGlobalHeader()];
  for (const p of packets) parts.push(packetRecord(p));
  return Buffer.concat(parts);
}

/** What a flow exporter would report for each session, in session order. */
export function sessionsToFlowRecords(sessions: readonly GeneratedSession[], domesticHosts: ReadonlySet<string>): FlowRecord[] {
  return sessions.map((s) => {
    const r = emptyFlowRecord('ipfix', EXPORTER.address, EXPORTER.domain);
    r.start = s.start;
    r.end = s.end;
    r.src = s.src;
    r.dst = s.dst;
    r.srcPort = s.srcPort;
    r.dstPort = s.dstPort;
    r.proto = s.proto;
    r.tcpFlags = s.proto === 6 ? (s.tcpFlags === 0x1b && s.packets === 1 ? 0x02 : s.tcpFlags) : 0;
    r.packets = r.sampledPackets = s.packets;
    r.octets = r.sampledOctets = s.packets * s.ipLength;
    // Interface 1 faces the subscribers, 2 the upstream.
    const outbound = domesticHosts.has(s.src);
    r.inIf = outbound ? 1 : 2;
    r.outIf = outbound ? 2 : 1;
    return r;
  });
}

export interface IpfixCaptureOptions {
  /** Export a flow this long after it ends (idle/active timeout of a router). */
  exportDelayMs?: number;
  /** Resend the template every this many seconds of export time (RFC 7011 §8.4 over UDP). */
  templateEverySec?: number;
}

/**
 * An IPFIX export capture: flows exported in end-time order, one message per export second
 * (up to 30 records each), the template first and again periodically. Datagram timestamps are
 * the export times, so a replay decodes to the same records every time.
 */
export function ipfixExportPcap(records: readonly FlowRecord[], options: IpfixCaptureOptions = {}): { pcap: Buffer; datagrams: number } {
  const delay = options.exportDelayMs ?? 15_000;
  const templateEvery = options.templateEverySec ?? 600;
  const byEnd = [...records].sort((a, b) => a.end - b.end);
  const enc = new IpfixEncoder({ domain: EXPORTER.domain });
  const parts: Buffer[] = [pcapGlobalHeader()];
  let datagrams = 0;
  let lastTemplate = -Infinity;
  const emit = (payload: Uint8Array, sec: number) => {
    parts.push(datagramRecord({ time: sec * 1000, src: EXPORTER.address, srcPort: EXPORTER.port, dst: EXPORTER.collector, dstPort: EXPORTER.collectorPort, payload }));
    datagrams++;
  };
  for (let i = 0; i < byEnd.length; ) {
    const sec = Math.floor((byEnd[i].end + delay) / 1000);
    let j = i;
    while (j < byEnd.length && Math.floor((byEnd[j].end + delay) / 1000) === sec) j++;
    if (sec - lastTemplate >= templateEvery) {
      emit(enc.templateMessage(sec), sec);
      lastTemplate = sec;
    }
    for (const m of enc.dataMessages(byEnd.slice(i, j), sec)) emit(m, sec);
    i = j;
  }
  return { pcap: Buffer.concat(parts), datagrams };
}

/** Sessions a darknet sensor on `prefix` sees (destination inside the prefix). */
export function darknetSessions(sessions: readonly GeneratedSession[], inPrefix: (ip: string) => boolean): GeneratedSession[] {
  return sessions.filter((s) => inPrefix(s.dst));
}
