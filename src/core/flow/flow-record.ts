import { formatIPv4Number } from './ip-address.js';

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
  /**
   * Textual address (IPv4 dotted quad, IPv6 RFC 5952). '' only for "deferred text": a decoder
   * asked not to make IPv4 text (DecoderOptions.deferIPv4Text, the cyber-office selection path)
   * leaves '' beside the number in srcV4/dstV4; fillAddressText() makes it.
   */
  src: string;
  dst: string;
  /**
   * The IPv4 address as an unsigned 32-bit number when src/dst is IPv4 and its decoder read it
   * from bytes, else -1 (IPv6, unknown, or a record built from text). Decoders set it beside the
   * text so that classification does not parse back what they just formatted.
   * Invariant: when srcV4 >= 0 it equals the parse of src (parseIPv4), or src is '' (deferred text). Code that rewrites src or
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

/**
 * Records are made by `new` of a plain constructor, not by an object literal. V8 counts, per
 * object-literal site, how many objects survive a scavenge; once most do (a batch of thousands of
 * records waiting for its sink does, at the first scavenges while the young generation is still
 * small), it allocates every later object of that site directly in the old generation
 * ("allocation-site pretenuring"). Each address string and number a record points to then
 * survives every scavenge until the next full mark-compact: decoding ran at a third of its speed
 * in the runs where that happened. `new` is never pretenured. The prototype stays
 * Object.prototype, so a record is still a plain object to spread, JSON, structured clone and
 * deepStrictEqual, and all records share one hidden class (fields assigned in one order).
 */
const NeutralFlowRecord = function (this: FlowRecord, source: FlowSource, exporter: string, observationDomain: number): void {
  this.start = 0;
  this.end = 0;
  this.exporter = exporter;
  this.observationDomain = observationDomain;
  this.source = source;
  this.ipVersion = 4;
  this.src = '0.0.0.0';
  this.dst = '0.0.0.0';
  this.srcV4 = -1;
  this.dstV4 = -1;
  this.srcPort = 0;
  this.dstPort = 0;
  this.proto = 0;
  this.tcpFlags = 0;
  this.packets = 0;
  this.octets = 0;
  this.sampledPackets = 0;
  this.sampledOctets = 0;
  this.samplingRate = 1;
  this.inIf = 0;
  this.outIf = 0;
  this.srcAs = 0;
  this.dstAs = 0;
} as unknown as new (source: FlowSource, exporter: string, observationDomain: number) => FlowRecord;
NeutralFlowRecord.prototype = Object.prototype;

/** A record with every field at its neutral value; decoders fill what the export carries. */
export function emptyFlowRecord(source: FlowSource, exporter: string, observationDomain: number): FlowRecord {
  return new NeutralFlowRecord(source, exporter, observationDomain);
}

/** The IPv4 number whose dotted quad an address's text would be made from (deferred text: `text` is ''), else -1. */
export function deferredIPv4(text: string, v4: number): number {
  return text === '' && v4 >= 0 ? v4 : -1;
}

/** The text of an address: `text` itself, or the dotted quad of `v4` when its text was deferred (''). */
export function addressText(text: string, v4: number): string {
  const deferred = deferredIPv4(text, v4);
  return deferred < 0 ? text : formatIPv4Number(deferred);
}

/** Makes the deferred IPv4 text of a record (see `src`); records with text are left as they are. */
export function fillAddressText(r: FlowRecord): void {
  r.src = addressText(r.src, r.srcV4);
  r.dst = addressText(r.dst, r.dstV4);
}

/** Applies a 1-in-N sampling rate to the exported counters, keeping the raw values. */
export function applySampling(r: FlowRecord, rate: number): void {
  const n = rate > 0 ? rate : 1;
  r.samplingRate = n;
  r.packets = r.sampledPackets * n;
  r.octets = r.sampledOctets * n;
}
