import { applySampling, emptyFlowRecord, type FlowRecord, type FlowSource } from '../flow-record.js';
import { formatIPv4, formatIPv6 } from '../ip-address.js';
import type { CompiledTemplate } from './compiled-template.js';
import type { ExportHeader } from './export-header.js';
import { ntpToEpochMs, uptimeToEpochMs } from './flow-times.js';
import { FieldRole } from './information-elements.js';
import { rateOf } from './sampling-rates.js';

/**
 * Decodes every record of one data set of a fixed-length flow template; returns records walked.
 * Appends one FlowRecord per record (two for an RFC 5103 biflow with reverse traffic).
 */
export type CompiledRecordDecoder = (
  b: Uint8Array,
  p: number,
  setEnd: number,
  h: ExportHeader,
  rates: ReadonlyMap<number, number> | undefined,
  domainRate: number,
  systemInit: number,
  source: FlowSource,
  out: FlowRecord[],
) => number;

/** Decoder per compiled template (IPv4 text made, or deferred); null when the template takes the generic path. */
const cache = new WeakMap<CompiledTemplate, CompiledRecordDecoder | null>();
const deferredCache = new WeakMap<CompiledTemplate, CompiledRecordDecoder | null>();

/**
 * The straight-line record decoder of a template, generated once per compiled template and
 * cached with it, or undefined when the template needs the generic walk of
 * TemplateRecordDecoder.decodeFlows: variable-length fields (the layout differs per record),
 * dataLinkFrameSection (a sampled frame is parsed, RFC 7133 §4.7), options and non-flow
 * templates. The generated code is the generic loop unrolled for the template: the same
 * statements, in plan order (so a field repeated in a template overrides as it does there),
 * with each field's offset and length made constants, then the same post-processing.
 *
 * The source text is assembled only from the fixed fragments below and integers checked here
 * (offsets and lengths of the template); nothing read from the wire as text reaches it.
 */
export function compiledRecordDecoder(t: CompiledTemplate, deferIPv4Text = false): CompiledRecordDecoder | undefined {
  const c = deferIPv4Text ? deferredCache : cache;
  let d = c.get(t);
  if (d === undefined) {
    d = compile(t, deferIPv4Text);
    c.set(t, d);
  }
  return d ?? undefined;
}

/**
 * The reverse direction of an RFC 5103 biflow: endpoints swapped, reverse counters (§6.1).
 * Shared by the generic and the compiled paths so that both build it alike.
 */
export function reversed(r: FlowRecord, packets: number, octets: number, tcpFlags: number, rate: number): FlowRecord {
  const q = emptyFlowRecord(r.source, r.exporter, r.observationDomain);
  const icmp = r.proto === 1 || r.proto === 58; // ICMP, ICMPv6
  q.start = r.start;
  q.end = r.end;
  q.ipVersion = r.ipVersion;
  q.src = r.dst;
  q.dst = r.src;
  q.srcV4 = r.dstV4;
  q.dstV4 = r.srcV4;
  q.srcPort = icmp ? 0 : r.dstPort;
  q.dstPort = icmp ? 0 : r.srcPort;
  q.proto = r.proto;
  q.tcpFlags = tcpFlags;
  q.inIf = r.outIf;
  q.outIf = r.inIf;
  q.srcAs = r.dstAs;
  q.dstAs = r.srcAs;
  q.sampledPackets = packets > 0 ? packets : 0;
  q.sampledOctets = octets > 0 ? octets : 0;
  applySampling(q, rate);
  return q;
}

/** Record-local variables the plan may assign, with their value when the template does not carry them. */
const LOCALS: Readonly<Record<string, string>> = {
  ipVersion: '0',
  packets: '-1',
  octets: '-1',
  totalPackets: '-1',
  totalOctets: '-1',
  postPackets: '-1',
  postOctets: '-1',
  inPhys: '-1',
  outPhys: '-1',
  icmp: '-1',
  icmpType: '-1',
  icmpCode: '-1',
  start: '-1',
  end: '-1',
  upStart: '-1',
  upEnd: '-1',
  init: 'systemInit',
  observed: '-1',
  interval: '0',
  samplerId: '-1',
  packetInterval: '0',
  packetSpace: '0',
  sampleSize: '0',
  population: '0',
  reversePackets: '-1',
  reverseOctets: '-1',
  reverseFlags: '0',
};

