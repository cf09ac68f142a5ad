import assert from 'node:assert/strict';
import type { FlowRecord, FlowSource } from '../../../../src/core/flow/flow-record.js';
import { absoluteToMs, num, str, type Tree, type TsharkMessage } from './netflow-tshark.js';

/**
 * The FlowRecords the documented mapping (docs/reference/flow-fields.md) yields for what tshark
 * read. Every value comes from tshark's dissection; this file only applies the mapping rules
 * (which field fills which FlowRecord field, how times and sampling resolve).
 */

const ZERO_V4 = '0.0.0.0';

/**
 * FlowRecord.srcV4/dstV4 for an address tshark printed: the dotted quad as an unsigned 32-bit
 * number, -1 when the export carries no IPv4 address there. Computed here from tshark's text,
 * independently of the decoder's byte reading.
 */
export function ipv4Twin(text: string | undefined): number {
  if (text === undefined) return -1;
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

/** 1-in-N rates announced in options records, by "exporter/domain/samplerId" (0 = no sampler id). */
export function optionRates(messages: TsharkMessage[]): Map<string, number> {
  const rates = new Map<string, number>();
  for (const m of messages) {
    for (const o of m.options) {
      const interval = num(o, 'cflow.sampling_interval') ?? num(o, 'cflow.sampler_random_interval') ?? 0;
      const packetInterval = num(o, 'cflow.sampling_packet_interval') ?? 0;
      const packetSpace = num(o, 'cflow.sampling_packet_space') ?? 0;
      const rate = interval > 0 ? interval : packetInterval > 0 ? (packetInterval + packetSpace) / packetInterval : 0;
      const sampler = num(o, 'cflow.sampler_id') ?? num(o, 'cflow.selector_id') ?? 0;
      if (rate > 0) rates.set(`${m.exporter}/${m.domain}/${sampler}`, rate);
    }
  }
  return rates;
}

interface FrameFields {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  ipLength: number;
}

/** The outermost IP header of a dataLinkFrameSection as tshark dissected it, with its transport header. */
function frameFields(tree: Tree): FrameFields | undefined {
  const ipKey = Object.keys(tree).find((k) => k === 'ip' || k === 'ipv6');
  if (ipKey === undefined) return undefined;
  const ip = tree[ipKey] as Tree;
  const v6 = ipKey === 'ipv6';
  const proto = v6 ? num(ip, 'ipv6.nxt')! : num(ip, 'ip.proto')!;
  const f: FrameFields = {
    ipVersion: v6 ? 6 : 4,
    src: str(ip, v6 ? 'ipv6.src' : 'ip.src')!,
    dst: str(ip, v6 ? 'ipv6.dst' : 'ip.dst')!,
    proto,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    ipLength: v6 ? num(ip, 'ipv6.plen')! + 40 : num(ip, 'ip.len')!,
  };
  const transport = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 ? 'icmp' : proto === 58 ? 'icmpv6' : undefined;
  const t = transport === undefined ? undefined : (tree[transport] as Tree | undefined);
  if (t !== undefined) {
    if (transport === 'tcp' || transport === 'udp') {
      f.srcPort = num(t, `${transport}.srcport`)!;
      f.dstPort = num(t, `${transport}.dstport`)!;
    }
    if (transport === 'tcp') f.tcpFlags = num(t, 'tcp.flags')! & 0xff;
    if (transport === 'icmp' || transport === 'icmpv6') f.dstPort = num(t, `${transport}.type`)! * 256 + num(t, `${transport}.code`)!;
  }
  return f;
}

function time(flow: Tree, m: TsharkMessage, which: 'start' | 'end'): number {
  const td = flow['cflow.timedelta_tree'] as Tree | undefined;
  if (td !== undefined) {
    const rel = str(td, which === 'start' ? 'cflow.timestart' : 'cflow.timeend');
    if (rel !== undefined) {
      // sysUptime-relative (RFC 3954 §8 FIRST/LAST_SWITCHED, v5 first/last): tshark shows it in seconds.
      const [whole, frac = ''] = rel.split('.');
      const relMs = Number(whole) * 1000 + Number((frac + '000').slice(0, 3));
      return m.exportMs - (m.sysUptimeMs! - relMs);
    }
    const abs = str(td, which === 'start' ? 'cflow.abstimestart' : 'cflow.abstimeend');
    if (abs !== undefined) return absoluteToMs(abs);
  }
  const observed = str(flow, 'cflow.observation_time_milliseconds');
  if (observed !== undefined) return absoluteToMs(observed);
  return m.exportMs;
}

/** Expected FlowRecords, in order, for the data records tshark read (plus RFC 5103 reverse directions). */
export function expectedRecords(messages: TsharkMessage[], source: FlowSource): FlowRecord[] {
  const rates = optionRates(messages);
  const out: FlowRecord[] = [];
  for (const m of messages) {
    for (const f of m.flows) {
      const s4 = str(f, 'cflow.srcaddr');
      const d4 = str(f, 'cflow.dstaddr');
      const s6 = str(f, 'cflow.srcaddrv6');
      const d6 = str(f, 'cflow.dstaddrv6');
      const has4 = s4 !== undefined || d4 !== undefined;
      const has6 = s6 !== undefined || d6 !== undefined;
      let family = has6 ? 6 : has4 ? 4 : 0;
      if (has4 && has6) family = num(f, 'cflow.ip_version') ?? ((s4 ?? ZERO_V4) === ZERO_V4 && (d4 ?? ZERO_V4) === ZERO_V4 ? 6 : 4);
      const proto = num(f, 'cflow.protocol') ?? 0;
      const r: FlowRecord = {
        start: time(f, m, 'start'),
        end: time(f, m, 'end'),
        exporter: m.exporter,
        observationDomain: m.domain,
        source,
        ipVersion: family === 6 ? 6 : 4,
        src: family === 6 ? (s6 ?? '::') : (s4 ?? ZERO_V4),
        dst: family === 6 ? (d6 ?? '::') : (d4 ?? ZERO_V4),
        srcV4: family === 4 ? ipv4Twin(s4) : -1,
        dstV4: family === 4 ? ipv4Twin(d4) : -1,
        srcPort: num(f, 'cflow.srcport') ?? 0,
        dstPort: num(f, 'cflow.dstport') ?? 0,
        proto,
        tcpFlags: (num(f, 'cflow.tcpflags') ?? 0) & 0xff,
        packets: 0,
        octets: 0,
        sampledPackets: num(f, 'cflow.packets') ?? 0,
        sampledOctets: num(f, 'cflow.octets') ?? 0,
        samplingRate: 1,
        inIf: num(f, 'cflow.inputint') ?? 0,
        outIf: num(f, 'cflow.outputint') ?? 0,
        srcAs: num(f, 'cflow.srcas') ?? 0,
        dstAs: num(f, 'cflow.dstas') ?? 0,
      };
      if (r.inIf === 0) r.inIf = num(f, 'cflow.ingress_physical_interface') ?? 0;
      if (r.outIf === 0) r.outIf = num(f, 'cflow.egress_physical_interface') ?? 0;
      if (family === 0) {
        const frameTree = f['cflow.data_link_frame_section_tree'] as Tree | undefined;
        if (frameTree !== undefined) {
          // One sampled frame: its IP header when there is one, else neutral addresses and the frame size.
          const fr = frameFields(frameTree);
          if (fr !== undefined) {
            const v4 = fr.ipVersion === 4;
            const twins = { srcV4: v4 ? ipv4Twin(fr.src) : -1, dstV4: v4 ? ipv4Twin(fr.dst) : -1 };
            Object.assign(r, { ipVersion: fr.ipVersion, src: fr.src, dst: fr.dst, ...twins, proto: fr.proto, srcPort: fr.srcPort, dstPort: fr.dstPort, tcpFlags: fr.tcpFlags });
          }
          if (f['cflow.packets'] === undefined) r.sampledPackets = 1;
          if (f['cflow.octets'] === undefined) r.sampledOctets = fr !== undefined ? fr.ipLength : num(f, 'cflow.data_link_frame_size')!;
        } else if (f['cflow.packets'] === undefined && f['cflow.octets'] === undefined) {
          // Neither addresses nor volume: not traffic, no record.
          continue;
        }
      }
      const icmp = num(f, 'cflow.icmp_type_code_ipv4') ?? (f['cflow.icmp_ipv6_type'] !== undefined ? num(f, 'cflow.icmp_ipv6_type')! * 256 + num(f, 'cflow.icmp_ipv6_code')! : 0);
      if (icmp > 0 && (r.proto === 1 || r.proto === 58)) r.dstPort = icmp;

      let rate: number;
      if (m.version === 5) rate = m.v5SampleRate;
      else {
        rate = num(f, 'cflow.sampling_interval') ?? num(f, 'cflow.sampler_random_interval') ?? 0;
        if (rate === 0) {
          const sampler = num(f, 'cflow.sampler_id') ?? num(f, 'cflow.selector_id');
          const domainRate = rates.get(`${m.exporter}/${m.domain}/0`) ?? 0;
          rate = sampler === undefined ? domainRate : (rates.get(`${m.exporter}/${m.domain}/${sampler}`) ?? domainRate);
        }
      }
      r.samplingRate = rate > 0 ? rate : 1;
      r.packets = r.sampledPackets * r.samplingRate;
      r.octets = r.sampledOctets * r.samplingRate;
      out.push(r);

      // RFC 5103 biflow: tshark lists the reverse (PEN 29305) counters after the forward ones.
      const reversePackets = num(f, 'cflow.packets', 1);
      if (reversePackets !== undefined && reversePackets > 0) {
        const q: FlowRecord = {
          ...r,
          src: r.dst,
          dst: r.src,
          srcV4: r.dstV4,
          dstV4: r.srcV4,
          srcPort: r.proto === 1 || r.proto === 58 ? 0 : r.dstPort,
          dstPort: r.proto === 1 || r.proto === 58 ? 0 : r.srcPort,
          tcpFlags: (num(f, 'cflow.tcpflags', 1) ?? 0) & 0xff,
          sampledPackets: reversePackets,
          sampledOctets: num(f, 'cflow.octets', 1) ?? 0,
          inIf: r.outIf,
          outIf: r.inIf,
          srcAs: r.dstAs,
          dstAs: r.srcAs,
        };
        q.packets = q.sampledPackets * q.samplingRate;
        q.octets = q.sampledOctets * q.samplingRate;
        out.push(q);
      }
    }
  }
  return out;
}

/**
 * Compares decoded records with expected ones, in order. Times may differ by less than 1 ms:
 * tshark prints NTP fractions to the nanosecond, FlowRecord keeps whole milliseconds.
 */
export function assertRecordsMatch(actual: FlowRecord[], expected: FlowRecord[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: record count`);
  for (let i = 0; i < expected.length; i++) {
    const a = { ...actual[i] };
    const e = { ...expected[i] };
    assert.ok(Math.abs(a.start - e.start) < 1, `${label} record ${i}: start ${a.start} vs tshark ${e.start}`);
    assert.ok(Math.abs(a.end - e.end) < 1, `${label} record ${i}: end ${a.end} vs tshark ${e.end}`);
    a.start = e.start;
    a.end = e.end;
    assert.deepEqual(a, e, `${label} record ${i}`);
  }
}
