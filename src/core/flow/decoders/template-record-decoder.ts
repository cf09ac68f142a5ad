import { applySampling, emptyFlowRecord, type FlowRecord, type FlowSource } from '../flow-record.js';
import { formatIPv4, formatIPv6 } from '../ip-address.js';
import { compiledRecordDecoder, reversed } from './compiled-record-decoder.js';
import { MAX_TEMPLATE_FIELDS, type CompiledTemplate } from './compiled-template.js';
import { parseDataLinkFrame } from './data-link-frame.js';
import type { ExporterState } from './exporter-state.js';
import type { ExportHeader } from './export-header.js';
import { ntpToEpochMs, uptimeToEpochMs } from './flow-times.js';
import { FieldRole, VARIABLE_LENGTH } from './information-elements.js';
import { newPacketHeaderFields } from './packet-header.js';
import { rateOf } from './sampling-rates.js';
import { readUnsigned, u32 } from './unsigned.js';

const ICMP = 1;
const ICMPV6 = 58;

function zeroIPv4(b: Uint8Array, o: number): boolean {
  return o < 0 || (b[o] | b[o + 1] | b[o + 2] | b[o + 3]) === 0;
}

/**
 * Decodes the records of one data set against a compiled template (RFC 3954 §5.3, RFC 7011
 * §3.4.3), shared by the NetFlow v9 and IPFIX decoders. Records are read until fewer bytes remain
 * than the smallest record: the rest is set padding (RFC 7011 §3.3.1, RFC 3954 §5.3).
 * A variable-length field running past the set sets `malformed` and ends the set.
 */
export class TemplateRecordDecoder {
  malformed = false;
  /** Data records walked (flow, options and other), for the NetFlow v9 header count check. */
  walked = 0;
  readonly #source: FlowSource;
  readonly #offsets = new Int32Array(MAX_TEMPLATE_FIELDS);
  readonly #lengths = new Int32Array(MAX_TEMPLATE_FIELDS);
  readonly #frame = newPacketHeaderFields();
  readonly #compiled: boolean;
  readonly #deferIPv4Text: boolean;

  /**
   * `generic`: never use the compiled per-template decoders (differential tests, A/B benchmarks).
   * `deferIPv4Text`: the compiled decoders leave IPv4 text unmade (DecoderOptions.deferIPv4Text).
   */
  constructor(source: FlowSource, generic = false, deferIPv4Text = false) {
    this.#source = source;
    this.#compiled = !generic;
    this.#deferIPv4Text = deferIPv4Text;
  }

