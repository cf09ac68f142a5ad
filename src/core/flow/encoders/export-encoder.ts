import type { FlowRecord } from '../flow-record.js';

/**
 * Encoders for NetFlow v5, NetFlow v9 and IPFIX export packets: used by the benchmarks, the demo,
 * the fuzz corpus and the labelled traffic generator. They write what a router would; the decoders
 * never see anything special about them.
 */

/** IPv4 template: src, dst, ports, proto, flags, packets(4, reduced-size), octets(4), in/out if, start/end ms. */
const IPV4_TEMPLATE: readonly [id: number, len: number][] = [
  [8, 4], [12, 4], [7, 2], [11, 2], [4, 1], [6, 1], [2, 4], [1, 4], [10, 2], [14, 2], [152, 8], [153, 8],
];
const TEMPLATE_ID = 256;
const RECORD_LEN = IPV4_TEMPLATE.reduce((n, [, l]) => n + l, 0);

function ipv4ToBytes(s: string, out: Uint8Array, off: number): void {
  const p = s.split('.');
  for (let i = 0; i < 4; i++) out[off + i] = Number(p[i]) & 255;
}

function writeRecord(r: FlowRecord, b: Uint8Array, v: DataView, off: number): number {
  ipv4ToBytes(r.src, b, off);
  ipv4ToBytes(r.dst, b, off + 4);
  v.setUint16(off + 8, r.srcPort);
  v.setUint16(off + 10, r.dstPort);
  b[off + 12] = r.proto;
  b[off + 13] = r.tcpFlags & 255;
  v.setUint32(off + 14, Math.min(r.sampledPackets, 0xffffffff));
  v.setUint32(off + 18, Math.min(r.sampledOctets, 0xffffffff));
  v.setUint16(off + 22, r.inIf);
  v.setUint16(off + 24, r.outIf);
  v.setBigUint64(off + 26, BigInt(Math.round(r.start)));
  v.setBigUint64(off + 34, BigInt(Math.round(r.end)));
  return off + RECORD_LEN;
}

export interface TemplateEncoderOptions {
  /** Observation domain (IPFIX) / source id (v9). */
  domain: number;
  /** Max records per message (a router fills to the MTU: 30 fits 1500 bytes here). */
  recordsPerMessage?: number;
}

/** IPFIX (RFC 7011) messages: a template set, then data sets of IPv4 records. */
export class IpfixEncoder {
  #sequence = 0;
  readonly #domain: number;
  readonly perMessage: number;

  constructor(options: TemplateEncoderOptions) {
    this.#domain = options.domain;
    this.perMessage = options.recordsPerMessage ?? 30;
  }

  templateMessage(exportTimeSec: number): Uint8Array {
    const setLen = 4 + 4 + IPV4_TEMPLATE.length * 4;
    const b = new Uint8Array(16 + setLen);
    const v = new DataView(b.buffer);
    this.#header(v, b.length, exportTimeSec);
    v.setUint16(16, 2);
    v.setUint16(18, setLen);
    v.setUint16(20, TEMPLATE_ID);
    v.setUint16(22, IPV4_TEMPLATE.length);
    IPV4_TEMPLATE.forEach(([id, len], i) => {
      v.setUint16(24 + i * 4, id);
      v.setUint16(26 + i * 4, len);
    });
    return b;
  }

  dataMessages(records: readonly FlowRecord[], exportTimeSec: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < records.length; i += this.perMessage) {
      const chunk = records.slice(i, i + this.perMessage);
      const setLen = 4 + chunk.length * RECORD_LEN;
      const b = new Uint8Array(16 + setLen);
      const v = new DataView(b.buffer);
      this.#header(v, b.length, exportTimeSec);
      v.setUint16(16, TEMPLATE_ID);
      v.setUint16(18, setLen);
      let off = 20;
      for (const r of chunk) off = writeRecord(r, b, v, off);
      this.#sequence += chunk.length;
      out.push(b);
    }
    return out;
  }

  #header(v: DataView, length: number, exportTimeSec: number): void {
    v.setUint16(0, 10);
    v.setUint16(2, length);
    v.setUint32(4, exportTimeSec);
    v.setUint32(8, this.#sequence);
    v.setUint32(12, this.#domain);
  }
}

