/**
 * Header parser for darknet captures: what a packet that arrives at unused addresses says about
 * its sender. Besides the 5-tuple it reads the TCP sequence number (the Mirai fingerprint, see
 * mirai-fingerprint-detector.ts), the TCP flags and ICMP type/code, and for ICMP errors the
 * quoted offending packet (RFC 792; RFC 4443 §2.4) whose destination names the DDoS victim.
 * Mechanical header fields only (機械的情報, Act Art. 22): payload bytes are never read or kept.
 *
 * The sFlow header parser (core/flow/decoders/packet-header.ts) stops at ports and flags and is on
 * the collector's hot path; darknet traffic needs more of the TCP and ICMP headers, so it is parsed here.
 */
import { locateNetworkLayer, type CapturedFrame } from '../capture/capture-reader.js';
import { emptyFlowRecord, type FlowRecord } from '../flow/flow-record.js';
import { formatIPv4, formatIPv6 } from '../flow/ip-address.js';
import { u32 } from '../flow/decoders/unsigned.js';

export interface DarknetPacket {
  /** Capture time, ms since the Unix epoch. */
  time: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 source and destination as unsigned 32-bit numbers; -1 for IPv6. */
  srcNumber: number;
  dstNumber: number;
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  /** Unsigned 32-bit; -1 when not TCP or cut short. */
  tcpSeq: number;
  /** -1 when not ICMP/ICMPv6. */
  icmpType: number;
  icmpCode: number;
  /** Destination of the packet quoted in an ICMP error, when it is there. */
  quotedDst: string | undefined;
  /** IPv4 total length, or IPv6 payload length + 40. */
  ipLength: number;
}

export type PacketParseResult = DarknetPacket | 'bad' | 'skip';

/** ICMP error types that quote the offending packet: v4 unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter problem 12. */
const ICMP4_ERRORS = new Set([3, 4, 5, 11, 12]);
/** ICMPv6 errors are types 0–127 (RFC 4443 §2.1). */
const isIcmp6Error = (t: number) => t < 128;

/**
 * Parses one captured frame. 'skip' for link types or network protocols that are not IP
 * (ARP, LLDP …) and for non-first fragments; 'bad' for a frame cut short before the IP header ends.
 */
export function parseDarknetFrame(frame: CapturedFrame): PacketParseResult {
  const at = locateNetworkLayer(frame.data, frame.linkType);
  if ('bad' in at) return at.bad ? 'bad' : 'skip';
  const f = frame.data;
  if (at.etherType === 0x0800) return ipv4(f, at.off, frame.timestamp);
  if (at.etherType === 0x86dd) return ipv6(f, at.off, frame.timestamp);
  return 'skip';
}

function newPacket(time: number, ipVersion: 4 | 6, src: string, dst: string, srcNumber: number, dstNumber: number, proto: number, ipLength: number): DarknetPacket {
  return { time, ipVersion, src, dst, srcNumber, dstNumber, proto, srcPort: 0, dstPort: 0, tcpFlags: 0, tcpSeq: -1, icmpType: -1, icmpCode: -1, quotedDst: undefined, ipLength };
}

/** RFC 791 §3.1. */
function ipv4(f: Uint8Array, p: number, ts: number): PacketParseResult {
  if (p + 20 > f.length || f[p] >> 4 !== 4) return 'bad';
  const ihl = (f[p] & 0x0f) * 4;
  if (ihl < 20 || p + ihl > f.length) return 'bad';
  const fragmentOffset = ((f[p + 6] & 0x1f) << 8) | f[p + 7];
  if (fragmentOffset !== 0) return 'skip';
  const totalLen = (f[p + 2] << 8) | f[p + 3];
  const pkt = newPacket(ts, 4, formatIPv4(f, p + 12), formatIPv4(f, p + 16), u32(f, p + 12), u32(f, p + 16), f[p + 9], totalLen);
  const end = Math.min(f.length, p + Math.max(totalLen, ihl));
  transport(f, p + ihl, end, pkt);
  return pkt;
}