/** Index expression of record byte `k` (k an integer checked by the caller). */
function at(k: number): string {
  return `b[p + ${k}]`;
}

/** Same arithmetic as u32() in unsigned.ts. */
function u32At(k: number): string {
  return `(${at(k)} * 16777216 + ((${at(k + 1)} << 16) | (${at(k + 2)} << 8) | ${at(k + 3)}))`;
}

/** Same arithmetic as readUnsigned() in unsigned.ts, for a 1–8 byte field at record offset k. */
function unsignedAt(k: number, len: number): string {
  switch (len) {
    case 1:
      return at(k);
    case 2:
      return `((${at(k)} << 8) | ${at(k + 1)})`;
    case 4:
      return u32At(k);
    case 8:
      return `(${u32At(k)} * 4294967296 + ${u32At(k + 4)})`;
    default: {
      let v = at(k);
      for (let i = 1; i < len; i++) v = `(${v} * 256 + ${at(k + i)})`;
      return v;
    }
  }
}

/** The statement for one plan field, mirroring the generic switch; undefined for a role not compiled. */
function statement(role: FieldRole, k: number, len: number): string | undefined {
  const u = (): string => unsignedAt(k, len);
  const last = at(k + len - 1);
  switch (role) {
    case FieldRole.SrcIPv4:
    case FieldRole.DstIPv4:
    case FieldRole.SrcIPv6:
    case FieldRole.DstIPv6:
      return ''; // Offsets are constants, resolved at compile time.
    case FieldRole.SrcPort:
      return `r.srcPort = ${u()} & 0xffff;`;
    case FieldRole.DstPort:
      return `r.dstPort = ${u()} & 0xffff;`;
    case FieldRole.Protocol:
      return `r.proto = ${last};`;
    case FieldRole.TcpFlags:
      return `r.tcpFlags = ${last};`;
    case FieldRole.Packets:
      return `packets = ${u()};`;
    case FieldRole.Octets:
      return `octets = ${u()};`;
    case FieldRole.TotalPackets:
      return `totalPackets = ${u()};`;
    case FieldRole.TotalOctets:
      return `totalOctets = ${u()};`;
    case FieldRole.PostPackets:
      return `postPackets = ${u()};`;
    case FieldRole.PostOctets:
      return `postOctets = ${u()};`;
    case FieldRole.InIf:
      return `r.inIf = ${u()};`;
    case FieldRole.OutIf:
      return `r.outIf = ${u()};`;
    case FieldRole.InPhysIf:
      return `inPhys = ${u()};`;
    case FieldRole.OutPhysIf:
      return `outPhys = ${u()};`;
    case FieldRole.SrcAs:
      return `r.srcAs = ${u()};`;
    case FieldRole.DstAs:
      return `r.dstAs = ${u()};`;
    case FieldRole.IpVersion:
      return `ipVersion = ${last};`;
    case FieldRole.IcmpTypeCode:
      return `icmp = ${u()} & 0xffff;`;
    case FieldRole.IcmpType:
      return `icmpType = ${last};`;
    case FieldRole.IcmpCode:
      return `icmpCode = ${last};`;
    case FieldRole.StartUptime:
      return `upStart = ${u()};`;
    case FieldRole.EndUptime:
      return `upEnd = ${u()};`;
    case FieldRole.StartSeconds:
      return `start = ${u()} * 1000;`;
    case FieldRole.EndSeconds:
      return `end = ${u()} * 1000;`;
    case FieldRole.StartMilliseconds:
      return `start = ${u()};`;
    case FieldRole.EndMilliseconds:
      return `end = ${u()};`;
    case FieldRole.StartNtp:
      return `start = ntpToEpochMs(${u32At(k)}, ${u32At(k + 4)});`;
    case FieldRole.EndNtp:
      return `end = ntpToEpochMs(${u32At(k)}, ${u32At(k + 4)});`;
    case FieldRole.StartDeltaMicroseconds:
      return `start = Math.floor(exportMs - ${u()} / 1000);`;
    case FieldRole.EndDeltaMicroseconds:
      return `end = Math.floor(exportMs - ${u()} / 1000);`;
    case FieldRole.SystemInitMilliseconds:
      return `init = ${u()};`;
    case FieldRole.ObservationSeconds:
      return `observed = ${u()} * 1000;`;
    case FieldRole.ObservationMilliseconds:
      return `observed = ${u()};`;
    case FieldRole.SamplingInterval:
      return `if (interval === 0) interval = ${u()};`;
    case FieldRole.SamplerId:
      return `samplerId = ${u()};`;
    case FieldRole.SamplingPacketInterval:
      return `packetInterval = ${u()};`;
    case FieldRole.SamplingPacketSpace:
      return `packetSpace = ${u()};`;
    case FieldRole.SamplingSize:
      return `sampleSize = ${u()};`;
    case FieldRole.SamplingPopulation:
      return `population = ${u()};`;
    case FieldRole.DataLinkFrameSize:
      return ''; // Only read with a dataLinkFrameSection, which takes the generic path.
    case FieldRole.ReversePackets:
      return `reversePackets = ${u()};`;
    case FieldRole.ReverseOctets:
      return `reverseOctets = ${u()};`;
    case FieldRole.ReverseTcpFlags:
      return `reverseFlags = ${last};`;
    default:
      return undefined;
  }
}