  /**
   * Field offsets (relative to the record) and lengths of one record of a template with
   * variable-length fields: a 1-byte length, or 255 then a 2-byte length (RFC 7011 §7).
   * Returns the record length, or -1 when a length runs past `end`.
   */
  #layout(t: CompiledTemplate, b: Uint8Array, p: number, end: number): number {
    const declared = t.lengths;
    const offsets = this.#offsets;
    const lengths = this.#lengths;
    let q = p;
    for (let i = 0; i < t.fieldCount; i++) {
      let len = declared[i];
      if (len === VARIABLE_LENGTH) {
        if (q >= end) return -1;
        len = b[q++];
        if (len === 255) {
          if (q + 2 > end) return -1;
          len = (b[q] << 8) | b[q + 1];
          q += 2;
        }
      }
      offsets[i] = q - p;
      lengths[i] = len;
      q += len;
      if (q > end) return -1;
    }
    return q - p;
  }

  /**
   * Appends one FlowRecord per data record (two for an RFC 5103 biflow); returns how many.
   * Fixed-length flow templates are decoded by their compiled decoder (compiled-record-decoder.ts);
   * the loop below is the reference it must match and the path for every other template.
   */
  decodeFlows(t: CompiledTemplate, b: Uint8Array, setStart: number, setEnd: number, h: ExportHeader, state: ExporterState, out: FlowRecord[]): number {
    const source = this.#source;
    const exporter = h.exporter;
    const domain = h.domain;
    const rates = state.rates.forDomain(domain);
    const domainRate = rates?.get(0) ?? 0;
    const systemInit = state.systemInit.get(domain) ?? -1;
    const compiled = this.#compiled ? compiledRecordDecoder(t, this.#deferIPv4Text) : undefined;
    if (compiled !== undefined) {
      const before = out.length;
      this.walked += compiled(b, setStart, setEnd, h, rates, domainRate, systemInit, source, out);
      return out.length - before;
    }
    const fixed = t.fixedLength;
    const offsets = fixed >= 0 ? t.offsets : this.#offsets;
    const lengths = fixed >= 0 ? t.lengths : this.#lengths;
    const planFields = t.planFields;
    const planRoles = t.planRoles;
    const planLength = planFields.length;
    const before = out.length;
    let p = setStart;
    while (setEnd - p >= t.minLength) {
      let recordLength = fixed;
      if (recordLength < 0) {
        recordLength = this.#layout(t, b, p, setEnd);
        if (recordLength < 0) {
          this.malformed = true;
          break;
        }
      }
      const r = emptyFlowRecord(source, exporter, domain);
      let src4 = -1;
      let dst4 = -1;
      let src6 = -1;
      let dst6 = -1;
      let ipVersion = 0;
      let packets = -1;
      let octets = -1;
      let totalPackets = -1;
      let totalOctets = -1;
      let postPackets = -1;
      let postOctets = -1;
      let inPhys = -1;
      let outPhys = -1;
      let icmp = -1;
      let icmpType = -1;
      let icmpCode = -1;
      let start = -1;
      let end = -1;
      let upStart = -1;
      let upEnd = -1;
      let init = systemInit;
      let observed = -1;
      let interval = 0;
      let samplerId = -1;
      let packetInterval = 0;
      let packetSpace = 0;
      let sampleSize = 0;
      let population = 0;
      let frameOffset = -1;
      let frameLength = 0;
      let frameSize = -1;
      let reversePackets = -1;
      let reverseOctets = -1;
      let reverseFlags = 0;
      for (let i = 0; i < planLength; i++) {
        const f = planFields[i];
        const o = p + offsets[f];
        const len = lengths[f];
        switch (planRoles[i] as FieldRole) {
          case FieldRole.SrcIPv4:
            src4 = o;
            break;
          case FieldRole.DstIPv4:
            dst4 = o;
            break;
          case FieldRole.SrcIPv6:
            src6 = o;
            break;
          case FieldRole.DstIPv6:
            dst6 = o;
            break;
          case FieldRole.SrcPort:
            r.srcPort = readUnsigned(b, o, len) & 0xffff;
            break;
          case FieldRole.DstPort:
            r.dstPort = readUnsigned(b, o, len) & 0xffff;
            break;
          case FieldRole.Protocol:
            r.proto = b[o + len - 1];
            break;
          case FieldRole.TcpFlags:
            r.tcpFlags = b[o + len - 1];
            break;
          case FieldRole.Packets:
            packets = readUnsigned(b, o, len);
            break;
          case FieldRole.Octets:
            octets = readUnsigned(b, o, len);
            break;
          case FieldRole.TotalPackets:
            totalPackets = readUnsigned(b, o, len);
            break;
          case FieldRole.TotalOctets:
            totalOctets = readUnsigned(b, o, len);
            break;
          case FieldRole.PostPackets:
            postPackets = readUnsigned(b, o, len);
            break;
          case FieldRole.PostOctets:
            postOctets = readUnsigned(b, o, len);
            break;
          case FieldRole.InIf:
            r.inIf = readUnsigned(b, o, len);
            break;
          case FieldRole.OutIf:
            r.outIf = readUnsigned(b, o, len);
            break;
          case FieldRole.InPhysIf:
            inPhys = readUnsigned(b, o, len);
            break;
          case FieldRole.OutPhysIf:
            outPhys = readUnsigned(b, o, len);
            break;
          case FieldRole.SrcAs:
            r.srcAs = readUnsigned(b, o, len);
            break;
          case FieldRole.DstAs:
            r.dstAs = readUnsigned(b, o, len);
            break;
          case FieldRole.IpVersion:
            ipVersion = b[o + len - 1];
            break;
          case FieldRole.IcmpTypeCode:
            icmp = readUnsigned(b, o, len) & 0xffff;
            break;
          case FieldRole.IcmpType:
            icmpType = b[o + len - 1];
            break;
          case FieldRole.IcmpCode:
            icmpCode = b[o + len - 1];
            break;
          case FieldRole.StartUptime:
            upStart = readUnsigned(b, o, len);
            break;
          case FieldRole.EndUptime:
            upEnd = readUnsigned(b, o, len);
            break;
          case FieldRole.StartSeconds:
            start = readUnsigned(b, o, len) * 1000;
            break;
          case FieldRole.EndSeconds:
            end = readUnsigned(b, o, len) * 1000;
            break;
          case FieldRole.StartMilliseconds:
            start = readUnsigned(b, o, len);
            break;
          case FieldRole.EndMilliseconds:
            end = readUnsigned(b, o, len);
            break;
          case FieldRole.StartNtp:
            start = ntpToEpochMs(u32(b, o), u32(b, o + 4));
            break;
          case FieldRole.EndNtp:
            end = ntpToEpochMs(u32(b, o), u32(b, o + 4));
            break;
          case FieldRole.StartDeltaMicroseconds:
            start = Math.floor(h.exportMs - readUnsigned(b, o, len) / 1000);
            break;
          case FieldRole.EndDeltaMicroseconds:
            end = Math.floor(h.exportMs - readUnsigned(b, o, len) / 1000);
            break;
          case FieldRole.SystemInitMilliseconds:
            init = readUnsigned(b, o, len);
            break;
          case FieldRole.ObservationSeconds:
            observed = readUnsigned(b, o, len) * 1000;
            break;
          case FieldRole.ObservationMilliseconds:
            observed = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingInterval:
            if (interval === 0) interval = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplerId:
            samplerId = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPacketInterval:
            packetInterval = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPacketSpace:
            packetSpace = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingSize:
            sampleSize = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPopulation:
            population = readUnsigned(b, o, len);
            break;
          case FieldRole.DataLinkFrameSection:
            frameOffset = o;
            frameLength = len;
            break;
          case FieldRole.DataLinkFrameSize:
            frameSize = readUnsigned(b, o, len);
            break;
          case FieldRole.ReversePackets:
            reversePackets = readUnsigned(b, o, len);
            break;
          case FieldRole.ReverseOctets:
            reverseOctets = readUnsigned(b, o, len);
            break;
          case FieldRole.ReverseTcpFlags:
            reverseFlags = b[o + len - 1];
            break;
          default:
            break;
        }
      }
      p += recordLength;
      this.walked++;

      const has4 = src4 >= 0 || dst4 >= 0;
      const has6 = src6 >= 0 || dst6 >= 0;
      let family = has6 ? 6 : has4 ? 4 : 0;
      // Templates carrying both families (one of them zero) say which by ipVersion, else by which is set.
      if (has4 && has6) family = ipVersion === 4 || ipVersion === 6 ? ipVersion : zeroIPv4(b, src4) && zeroIPv4(b, dst4) ? 6 : 4;
      if (family === 6) {
        r.ipVersion = 6;
        r.src = src6 >= 0 ? formatIPv6(b, src6) : '::';
        r.dst = dst6 >= 0 ? formatIPv6(b, dst6) : '::';
      } else if (family === 4) {
        if (src4 >= 0) {
          r.src = formatIPv4(b, src4);
          r.srcV4 = u32(b, src4);
        }
        if (dst4 >= 0) {
          r.dst = formatIPv4(b, dst4);
          r.dstV4 = u32(b, dst4);
        }
      } else if (frameOffset >= 0) {
        // One sampled frame. Without an IP header (ARP, LLDP, a cut header) the record keeps the
        // neutral addresses so interface volumes stay complete, as the sFlow decoder does.
        const fr = this.#frame;
        const ip = frameLength > 0 && parseDataLinkFrame(b, frameOffset, frameLength, fr) && fr.ipVersion !== 0;
        if (ip) {
          r.ipVersion = fr.ipVersion === 6 ? 6 : 4;
          r.src = fr.src;
          r.dst = fr.dst;
          r.srcV4 = fr.srcV4;
          r.dstV4 = fr.dstV4;
          r.proto = fr.proto;
          r.srcPort = fr.srcPort;
          r.dstPort = fr.dstPort;
          r.tcpFlags = fr.tcpFlags;
          if (fr.icmpType >= 0) icmp = fr.icmpType * 256 + fr.icmpCode;
        }
        if (packets < 0) packets = 1;
        if (octets < 0) octets = ip ? fr.ipLength : frameSize >= 0 ? frameSize : frameLength;
      }

      if (packets < 0) packets = totalPackets >= 0 ? totalPackets : postPackets >= 0 ? postPackets : 0;
      if (octets < 0) octets = totalOctets >= 0 ? totalOctets : postOctets >= 0 ? postOctets : 0;
      if (r.inIf === 0 && inPhys > 0) r.inIf = inPhys;
      if (r.outIf === 0 && outPhys > 0) r.outIf = outPhys;
      if (icmp < 0 && (icmpType >= 0 || icmpCode >= 0)) icmp = Math.max(icmpType, 0) * 256 + Math.max(icmpCode, 0);
      // ICMP type·256 + code goes in dstPort, as NetFlow v5 exporters and most collectors do.
      if (icmp > 0 && (r.proto === ICMP || r.proto === ICMPV6)) r.dstPort = icmp;

      if (upStart >= 0 && start < 0) start = h.sysUptimeMs >= 0 ? uptimeToEpochMs(h.exportMs, h.sysUptimeMs, upStart) : init >= 0 ? init + upStart : -1;
      if (upEnd >= 0 && end < 0) end = h.sysUptimeMs >= 0 ? uptimeToEpochMs(h.exportMs, h.sysUptimeMs, upEnd) : init >= 0 ? init + upEnd : -1;
      if (start < 0) start = end >= 0 ? end : observed >= 0 ? observed : h.exportMs;
      if (end < 0) end = start;
      r.start = start;
      r.end = end;

      let rate = rateOf(interval, packetInterval, packetSpace, sampleSize, population);
      if (rate === 0) rate = samplerId >= 0 && rates !== undefined ? (rates.get(samplerId) ?? domainRate) : domainRate;
      r.sampledPackets = packets;
      r.sampledOctets = octets;
      applySampling(r, rate);
      out.push(r);

      if (t.reverse && (reversePackets > 0 || (reversePackets < 0 && reverseOctets > 0))) {
        out.push(reversed(r, reversePackets, reverseOctets, reverseFlags, rate));
      }
    }
    return out.length - before;
  }

  /** Walks the records of a data set whose template describes no traffic, only to count them. */
  skipRecords(t: CompiledTemplate, b: Uint8Array, setStart: number, setEnd: number): void {
    let p = setStart;
    while (setEnd - p >= t.minLength) {
      const recordLength = t.fixedLength >= 0 ? t.fixedLength : this.#layout(t, b, p, setEnd);
      if (recordLength < 0) {
        this.malformed = true;
        return;
      }
      p += recordLength;
      this.walked++;
    }
  }

  /** Reads sampling parameters and systemInitTimeMilliseconds from options data records. */
  readOptions(t: CompiledTemplate, b: Uint8Array, setStart: number, setEnd: number, h: ExportHeader, state: ExporterState): void {
    const fixed = t.fixedLength;
    const offsets = fixed >= 0 ? t.offsets : this.#offsets;
    const lengths = fixed >= 0 ? t.lengths : this.#lengths;
    let p = setStart;
    while (setEnd - p >= t.minLength) {
      let recordLength = fixed;
      if (recordLength < 0) {
        recordLength = this.#layout(t, b, p, setEnd);
        if (recordLength < 0) {
          this.malformed = true;
          return;
        }
      }
      let interval = 0;
      let samplerId = 0;
      let packetInterval = 0;
      let packetSpace = 0;
      let sampleSize = 0;
      let population = 0;
      let init = -1;
      for (let i = 0; i < t.planFields.length; i++) {
        const f = t.planFields[i];
        const o = p + offsets[f];
        const len = lengths[f];
        switch (t.planRoles[i] as FieldRole) {
          case FieldRole.SamplingInterval:
            if (interval === 0) interval = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplerId:
            samplerId = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPacketInterval:
            packetInterval = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPacketSpace:
            packetSpace = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingSize:
            sampleSize = readUnsigned(b, o, len);
            break;
          case FieldRole.SamplingPopulation:
            population = readUnsigned(b, o, len);
            break;
          case FieldRole.SystemInitMilliseconds:
            init = readUnsigned(b, o, len);
            break;
          default:
            break;
        }
      }
      p += recordLength;
      this.walked++;
      const rate = rateOf(interval, packetInterval, packetSpace, sampleSize, population);
      if (rate > 0) state.rates.set(h.domain, samplerId, rate);
      if (init >= 0) state.systemInit.set(h.domain, init);
    }
  }
}
