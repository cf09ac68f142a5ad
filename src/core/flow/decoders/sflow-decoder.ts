import type { ExportDatagram } from '../export-datagram.js';
import type { CounterRegistry } from '../exporter-counters.js';
import type { DecoderOptions, FlowDecoder } from '../flow-decoder.js';
import { applySampling, emptyFlowRecord, type FlowRecord } from '../flow-record.js';
import { formatIPv4, formatIPv6 } from '../ip-address.js';
import { newPacketHeaderFields, parsePacketHeader, type PacketHeaderFields } from './packet-header.js';

/**
 * sFlow version 5 decoder (sflow.org/sflow_version_5.txt). One FlowRecord per flow sample;
 * counter samples and every non-standard (enterprise ≠ 0) structure are skipped by length.
 * The field mapping is documented in docs/reference/flow-fields-sflow.md.
 *
 * Everything is XDR (RFC 4506): big-endian 32-bit words, variable-length data prefixed by its
 * length. Every length and count is checked against the bytes actually present before use, so
 * hostile values (counts of 2^32, lengths beyond the datagram) end the decode as malformed
 * instead of looping or reading past the buffer.
 */

/** Sample formats (sflow_version_5.txt, "sample_data"), enterprise 0. */
const SAMPLE_FLOW = 1;
const SAMPLE_FLOW_EXPANDED = 3;

/** Flow record formats (sflow_version_5.txt, "flow_data"), enterprise 0. */
const RECORD_RAW_HEADER = 1;
const RECORD_SAMPLED_IPV4 = 3;
const RECORD_SAMPLED_IPV6 = 4;
const RECORD_EXTENDED_GATEWAY = 1003;

/** address union (sflow_version_5.txt, "address_type"). */
const ADDRESS_UNKNOWN = 0;
const ADDRESS_IPV4 = 1;
const ADDRESS_IPV6 = 2;

/** Interface format 0 value meaning "the device itself" (sflow_version_5.txt, "interface"). */
export const SFLOW_INTERFACE_LOCAL = 0x3fffffff;

const FAULT = -1;

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * Interface format (top 2 bits of "interface", or the format word of "interface_expanded"):
 * 0 = ifIndex (0x3fffffff, the device itself, is kept as is), 1 = packet discarded,
 * 2 = multiple output interfaces. The FlowRecord has no forwarding-status field, so 1 and 2
 * map to 0 (unknown interface).
 */
function interfaceOf(format: number, value: number): number {
  return format === 0 ? value : 0;
}

/** Byte length of an "address" union's body, or FAULT for an unknown type. */
function addressLength(type: number): number {
  if (type === ADDRESS_IPV4) return 4;
  if (type === ADDRESS_IPV6) return 16;
  if (type === ADDRESS_UNKNOWN) return 0;
  return FAULT;
}

export class SflowV5Decoder implements FlowDecoder {
  readonly #counters: CounterRegistry;
  readonly #header: PacketHeaderFields = newPacketHeaderFields();

  constructor(options: DecoderOptions) {
    this.#counters = options.counters;
  }

  decode(datagram: ExportDatagram, out: FlowRecord[]): number {
    const before = out.length;
    let ok: boolean;
    // Bounds are checked before every read; the catch only backs the never-throw contract of FlowDecoder.
    try {
      ok = this.#datagram(datagram, out);
    } catch {
      ok = false;
    }
    if (!ok) this.#counters.get(datagram.exporter).malformed++;
    return out.length - before;
  }

  /** sFlow carries no templates: nothing is ever held. */
  expire(_now: number): void {}