const SAMPLING_ROLES: readonly FieldRole[] = [
  FieldRole.SamplingInterval,
  FieldRole.SamplerId,
  FieldRole.SamplingPacketInterval,
  FieldRole.SamplingPacketSpace,
  FieldRole.SamplingSize,
  FieldRole.SamplingPopulation,
];

function isSmallInteger(n: number, min: number, max: number): boolean {
  return Number.isSafeInteger(n) && n >= min && n <= max;
}

function compile(t: CompiledTemplate, deferIPv4Text: boolean): CompiledRecordDecoder | null {
  const fixed = t.fixedLength;
  if (t.options || !t.flows || !isSmallInteger(fixed, 1, 65535)) return null;
  const body: string[] = [];
  const roles = new Set<FieldRole>();
  let src4 = -1;
  let dst4 = -1;
  let src6 = -1;
  let dst6 = -1;
  for (let i = 0; i < t.planFields.length; i++) {
    const f = t.planFields[i];
    const role = t.planRoles[i] as FieldRole;
    const k = t.offsets[f];
    const len = t.lengths[f];
    if (role === FieldRole.DataLinkFrameSection) return null;
    if (!isSmallInteger(k, 0, fixed) || !isSmallInteger(len, 1, 16) || k + len > fixed) return null;
    const s = statement(role, k, len);
    if (s === undefined) return null;
    roles.add(role);
    if (role === FieldRole.SrcIPv4) src4 = k;
    else if (role === FieldRole.DstIPv4) dst4 = k;
    else if (role === FieldRole.SrcIPv6) src6 = k;
    else if (role === FieldRole.DstIPv6) dst6 = k;
    if (s === '') continue;
    body.push(s);
  }

  const decl = Object.entries(LOCALS).map(([name, init]) => `let ${name} = ${init};`);

  // Addresses: which family a record has is known from the template unless it carries both.
  const has4 = src4 >= 0 || dst4 >= 0;
  const has6 = src6 >= 0 || dst6 >= 0;
  const v6 = [
    'r.ipVersion = 6;',
    `r.src = ${src6 >= 0 ? `formatIPv6(b, p + ${src6})` : "'::'"};`,
    `r.dst = ${dst6 >= 0 ? `formatIPv6(b, p + ${dst6})` : "'::'"};`,
  ].join('\n');
  const v4: string[] = [];
  // Deferred text (DecoderOptions.deferIPv4Text): '' beside the number, made later only if needed.
  if (src4 >= 0) v4.push(deferIPv4Text ? "r.src = '';" : `r.src = formatIPv4(b, p + ${src4});`, `r.srcV4 = ${u32At(src4)};`);
  if (dst4 >= 0) v4.push(deferIPv4Text ? "r.dst = '';" : `r.dst = formatIPv4(b, p + ${dst4});`, `r.dstV4 = ${u32At(dst4)};`);
  let addresses = '';
  if (has4 && has6) {
    const zero = (o: number): string => (o < 0 ? 'true' : `(${at(o)} | ${at(o + 1)} | ${at(o + 2)} | ${at(o + 3)}) === 0`);
    addresses = [
      `const family = ipVersion === 4 || ipVersion === 6 ? ipVersion : ${zero(src4)} && ${zero(dst4)} ? 6 : 4;`,
      `if (family === 6) {\n${v6}\n} else {\n${v4.join('\n')}\n}`,
    ].join('\n');
  } else if (has6) addresses = v6;
  else if (has4) addresses = v4.join('\n');

  const sampled = SAMPLING_ROLES.some((role) => roles.has(role));
  const rate = sampled
    ? [
        'let rate = rateOf(interval, packetInterval, packetSpace, sampleSize, population);',
        'if (rate === 0) rate = samplerId >= 0 && rates !== undefined ? (rates.get(samplerId) ?? domainRate) : domainRate;',
      ].join('\n')
    : 'const rate = domainRate;';

  const source = `
'use strict';
return function decodeRecords(b, p, setEnd, h, rates, domainRate, systemInit, source, out) {
  const exporter = h.exporter;
  const domain = h.domain;
  const exportMs = h.exportMs;
  const sysUptimeMs = h.sysUptimeMs;
  let walked = 0;
  while (setEnd - p >= ${fixed}) {
    const r = emptyFlowRecord(source, exporter, domain);
    ${decl.join('\n    ')}
    ${body.join('\n    ')}
    ${addresses}
    if (packets < 0) packets = totalPackets >= 0 ? totalPackets : postPackets >= 0 ? postPackets : 0;
    if (octets < 0) octets = totalOctets >= 0 ? totalOctets : postOctets >= 0 ? postOctets : 0;
    if (r.inIf === 0 && inPhys > 0) r.inIf = inPhys;
    if (r.outIf === 0 && outPhys > 0) r.outIf = outPhys;
    if (icmp < 0 && (icmpType >= 0 || icmpCode >= 0)) icmp = Math.max(icmpType, 0) * 256 + Math.max(icmpCode, 0);
    if (icmp > 0 && (r.proto === 1 || r.proto === 58)) r.dstPort = icmp;
    if (upStart >= 0 && start < 0) start = sysUptimeMs >= 0 ? uptimeToEpochMs(exportMs, sysUptimeMs, upStart) : init >= 0 ? init + upStart : -1;
    if (upEnd >= 0 && end < 0) end = sysUptimeMs >= 0 ? uptimeToEpochMs(exportMs, sysUptimeMs, upEnd) : init >= 0 ? init + upEnd : -1;
    if (start < 0) start = end >= 0 ? end : observed >= 0 ? observed : exportMs;
    if (end < 0) end = start;
    r.start = start;
    r.end = end;
    ${rate}
    r.sampledPackets = packets;
    r.sampledOctets = octets;
    applySampling(r, rate);
    out.push(r);
    ${t.reverse ? 'if (reversePackets > 0 || (reversePackets < 0 && reverseOctets > 0)) out.push(reverse(r, reversePackets, reverseOctets, reverseFlags, rate));' : ''}
    p += ${fixed};
    walked++;
  }
  return walked;
};`;
  // The text above is built from this file's fragments and checked integers only (see compiledRecordDecoder).
  let factory: (...deps: unknown[]) => CompiledRecordDecoder;
  try {
    factory = new Function('emptyFlowRecord', 'applySampling', 'formatIPv4', 'formatIPv6', 'ntpToEpochMs', 'uptimeToEpochMs', 'rateOf', 'reverse', source) as typeof factory;
  } catch {
    // Code generation disallowed (node --disallow-code-generation-from-strings): the generic walk decodes alike.
    return null;
  }
  return factory(emptyFlowRecord, applySampling, formatIPv4, formatIPv6, ntpToEpochMs, uptimeToEpochMs, rateOf, reversed);
}