/** RFC 8200 §4: extension headers walked to the upper layer; non-first fragments skipped. */
function ipv6(f: Uint8Array, p: number, ts: number): PacketParseResult {
  if (p + 40 > f.length || f[p] >> 4 !== 6) return 'bad';
  const payloadLen = (f[p + 4] << 8) | f[p + 5];
  let next = f[p + 6];
  let q = p + 40;
  const end = Math.min(f.length, q + payloadLen);
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (q + 2 > end) return 'bad';
      const n = f[q];
      q += (f[q + 1] + 1) * 8;
      next = n;
    } else if (next === 44) {
      if (q + 8 > end) return 'bad';
      const n = f[q];
      if ((((f[q + 2] << 8) | f[q + 3]) >> 3) !== 0) return 'skip';
      q += 8;
      next = n;
    } else break;
  }
  const pkt = newPacket(ts, 6, formatIPv6(f, p + 8), formatIPv6(f, p + 24), -1, -1, next, payloadLen + 40);
  transport(f, q, end, pkt);
  return pkt;
}

function transport(f: Uint8Array, q: number, end: number, pkt: DarknetPacket): void {
  switch (pkt.proto) {
    case 6: // TCP (RFC 9293 §3.1): seq at octet 4, flags at octet 13.
      if (q + 4 <= end) ports(f, q, pkt);
      if (q + 8 <= end) pkt.tcpSeq = u32(f, q + 4);
      if (q + 14 <= end) pkt.tcpFlags = f[q + 13];
      return;
    case 17: // UDP (RFC 768)
    case 132: // SCTP
    case 136: // UDP-Lite
      if (q + 4 <= end) ports(f, q, pkt);
      return;
    case 1: // ICMP (RFC 792): type, code, checksum, 4 octets, then the quoted IPv4 header.
      if (q + 2 > end) return;
      pkt.icmpType = f[q];
      pkt.icmpCode = f[q + 1];
      if (ICMP4_ERRORS.has(pkt.icmpType) && q + 8 + 20 <= end && f[q + 8] >> 4 === 4) pkt.quotedDst = formatIPv4(f, q + 8 + 16);
      return;
    case 58: // ICMPv6 (RFC 4443 §2.1, §3): 8 octets, then as much of the invoking packet as fits.
      if (q + 2 > end) return;
      pkt.icmpType = f[q];
      pkt.icmpCode = f[q + 1];
      if (isIcmp6Error(pkt.icmpType) && q + 8 + 40 <= end && f[q + 8] >> 4 === 6) pkt.quotedDst = formatIPv6(f, q + 8 + 24);
      return;
    default:
      return;
  }
}

function ports(f: Uint8Array, q: number, pkt: DarknetPacket): void {
  pkt.srcPort = (f[q] << 8) | f[q + 1];
  pkt.dstPort = (f[q + 2] << 8) | f[q + 3];
}

/**
 * The packet as a one-packet flow record, so that the same detectors serve captures and flow
 * exports. ICMP type/code go into the destination port as NetFlow carries them (type × 256 + code).
 */
export function packetFlowRecord(pkt: DarknetPacket, observer = 'capture'): FlowRecord {
  const r = emptyFlowRecord('packet', observer, 0);
  r.start = pkt.time;
  r.end = pkt.time;
  r.ipVersion = pkt.ipVersion;
  r.src = pkt.src;
  r.dst = pkt.dst;
  r.srcV4 = pkt.srcNumber;
  r.dstV4 = pkt.dstNumber;
  r.proto = pkt.proto;
  r.srcPort = pkt.srcPort;
  r.dstPort = pkt.icmpType >= 0 ? pkt.icmpType * 256 + pkt.icmpCode : pkt.dstPort;
  r.tcpFlags = pkt.tcpFlags;
  r.packets = 1;
  r.sampledPackets = 1;
  r.octets = pkt.ipLength;
  r.sampledOctets = pkt.ipLength;
  return r;
}
