import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';

/** A tiny big-endian byte writer for hand-built NetFlow v5/v9 and IPFIX messages in tests. */
export class ByteWriter {
  readonly #bytes: number[] = [];

  get length(): number {
    return this.#bytes.length;
  }

  u8(v: number): this {
    this.#bytes.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }

  u32(v: number): this {
    return this.u16(Math.floor(v / 0x10000)).u16(v % 0x10000);
  }

  u64(v: bigint): this {
    return this.u32(Number(v >> 32n)).u32(Number(v & 0xffffffffn));
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.u8(b[i]);
    return this;
  }

  ipv4(text: string): this {
    return this.bytes(text.split('.').map(Number));
  }

  /** Full or "::"-compressed IPv6 text. */
  ipv6(text: string): this {
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    for (const g of groups) this.u16(parseInt(g, 16));
    return this;
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** A set / FlowSet: id, length (header included), body, then `padding` zero bytes. */
export function set(id: number, body: Uint8Array, padding = 0): Uint8Array {
  return new ByteWriter()
    .u16(id)
    .u16(4 + body.length + padding)
    .bytes(body)
    .bytes(new Uint8Array(padding))
    .toBytes();
}

/** IPFIX message (RFC 7011 §3.1) around the given sets; the length field is computed. */
export function ipfixMessage(domain: number, exportSeconds: number, sets: Uint8Array[]): Uint8Array {
  const body = sets.reduce((n, s) => n + s.length, 0);
  const w = new ByteWriter().u16(10).u16(16 + body).u32(exportSeconds).u32(0).u32(domain);
  for (const s of sets) w.bytes(s);
  return w.toBytes();
}

/** NetFlow v9 packet (RFC 3954 §5.1) around the given FlowSets. */
export function v9Packet(sourceId: number, unixSeconds: number, sysUptimeMs: number, flowSets: Uint8Array[]): Uint8Array {
  const w = new ByteWriter().u16(9).u16(flowSets.length).u32(sysUptimeMs).u32(unixSeconds).u32(0).u32(sourceId);
  for (const s of flowSets) w.bytes(s);
  return w.toBytes();
}

export function datagram(payload: Uint8Array, receivedAt = 1_700_000_000_000, exporter = '192.0.2.1'): ExportDatagram {
  return { receivedAt, exporter, exporterPort: 2055, payload };
}
