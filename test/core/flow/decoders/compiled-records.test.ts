import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compiledRecordDecoder } from '../../../../src/core/flow/decoders/compiled-record-decoder.js';
import { compileTemplate, TemplateFields } from '../../../../src/core/flow/decoders/compiled-template.js';
import { IpfixEncoder, NetflowV9Encoder } from '../../../../src/core/flow/encoders/export-encoder.js';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import { fillAddressText, type FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { prng, syntheticFlows } from '../../../../src/demo/synthetic-flows.js';
import { NETFLOW_CAPTURES } from '../../../helpers/paths.js';
import { ByteWriter, datagram, ipfixMessage, set, v9Packet } from './export-builder.js';
import { captureDatagrams, newDecoders } from './netflow-captures.js';

/**
 * Differential test of the compiled per-template record decoders (compiled-record-decoder.ts)
 * against the generic template walk they replace: the same datagrams through both must give the
 * same records, the same return values and the same exporter counters.
 */

interface Run {
  records: FlowRecord[];
  returned: number[];
  counters: unknown;
}

function run(datagrams: readonly ExportDatagram[], generic: boolean, deferIPv4Text = false): Run {
  const d = newDecoders({ genericRecordDecoding: generic, deferIPv4Text });
  const records: FlowRecord[] = [];
  const returned: number[] = [];
  for (const g of datagrams) {
    const version = (g.payload[0] << 8) | g.payload[1];
    if (version !== 5 && version !== 9 && version !== 10) continue;
    returned.push(d.pick(g.payload).decode(g, records));
  }
  return { records, returned, counters: d.counters.all() };
}

function assertSame(datagrams: readonly ExportDatagram[], label: string): Run {
  const compiled = run(datagrams, false);
  const generic = run(datagrams, true);
  assert.deepStrictEqual(compiled.returned, generic.returned, `${label}: decode() return values`);
  assert.equal(compiled.records.length, generic.records.length, `${label}: record count`);
  for (let i = 0; i < generic.records.length; i++) assert.deepStrictEqual(compiled.records[i], generic.records[i], `${label}: record ${i}`);
  assert.deepStrictEqual(compiled.counters, generic.counters, `${label}: counters`);
  // Deferred IPv4 text (the cyber-office path): '' beside the number, the same record once made.
  const deferred = run(datagrams, false, true);
  assert.deepStrictEqual(deferred.returned, generic.returned, `${label}: decode() return values, deferred text`);
  assert.deepStrictEqual(deferred.counters, generic.counters, `${label}: counters, deferred text`);
  assert.equal(deferred.records.length, generic.records.length, `${label}: record count, deferred text`);
  for (let i = 0; i < generic.records.length; i++) {
    const r = deferred.records[i];
    const g = generic.records[i];
    // Only IPv4 read from bytes may be deferred (NetFlow v5 and the generic walk make the text anyway).
    assert.ok(r.src === g.src || (r.src === '' && g.srcV4 >= 0), `${label}: record ${i} src`);
    assert.ok(r.dst === g.dst || (r.dst === '' && g.dstV4 >= 0), `${label}: record ${i} dst`);
    if (r.src === '') deferredIPv4++;
    fillAddressText(r);
    assert.deepStrictEqual(r, g, `${label}: record ${i}, deferred text made`);
  }
  return compiled;
}

/** IPv4 sources whose text the deferred runs left unmade (the comparison above reached them). */
let deferredIPv4 = 0;

type Spec = [element: number, length: number, pen?: number];

const REVERSE_PEN = 29305;
/** Unsigned elements the decoder reads (reduced-size encoding: any length 1–8, RFC 7011 §6.2). */
const UNSIGNED = [1, 2, 4, 6, 7, 10, 11, 14, 16, 17, 21, 22, 23, 24, 32, 34, 48, 50, 60, 85, 86, 139, 150, 151, 152, 153, 158, 159, 160, 176, 177, 178, 179, 252, 253, 302, 305, 306, 309, 310, 322, 323];
/** Elements the decoder steps over (tos, flow direction, vlan, paddingOctets …). */
const SKIPPED = [5, 9, 13, 15, 58, 61, 210, 225];
const NTP = [154, 155, 156, 157];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

/** A random fixed-length flow template: addresses of one or both families, fields in random order. */
function randomTemplate(rnd: () => number, enterprise: boolean): Spec[] {
  const fields: Spec[] = [];
  const family = rnd();
  if (family < 0.45 || family >= 0.9) fields.push([8, 4], [12, 4]);
  if (family >= 0.45) fields.push([27, 16], [28, 16]);
  if (rnd() < 0.1) fields.pop(); // a template with only one address of a family
  const n = 3 + Math.floor(rnd() * 14);
  for (let i = 0; i < n; i++) {
    const x = rnd();
    if (x < 0.6) fields.push([pick(rnd, UNSIGNED), 1 + Math.floor(rnd() * 8)]);
    else if (x < 0.7) fields.push([pick(rnd, [1, 2, 7, 11, 152, 153]), pick(rnd, [1, 2, 4, 8])]); // duplicates override
    else if (x < 0.78) fields.push([pick(rnd, NTP), 8]);
    else if (x < 0.9) fields.push([pick(rnd, SKIPPED), 1 + Math.floor(rnd() * 12)]);
    else if (enterprise) fields.push([pick(rnd, [1, 2, 6, 7]), 1 + Math.floor(rnd() * 8), rnd() < 0.8 ? REVERSE_PEN : 9]);
    else fields.push([pick(rnd, [1, 2, 7, 11]), 4]);
  }
  for (let i = fields.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [fields[i], fields[j]] = [fields[j], fields[i]];
  }
  return fields;
}

function recordLength(fields: readonly Spec[]): number {
  return fields.reduce((n, [, len]) => n + len, 0);
}

/** Random record bytes; addresses are sometimes all-zero and ipVersion sometimes 4 or 6, to reach every family choice. */
function randomRecord(rnd: () => number, fields: readonly Spec[], w: ByteWriter): void {
  for (const [element, len, pen] of fields) {
    const zero = pen === undefined && (element === 8 || element === 12 || element === 27 || element === 28) && rnd() < 0.3;
    if (pen === undefined && element === 60 && rnd() < 0.6) {
      w.bytes(new Uint8Array(len - 1)).u8(rnd() < 0.5 ? 4 : 6);
      continue;
    }
    if (pen === undefined && element === 4 && rnd() < 0.4) {
      w.bytes(new Uint8Array(len - 1)).u8(rnd() < 0.5 ? 1 : 58);
      continue;
    }
    for (let i = 0; i < len; i++) w.u8(zero || rnd() < 0.15 ? 0 : Math.floor(rnd() * 256));
  }
}

function ipfixTemplateSet(id: number, fields: readonly Spec[]): Uint8Array {
  const w = new ByteWriter().u16(id).u16(fields.length);
  for (const [element, length, pen] of fields) {
    if (pen === undefined) w.u16(element).u16(length);
    else w.u16(element | 0x8000).u16(length).u32(pen);
  }
  return set(2, w.toBytes());
}

function v9TemplateFlowSet(id: number, fields: readonly Spec[]): Uint8Array {
  const w = new ByteWriter().u16(id).u16(fields.length);
  for (const [element, length] of fields) w.u16(element).u16(length);
  return set(0, w.toBytes());
}

/** IPFIX options template (RFC 7011 §3.4.2.2) and data announcing sampler rates, so sampling paths are compared too. */
function ipfixSamplingOptions(rnd: () => number): Uint8Array[] {
  const t = new ByteWriter().u16(400).u16(3).u16(1).u16(302).u16(4).u16(34).u16(4).u16(160).u16(8).toBytes();
  const data = new ByteWriter();
  for (const sampler of [0, 1, 2]) data.u32(sampler).u32(1 + Math.floor(rnd() * 1000)).u64(BigInt(1_699_999_000_000 + sampler));
  return [set(3, t), set(400, data.toBytes())];
}

function randomExchange(seed: number, format: 'ipfix' | 'v9'): ExportDatagram[] {
  const rnd = prng(seed);
  const out: ExportDatagram[] = [];
  const exportSeconds = 1_700_000_000 + Math.floor(rnd() * 1000);
  const templates = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < templates; k++) {
    // Sometimes the same id again with other fields: the new template must get its own decoder.
    const id = k > 0 && rnd() < 0.3 ? 256 : 256 + k;
    const fields = randomTemplate(rnd, format === 'ipfix');
    const len = recordLength(fields);
    const sets: Uint8Array[] = [];
    if (format === 'ipfix') {
      if (rnd() < 0.5) sets.push(...ipfixSamplingOptions(rnd));
      sets.push(ipfixTemplateSet(id, fields));
    } else sets.push(v9TemplateFlowSet(id, fields));
    for (let m = 0; m < 3; m++) {
      const w = new ByteWriter();
      const count = Math.floor(rnd() * 6);
      for (let i = 0; i < count; i++) randomRecord(rnd, fields, w);
      // Padding, or a tail shorter than a record: the rest of the set is not a record.
      const tail = Math.floor(rnd() * Math.min(len, 8));
      for (let i = 0; i < tail; i++) w.u8(rnd() < 0.5 ? 0 : 0xaa);
      sets.push(set(id, w.toBytes()));
    }
    const payload = format === 'ipfix' ? ipfixMessage(1 + (seed % 3), exportSeconds, sets) : v9Packet(1 + (seed % 3), exportSeconds, Math.floor(rnd() * 0xffffffff), sets);
    out.push(datagram(payload, exportSeconds * 1000));
  }
  return out;
}