  /** sflow_version_5.txt, "sample_datagram_v5". Returns false on the first fault. */
  #datagram(d: ExportDatagram, out: FlowRecord[]): boolean {
    const b = d.payload;
    const end = b.length;
    if (end < 8 || u32(b, 0) !== 5) return false;
    const agentLength = addressLength(u32(b, 4));
    if (agentLength === FAULT) return false;
    let p = 8 + agentLength;
    // sub_agent_id, sequence_number, uptime, samples<> count.
    if (p + 16 > end) return false;
    const subAgentId = u32(b, p);
    const samples = u32(b, p + 12);
    p += 16;
    for (let i = 0; i < samples; i++) {
      if (p + 8 > end) return false;
      const format = u32(b, p);
      const length = u32(b, p + 4);
      p += 8;
      if (length > end - p) return false;
      const sampleEnd = p + length;
      if (format === SAMPLE_FLOW || format === SAMPLE_FLOW_EXPANDED) {
        const r = this.#flowSample(b, p, sampleEnd, format === SAMPLE_FLOW_EXPANDED, d, subAgentId);
        if (r === undefined) return false;
        out.push(r);
      }
      p = sampleEnd;
    }
    // XDR leaves no slack: bytes after the declared samples mean the sample count disagrees with
    // the datagram (undeclared samples would be lost silently), so the datagram is counted.
    return p === end;
  }

  /** sflow_version_5.txt, "flow_sample" (format 1) and "flow_sample_expanded" (format 3). */
  #flowSample(b: Uint8Array, p: number, end: number, expanded: boolean, d: ExportDatagram, subAgentId: number): FlowRecord | undefined {
    let samplingRate: number;
    let inIf: number;
    let outIf: number;
    let records: number;
    if (expanded) {
      // sequence_number, source_id (type, index), sampling_rate, sample_pool, drops,
      // input (format, value), output (format, value), flow_records<> count.
      if (p + 44 > end) return undefined;
      samplingRate = u32(b, p + 12);
      inIf = interfaceOf(u32(b, p + 24), u32(b, p + 28));
      outIf = interfaceOf(u32(b, p + 32), u32(b, p + 36));
      records = u32(b, p + 40);
      p += 44;
    } else {
      // sequence_number, source_id, sampling_rate, sample_pool, drops, input, output, flow_records<> count.
      if (p + 32 > end) return undefined;
      samplingRate = u32(b, p + 8);
      const input = u32(b, p + 20);
      const output = u32(b, p + 24);
      inIf = interfaceOf(input >>> 30, input & 0x3fffffff);
      outIf = interfaceOf(output >>> 30, output & 0x3fffffff);
      records = u32(b, p + 28);
      p += 32;
    }

    const r = emptyFlowRecord('sflow-v5', d.exporter, subAgentId);
    r.start = d.receivedAt;
    r.end = d.receivedAt;
    r.inIf = inIf;
    r.outIf = outIf;
    r.sampledPackets = 1;
    let ipFromHeader = false;
    let octetsFromHeader = false;
    const h = this.#header;

    for (let i = 0; i < records; i++) {
      if (p + 8 > end) return undefined;
      const format = u32(b, p);
      const length = u32(b, p + 4);
      p += 8;
      if (length > end - p) return undefined;
      switch (format) {
        case RECORD_RAW_HEADER: {
          // header_protocol, frame_length, stripped, header<>.
          if (length < 16) return undefined;
          const headerLength = u32(b, p + 12);
          if (headerLength > length - 16) return undefined;
          r.sampledOctets = u32(b, p + 4);
          octetsFromHeader = true;
          if (parsePacketHeader(b, p + 16, headerLength, u32(b, p), h)) {
            ipFromHeader = true;
            r.ipVersion = h.ipVersion === 6 ? 6 : 4;
            r.src = h.src;
            r.dst = h.dst;
            r.srcV4 = h.srcV4;
            r.dstV4 = h.dstV4;
            r.proto = h.proto;
            r.tcpFlags = h.tcpFlags;
            if (h.icmpType >= 0) {
              // ICMP type and code as NetFlow carries them: destination port = type × 256 + code.
              r.srcPort = 0;
              r.dstPort = h.icmpType * 256 + h.icmpCode;
            } else {
              r.srcPort = h.srcPort;
              r.dstPort = h.dstPort;
            }
          }
          break;
        }
        case RECORD_SAMPLED_IPV4:
        case RECORD_SAMPLED_IPV6: {
          // length, protocol, src_ip, dst_ip, src_port, dst_port, tcp_flags, tos/priority.
          const v6 = format === RECORD_SAMPLED_IPV6;
          const a = v6 ? 16 : 4;
          if (length < 24 + 2 * a) return undefined;
          if (!octetsFromHeader) r.sampledOctets = u32(b, p);
          if (!ipFromHeader) {
            r.ipVersion = v6 ? 6 : 4;
            r.proto = u32(b, p + 4);
            r.src = v6 ? formatIPv6(b, p + 8) : formatIPv4(b, p + 8);
            r.dst = v6 ? formatIPv6(b, p + 8 + a) : formatIPv4(b, p + 8 + a);
            r.srcV4 = v6 ? -1 : u32(b, p + 8);
            r.dstV4 = v6 ? -1 : u32(b, p + 8 + a);
            r.srcPort = u32(b, p + 8 + 2 * a);
            r.dstPort = u32(b, p + 12 + 2 * a);
            r.tcpFlags = u32(b, p + 16 + 2 * a) & 0xff;
          }
          break;
        }
        case RECORD_EXTENDED_GATEWAY:
          if (!this.#gateway(b, p, p + length, r)) return undefined;
          break;
        default:
          break;
      }
      p += length;
    }
    applySampling(r, samplingRate);
    return r;
  }

  /**
   * sflow_version_5.txt, "extended_gateway": nexthop, as, src_as, src_peer_as, dst_as_path<>,
   * communities<>, localpref. An empty source AS or destination path means the router's own AS.
   */
  #gateway(b: Uint8Array, p: number, end: number, r: FlowRecord): boolean {
    if (p + 4 > end) return false;
    const nextHopLength = addressLength(u32(b, p));
    if (nextHopLength === FAULT) return false;
    p += 4 + nextHopLength;
    if (p + 16 > end) return false;
    const routerAs = u32(b, p);
    const srcAs = u32(b, p + 4);
    const segments = u32(b, p + 12);
    p += 16;
    let lastAs = 0;
    let pathSeen = false;
    for (let i = 0; i < segments; i++) {
      // as_path_type: segment type (AS_SET / AS_SEQUENCE), then the AS numbers.
      if (p + 8 > end) return false;
      const count = u32(b, p + 4);
      p += 8;
      if (count > (end - p) / 4) return false;
      if (count > 0) {
        lastAs = u32(b, p + (count - 1) * 4);
        pathSeen = true;
      }
      p += count * 4;
    }
    r.srcAs = srcAs !== 0 ? srcAs : routerAs;
    r.dstAs = pathSeen ? lastAs : routerAs;
    return true;
  }
}
