import { formatIPv4, formatIPv6 } from '../ip-address.js';
import { u32 } from './unsigned.js';

/**
 * Parser of the sampled packet header an sFlow v5 agent copies into a raw packet header flow
 * record (sflow_version_5.txt, "Raw Packet Header", enterprise 0 format 1).
 *
 * Only the mechanical fields (機械的情報, Act Art. 22) come out: addresses, ports, protocol,
 * TCP flags, ICMP type/code and the IP length. Payload bytes are never copied or returned;
 * nothing here keeps a reference to the buffer.
 *
 * VXLAN (RFC 7348, UDP destination port 4789): by default the OUTER packet is reported (the
 * tunnel endpoints, as Akvorado does by default) and the VNI is noted. Passing
 * `decapsulateVxlan` reports the inner packet instead, falling back to the outer one when the
 * inner frame carries no IP header.
 */

/** header_protocol values (sflow_version_5.txt, "enum header_protocol"). */
export const HEADER_PROTOCOL_ETHERNET = 1;
export const HEADER_PROTOCOL_IPV4 = 11;
export const HEADER_PROTOCOL_IPV6 = 12;

export const VXLAN_PORT = 4789;

export interface PacketHeaderFields {
  /** 0 when no IP header was found. */
  ipVersion: 0 | 4 | 6;
  src: string;
  dst: string;
  /** IPv4 src/dst as unsigned 32-bit numbers (FlowRecord.srcV4/dstV4); -1 for IPv6 or no IP header. */
  srcV4: number;
  dstV4: number;
  /** Upper-layer protocol; for IPv6 the one after the extension headers. */
  proto: number;
  srcPort: number;
  dstPort: number;
  /** TCP flags, low 8 bits (CWR … FIN). */
  tcpFlags: number;
  /** ICMP / ICMPv6 type and code; -1 when not ICMP or not captured. */
  icmpType: number;
  icmpCode: number;
  /** IPv4 total length, or IPv6 payload length + 40, as written in the header; 0 when no IP. */
  ipLength: number;
  /** VXLAN network identifier when the packet is VXLAN-encapsulated; -1 otherwise. */
  vxlanVni: number;
}

export function newPacketHeaderFields(): PacketHeaderFields {
  return { ipVersion: 0, src: '', dst: '', srcV4: -1, dstV4: -1, proto: 0, srcPort: 0, dstPort: 0, tcpFlags: 0, icmpType: -1, icmpCode: -1, ipLength: 0, vxlanVni: -1 };
}

function reset(f: PacketHeaderFields): void {
  f.ipVersion = 0;
  f.src = '';
  f.dst = '';
  f.srcV4 = -1;
  f.dstV4 = -1;
  f.proto = 0;
  resetTransport(f);
  f.ipLength = 0;
  f.vxlanVni = -1;
}

function resetTransport(f: PacketHeaderFields): void {
  f.srcPort = 0;
  f.dstPort = 0;
  f.tcpFlags = 0;
  f.icmpType = -1;
  f.icmpCode = -1;
}

/**
 * Parses `len` bytes at `off` (the header<> opaque of the record, already bounds-checked by the
 * caller) into `out`, which is reset first. Returns true when an IP header was found.
 * Sampled headers are truncated by design, so a header cut short is not an error: whatever
 * fits is reported.
 */
export function parsePacketHeader(b: Uint8Array, off: number, len: number, headerProtocol: number, out: PacketHeaderFields, decapsulateVxlan = false): boolean {
  reset(out);
  const end = Math.min(off + len, b.length);
  switch (headerProtocol) {
    case HEADER_PROTOCOL_ETHERNET:
      return ethernet(b, off, end, out, decapsulateVxlan);
    case HEADER_PROTOCOL_IPV4:
      return ipv4(b, off, end, out, decapsulateVxlan);
    case HEADER_PROTOCOL_IPV6:
      return ipv6(b, off, end, out, decapsulateVxlan);
    default:
      return false;
  }
}

/** Ethernet II with any number of 802.1Q (0x8100), 802.1ad (0x88a8) or legacy QinQ (0x9100) tags. */
function ethernet(b: Uint8Array, p: number, end: number, out: PacketHeaderFields, decap: boolean): boolean {
  if (p + 14 > end) return false;
  let type = (b[p + 12] << 8) | b[p + 13];
  p += 14;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (p + 4 > end) return false;
    type = (b[p + 2] << 8) | b[p + 3];
    p += 4;
  }
  if (type === 0x8847 || type === 0x8848) {
    // MPLS label stack (RFC 3032 §2.1): 4-byte entries until the bottom-of-stack bit; the
    // payload type is not signalled, so it is guessed from the IP version nibble.
    for (;;) {
      if (p + 4 > end) return false;
      const bottom = b[p + 2] & 0x01;
      p += 4;
      if (bottom) break;
    }
    if (p >= end) return false;
    const v = b[p] >> 4;
    type = v === 4 ? 0x0800 : v === 6 ? 0x86dd : 0;
  }
  if (type === 0x0800) return ipv4(b, p, end, out, decap);
  if (type === 0x86dd) return ipv6(b, p, end, out, decap);
  return false;
}