/** NetFlow v9 (RFC 3954) packets with the same IPv4 template (times as absolute ms, IEs 152/153). */
export class NetflowV9Encoder {
  #sequence = 0;
  readonly #domain: number;
  readonly perMessage: number;

  constructor(options: TemplateEncoderOptions) {
    this.#domain = options.domain;
    this.perMessage = options.recordsPerMessage ?? 30;
  }

  templatePacket(unixSecs: number, sysUptimeMs: number): Uint8Array {
    const setLen = 4 + 4 + IPV4_TEMPLATE.length * 4;
    const b = new Uint8Array(20 + setLen);
    const v = new DataView(b.buffer);
    this.#header(v, 1, unixSecs, sysUptimeMs);
    v.setUint16(20, 0);
    v.setUint16(22, setLen);
    v.setUint16(24, TEMPLATE_ID);
    v.setUint16(26, IPV4_TEMPLATE.length);
    IPV4_TEMPLATE.forEach(([id, len], i) => {
      v.setUint16(28 + i * 4, id);
      v.setUint16(30 + i * 4, len);
    });
    return b;
  }

  dataPackets(records: readonly FlowRecord[], unixSecs: number, sysUptimeMs: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < records.length; i += this.perMessage) {
      const chunk = records.slice(i, i + this.perMessage);
      const setLen = 4 + chunk.length * RECORD_LEN;
      const padded = (setLen + 3) & ~3;
      const b = new Uint8Array(20 + padded);
      const v = new DataView(b.buffer);
      this.#header(v, chunk.length, unixSecs, sysUptimeMs);
      v.setUint16(20, TEMPLATE_ID);
      v.setUint16(22, padded);
      let off = 24;
      for (const r of chunk) off = writeRecord(r, b, v, off);
      out.push(b);
    }
    return out;
  }

  #header(v: DataView, count: number, unixSecs: number, sysUptimeMs: number): void {
    v.setUint16(0, 9);
    v.setUint16(2, count);
    v.setUint32(4, sysUptimeMs >>> 0);
    v.setUint32(8, unixSecs);
    v.setUint32(12, this.#sequence++);
    v.setUint32(16, this.#domain);
  }
}

/** NetFlow v5 packets (at most 30 records each, as the format allows). */
export function encodeNetflowV5(records: readonly FlowRecord[], unixSecs: number, sysUptimeMs: number, sequenceStart = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  let seq = sequenceStart;
  for (let i = 0; i < records.length; i += 30) {
    const chunk = records.slice(i, i + 30);
    const b = new Uint8Array(24 + chunk.length * 48);
    const v = new DataView(b.buffer);
    v.setUint16(0, 5);
    v.setUint16(2, chunk.length);
    v.setUint32(4, sysUptimeMs >>> 0);
    v.setUint32(8, unixSecs);
    v.setUint32(16, seq);
    seq += chunk.length;
    const bootMs = unixSecs * 1000 - sysUptimeMs;
    chunk.forEach((r, k) => {
      const o = 24 + k * 48;
      ipv4ToBytes(r.src, b, o);
      ipv4ToBytes(r.dst, b, o + 4);
      v.setUint16(o + 12, r.inIf);
      v.setUint16(o + 14, r.outIf);
      v.setUint32(o + 16, r.sampledPackets);
      v.setUint32(o + 20, r.sampledOctets);
      v.setUint32(o + 24, (r.start - bootMs) >>> 0);
      v.setUint32(o + 28, (r.end - bootMs) >>> 0);
      v.setUint16(o + 32, r.srcPort);
      v.setUint16(o + 34, r.dstPort);
      b[o + 37] = r.tcpFlags;
      b[o + 38] = r.proto;
      v.setUint16(o + 40, r.srcAs);
      v.setUint16(o + 42, r.dstAs);
    });
    out.push(b);
  }
  return out;
}