/** Template specifiers as TemplateFields, to ask which path a template takes. */
function compiled(fields: readonly Spec[], options = false): boolean {
  const f = new TemplateFields();
  for (const [element, length, pen] of fields) f.push(element, pen ?? 0, length, false);
  const t = compileTemplate(256, options, f, new Uint8Array(0));
  assert.ok(t !== undefined);
  return compiledRecordDecoder(t) !== undefined;
}

/** A damaged copy: flipped bytes, a hostile 16-bit length or count, or a truncation. */
function damaged(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const at = (): number => Math.floor(rnd() * b.length);
  const kind = Math.floor(rnd() * 3);
  if (kind === 0) {
    for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[at()] ^= 1 << Math.floor(rnd() * 8);
    return b;
  }
  if (kind === 1) {
    const p = at() & ~1;
    const v = pick(rnd, [0, 1, 3, 4, 0x7fff, 0xffff, 255]);
    b[p] = v >> 8;
    if (p + 1 < b.length) b[p + 1] = v & 255;
    return b;
  }
  return b.subarray(0, at());
}

describe('compiled record decoders', () => {
  it('take fixed-length flow templates; variable-length, dataLinkFrameSection and options templates keep the generic walk', () => {
    assert.equal(compiled([[8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [2, 4], [1, 4], [152, 8], [153, 8]]), true);
    assert.equal(compiled([[27, 16], [28, 16], [1, 8], [2, 8], [2, 4, REVERSE_PEN], [1, 4, REVERSE_PEN]]), true);
    assert.equal(compiled([[8, 4], [12, 4], [82, 65535]]), false);
    assert.equal(compiled([[315, 128], [312, 2]]), false);
    assert.equal(compiled([[302, 4], [34, 4]], true), false);
  });

  it('decode every NetFlow/IPFIX capture as the generic path does (records, return values, counters)', () => {
    const names = readdirSync(NETFLOW_CAPTURES).filter((n) => n.endsWith('.pcap')).sort();
    const all: ExportDatagram[] = [];
    let records = 0;
    const deferredBefore = deferredIPv4;
    for (const name of names) {
      const datagrams = captureDatagrams(name);
      assertSame(datagrams, name);
      all.push(...datagrams);
    }
    // Template captures before data captures, as the decoder tests replay them: data sets then decode.
    for (const stem of new Set(names.map((n) => n.replace(/-(template|data|options-template|options-data)\.pcap$/, '')))) {
      const seq = ['-template', '-options-template', '-options-data', '-data'].map((s) => `${stem}${s}.pcap`).filter((n) => names.includes(n));
      if (seq.length < 2) continue;
      records += assertSame(seq.flatMap(captureDatagrams), seq.join('+')).records.length;
    }
    assertSame(all, 'all captures in one session');
    assert.ok(records > 0, 'the template+data replays decoded records');
    assert.ok(deferredIPv4 > deferredBefore, 'captured IPv4 records went through the deferred path');
  });

  it('decode the encoders’ IPFIX and NetFlow v9 exports as the generic path does', () => {
    const flows = syntheticFlows(2000, { seed: 7, startMs: Date.UTC(2026, 10, 1) });
    const unix = Math.floor(Date.UTC(2026, 10, 1, 0, 5) / 1000);
    const ipfix = new IpfixEncoder({ domain: 3 });
    const v9 = new NetflowV9Encoder({ domain: 4, recordsPerMessage: 17 });
    const payloads = [ipfix.templateMessage(unix), ...ipfix.dataMessages(flows, unix), v9.templatePacket(unix, 123_456_789), ...v9.dataPackets(flows, unix, 123_456_789)];
    const before = deferredIPv4;
    const r = assertSame(payloads.map((p) => datagram(p, unix * 1000)), 'encoders');
    assert.equal(r.records.length, 4000);
    assert.equal(deferredIPv4 - before, 4000, 'every IPv4 record of the encoders went through the deferred path');
  });

  it('decode randomized templates (reduced-size fields, odd orders, duplicates, padding, biflows, sampling) as the generic path does', () => {
    let records = 0;
    for (let seed = 1; seed <= 300; seed++) {
      for (const format of ['ipfix', 'v9'] as const) {
        records += assertSame(randomExchange(seed, format), `seed ${seed} ${format}`).records.length;
      }
    }
    assert.ok(records > 1000, `enough random records compared (${records})`);
  });

  it('treat damaged datagrams (short sets, bad lengths, truncation) as the generic path does', () => {
    const rnd = prng(20261122);
    const captures = readdirSync(NETFLOW_CAPTURES).filter((n) => n.endsWith('.pcap')).sort().flatMap(captureDatagrams);
    for (let c = 0; c < 400; c++) {
      const exchange = c % 2 === 0 ? randomExchange(1000 + c, c % 4 === 0 ? 'ipfix' : 'v9') : captures;
      // Intact datagrams first so templates are known, then damaged copies of them.
      const stream = [...exchange, ...exchange.map((d) => ({ ...d, payload: damaged(d.payload, rnd) }))];
      assertSame(stream, `damaged case ${c}`);
    }
  });
});