/** RFC 791 §3.1; options are skipped through IHL. */
function ipv4(b: Uint8Array, p: number, end: number, out: PacketHeaderFields, decap: boolean): boolean {
  if (p + 20 > end || b[p] >> 4 !== 4) return false;
  const ihl = (b[p] & 0x0f) * 4;
  if (ihl < 20) return false;
  out.ipVersion = 4;
  out.ipLength = (b[p + 2] << 8) | b[p + 3];
  out.proto = b[p + 9];
  out.src = formatIPv4(b, p + 12);
  out.dst = formatIPv4(b, p + 16);
  out.srcV4 = u32(b, p + 12);
  out.dstV4 = u32(b, p + 16);
  const fragmentOffset = ((b[p + 6] & 0x1f) << 8) | b[p + 7];
  // Non-first fragments carry no transport header.
  if (fragmentOffset === 0) transport(b, p + ihl, end, out, decap);
  return true;
}

/** RFC 8200 §3–4; extension headers are walked to the upper-layer header. */
function ipv6(b: Uint8Array, p: number, end: number, out: PacketHeaderFields, decap: boolean): boolean {
  if (p + 40 > end || b[p] >> 4 !== 6) return false;
  out.ipVersion = 6;
  out.ipLength = ((b[p + 4] << 8) | b[p + 5]) + 40;
  out.src = formatIPv6(b, p + 8);
  out.dst = formatIPv6(b, p + 24);
  out.srcV4 = -1;
  out.dstV4 = -1;
  let next = b[p + 6];
  let q = p + 40;
  for (;;) {
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
      // Hop-by-hop, routing, destination options, mobility, HIP, shim6: length in 8-octet units, first 8 excluded (RFC 8200 §4.3).
      if (q + 2 > end) break;
      const n = b[q];
      q += (b[q + 1] + 1) * 8;
      next = n;
    } else if (next === 51) {
      // Authentication header: length in 4-octet units, minus 2 (RFC 4302 §2.2).
      if (q + 2 > end) break;
      const n = b[q];
      q += (b[q + 1] + 2) * 4;
      next = n;
    } else if (next === 44) {
      // Fragment header (RFC 8200 §4.5): only the first fragment carries the transport header.
      if (q + 8 > end) break;
      const n = b[q];
      const fragmentOffset = ((b[q + 2] << 8) | b[q + 3]) >> 3;
      q += 8;
      next = n;
      if (fragmentOffset !== 0) {
        out.proto = next;
        return true;
      }
    } else {
      out.proto = next;
      transport(b, q, end, out, decap);
      return true;
    }
  }
  // Header cut inside the extension-header chain: the upper layer is unknown.
  out.proto = next;
  return true;
}

function transport(b: Uint8Array, q: number, end: number, out: PacketHeaderFields, decap: boolean): void {
  switch (out.proto) {
    case 6: // TCP (RFC 9293 §3.1): flags in octet 13.
      if (q + 4 <= end) ports(b, q, out);
      if (q + 14 <= end) out.tcpFlags = b[q + 13];
      return;
    case 17: // UDP (RFC 768)
      if (q + 4 > end) return;
      ports(b, q, out);
      if (out.dstPort === VXLAN_PORT) vxlan(b, q + 8, end, out, decap);
      return;
    case 132: // SCTP (RFC 9260 §3.1)
    case 136: // UDP-Lite (RFC 3828 §3)
    case 33: // DCCP (RFC 4340 §5.1)
      if (q + 4 <= end) ports(b, q, out);
      return;
    case 1: // ICMP (RFC 792)
    case 58: // ICMPv6 (RFC 4443 §2.1)
      if (q + 2 <= end) {
        out.icmpType = b[q];
        out.icmpCode = b[q + 1];
      }
      return;
    default:
      return;
  }
}

function ports(b: Uint8Array, q: number, out: PacketHeaderFields): void {
  out.srcPort = (b[q] << 8) | b[q + 1];
  out.dstPort = (b[q + 2] << 8) | b[q + 3];
}

/** RFC 7348 §5: 8-byte VXLAN header, I flag (0x08) marks a valid VNI, then the inner Ethernet frame. */
function vxlan(b: Uint8Array, v: number, end: number, out: PacketHeaderFields, decap: boolean): void {
  if (v + 8 > end || (b[v] & 0x08) === 0) return;
  const vni = (b[v + 4] << 16) | (b[v + 5] << 8) | b[v + 6];
  out.vxlanVni = vni;
  if (!decap) return;
  const ipVersion = out.ipVersion;
  const src = out.src;
  const dst = out.dst;
  const srcV4 = out.srcV4;
  const dstV4 = out.dstV4;
  const proto = out.proto;
  const ipLength = out.ipLength;
  const srcPort = out.srcPort;
  const dstPort = out.dstPort;
  resetTransport(out);
  // One level only: a VXLAN packet inside VXLAN is reported at the first inner layer.
  if (ethernet(b, v + 8, end, out, false)) {
    out.vxlanVni = vni;
    return;
  }
  out.ipVersion = ipVersion;
  out.src = src;
  out.dst = dst;
  out.srcV4 = srcV4;
  out.dstV4 = dstV4;
  out.proto = proto;
  out.ipLength = ipLength;
  resetTransport(out);
  out.srcPort = srcPort;
  out.dstPort = dstPort;
  out.vxlanVni = vni;
}
