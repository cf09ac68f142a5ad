/**
 * What a packet (or flow) arriving at the darknet is. A darknet has no hosts, so nobody there
 * opened a connection: a SYN-ACK, RST or ICMP error arriving there answers a packet somebody else
 * sent with a darknet address forged as its source — backscatter of a spoofed-source attack
 * (Moore et al., "Inferring Internet Denial-of-Service Activity", USENIX Security 2001).
 * Everything that opens something (TCP SYN, UDP, ICMP echo request) is a probe: a scan.
 */
import type { FlowRecord } from '../flow/flow-record.js';

export type DarknetTrafficClass = 'scan' | 'backscatter' | 'other';

const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/**
 * ICMP types (RFC 792) that answer someone else's packet: echo reply 0, destination unreachable 3,
 * time exceeded 11. ICMPv6 (RFC 4443): unreachable 1, packet too big 2, time exceeded 3, echo reply 129.
 */
const ICMP4_BACKSCATTER = new Set([0, 3, 11]);
const ICMP6_BACKSCATTER = new Set([1, 2, 3, 129]);
/** Echo request (ICMP 8, ICMPv6 128), timestamp 13, address mask 17: probes. */
const ICMP4_PROBE = new Set([8, 13, 17]);
const ICMP6_PROBE = new Set([128]);

/**
 * Class of a record whose destination is in the darknet. TCP flags are the flow's cumulative
 * flags; 0 means the exporter sent none, and is taken as a probe (a NULL scan looks the same).
 * ICMP type/code are read from the destination port (type × 256 + code, as NetFlow carries them).
 * Mid-connection TCP (ACK without SYN or RST) is 'other': an ACK scan and the backscatter of an
 * ACK flood look alike, so neither detector counts it.
 */
export function classifyDarknetTraffic(r: FlowRecord): DarknetTrafficClass {
  if (r.proto === 6) {
    const f = r.tcpFlags;
    if (f & RST) return 'backscatter';
    if (f & SYN) return f & ACK ? 'backscatter' : 'scan';
    if (f & ACK) return 'other';
    // No SYN, RST or ACK: NULL, FIN and Xmas probes (RFC 9293 stacks answer them from closed ports).
    return 'scan';
  }
  if (r.proto === 1 || r.proto === 58) {
    const type = r.dstPort >> 8;
    if ((r.proto === 1 ? ICMP4_BACKSCATTER : ICMP6_BACKSCATTER).has(type)) return 'backscatter';
    if ((r.proto === 1 ? ICMP4_PROBE : ICMP6_PROBE).has(type)) return 'scan';
    return 'other';
  }
  return 'scan';
}

/** Short name of the backscatter kind, for evidence facts. */
export function backscatterKind(r: FlowRecord): string {
  if (r.proto === 6) return r.tcpFlags & RST ? 'rst' : 'syn-ack';
  const type = r.dstPort >> 8;
  if (r.proto === 1) return type === 0 ? 'echo-reply' : type === 3 ? 'unreachable' : 'time-exceeded';
  return type === 129 ? 'echo-reply' : type === 1 ? 'unreachable' : type === 2 ? 'too-big' : 'time-exceeded';
}
