/**
 * The one normalized flow record every decoder produces (NetFlow v5/v9, IPFIX, sFlow v5).
 * Only mechanical information (機械的情報, Act Art. 22): addresses, ports, protocol, volume,
 * timestamps. Never payload. The field mapping per export format is in docs/reference/flow-fields.md.
 */
/** 'packet': one captured packet seen as a one-packet flow (darknet captures, src/core/darknet); never stored as a flow. */
export type FlowSource = 'netflow-v5' | 'netflow-v9' | 'ipfix' | 'sflow-v5' | 'packet';

export interface FlowRecord {
  /** Flow start, milliseconds since the Unix epoch (v5/v9 sysUptime already resolved). */
  start: number;
  /** Flow end, milliseconds since the Unix epoch. */
  end: number;
  /** Address of the exporting device as seen on the wire (UDP source), textual. */
  exporter: string;
  /** NetFlow v9 source id / IPFIX observation domain id / sFlow agent sub-id; 0 for v5. */
  observationDomain: number;
  source: FlowSource;
  ipVersion: 4 | 6;
  /** Textual address (IPv4 dotted quad, IPv6 RFC 5952). */
  src: string;
  dst: string;
  /**
   * The IPv4 address as an unsigned 32-bit number when src/dst is IPv4 and its decoder read it
   * from bytes, else -1 (IPv6, unknown, or a record built from text). Decoders set it beside the
   * text so that classification does not parse back what they just formatted.
   * Invariant: when srcV4 >= 0 it equals the parse of src (parseIPv4). Code that rewrites src or
   * dst must set the twin to the new address or reset it to -1; -1 is always safe (the text is
   * parsed instead).
   */
  srcV4: number;
  dstV4: number;
  srcPort: number;
  dstPort: number;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 …). */
  proto: number;
  /** Cumulative TCP flags (low 8 bits), 0 when not exported. */
  tcpFlags: number;
  /** Packets, scaled by the sampling rate. */
  packets: number;
  /** Octets, scaled by the sampling rate. */
  octets: number;
  /** Packets as exported, before scaling. */
  sampledPackets: number;
  /** Octets as exported, before scaling. */
  sampledOctets: number;
  /** 1-in-N sampling rate applied to packets/octets; 1 when unsampled or unknown. */
  samplingRate: number;
  inIf: number;
  outIf: number;
  /** Source/destination AS when exported, else 0. */
  srcAs: number;
  dstAs: number;
}

/** A record with every field at its neutral value; decoders fill what the export carries. */
export function emptyFlowRecord(source: FlowSource, exporter: string, observationDomain: number): FlowRecord {
  return {
    start: 0,
    end: 0,
    exporter,
    observationDomain,
    source,
    ipVersion: 4,
    src: '0.0.0.0',
    dst: '0.0.0.0',
    srcV4: -1,
    dstV4: -1,
    srcPort: 0,
    dstPort: 0,
    proto: 0,
    tcpFlags: 0,
    packets: 0,
    octets: 0,
    sampledPackets: 0,
    sampledOctets: 0,
    samplingRate: 1,
    inIf: 0,
    outIf: 0,
    srcAs: 0,
    dstAs: 0,
  };
}

/** Applies a 1-in-N sampling rate to the exported counters, keeping the raw values. */
export function applySampling(r: FlowRecord, rate: number): void {
  const n = rate > 0 ? rate : 1;
  r.samplingRate = n;
  r.packets = r.sampledPackets * n;
  r.octets = r.sampledOctets * n;
}
