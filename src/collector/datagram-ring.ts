import { isIPv4 } from 'node:net';
import type { ExportDatagram } from '../core/flow/export-datagram.js';
import { formatIPv4, formatIPv6 } from '../core/flow/ip-address.js';

/**
 * Single-producer single-consumer ring of datagrams in a SharedArrayBuffer: the socket thread
 * writes, the decode worker reads, and neither ever waits for the other. When the ring is full
 * the datagram is refused and the caller counts it as `queueDropped` (nothing is lost silently).
 *
 * Entry layout (4-byte aligned): u32 entryLength, u32 payloadLength, f64 receivedAt,
 * u16 exporterPort, u8 family (4|6), u8 pad, 16 bytes address, payload.
 * An entryLength of WRAP at the tail means "continue at offset 0".
 */
const HEAD = 0;
const TAIL = 1;
const SLEEPING = 2;
const SIGNAL = 3;
const HEADER_INTS = 4;
const ENTRY_HEADER = 36;
const WRAP = 0xffffffff;

export interface RingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createRing(capacityBytes: number): RingBuffers {
  const capacity = Math.max(4096, capacityBytes - (capacityBytes % 4));
  return { control: new SharedArrayBuffer(HEADER_INTS * 4), data: new SharedArrayBuffer(capacity) };
}

/** Bytes between the reader's tail and the writer's head. */
function queuedBytes(ctl: Int32Array, capacity: number): number {
  const head = Atomics.load(ctl, HEAD);
  const tail = Atomics.load(ctl, TAIL);
  return head >= tail ? head - tail : capacity - tail + head;
}

/**
 * Wakes a reader waiting in waitForData(). For writers outside JavaScript (the native receive
 * thread), which cannot call Atomics.notify themselves.
 */
export function wakeReader(control: Int32Array): void {
  Atomics.add(control, SIGNAL, 1);
  Atomics.notify(control, SIGNAL);
}

export class RingWriter {
  readonly #addressCache = new Map<string, Uint8Array>();
  readonly #ctl: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #capacity: number;

  constructor(ring: RingBuffers) {
    this.#ctl = new Int32Array(ring.control);
    this.#bytes = new Uint8Array(ring.data);
    this.#view = new DataView(ring.data);
    this.#capacity = ring.data.byteLength;
  }

  /** Bytes currently queued. */
  depth(): number {
    return queuedBytes(this.#ctl, this.#capacity);
  }

  capacity(): number {
    return this.#capacity;
  }

  /** Exporters are few: their 18-byte encoding is computed once, not parsed per datagram. */
  #encodedAddress(exporter: string): Uint8Array {
    let e = this.#addressCache.get(exporter);
    if (e === undefined) {
      e = new Uint8Array(18);
      encodeAddress(exporter, e, 0);
      if (this.#addressCache.size >= 65536) this.#addressCache.clear();
      this.#addressCache.set(exporter, e);
    }
    return e;
  }

  /** Returns false when the ring is full (the caller counts the drop). */
  write(receivedAt: number, exporter: string, exporterPort: number, payload: Uint8Array): boolean {
    const need = (ENTRY_HEADER + payload.length + 3) & ~3;
    const cap = this.#capacity;
    let head = Atomics.load(this.#ctl, HEAD);
    const tail = Atomics.load(this.#ctl, TAIL);
    if (head >= tail) {
      const atEnd = cap - head;
      const fitsAtEnd = need < atEnd || (need === atEnd && tail !== 0);
      if (!fitsAtEnd) {
        if (need >= tail) return false;
        if (atEnd >= 4) this.#view.setUint32(head, WRAP, true);
        head = 0;
      }
    } else if (need >= tail - head) {
      return false;
    }
    const v = this.#view;
    v.setUint32(head, need, true);
    v.setUint32(head + 4, payload.length, true);
    v.setFloat64(head + 8, receivedAt, true);
    v.setUint16(head + 16, exporterPort, true);
    this.#bytes.set(this.#encodedAddress(exporter), head + 18);
    this.#bytes.set(payload, head + ENTRY_HEADER);
    let next = head + need;
    if (next === cap) next = 0;
    Atomics.store(this.#ctl, HEAD, next);
    if (Atomics.load(this.#ctl, SLEEPING) === 1) wakeReader(this.#ctl);
    return true;
  }
}

export class RingReader {
  readonly #ctl: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #capacity: number;
  readonly #exporterCache = new Map<string, string>();
  readonly #lastAddress = new Uint8Array(18);
  #lastExporter = '';

  constructor(ring: RingBuffers) {
    this.#ctl = new Int32Array(ring.control);
    this.#bytes = new Uint8Array(ring.data);
    this.#view = new DataView(ring.data);
    this.#capacity = ring.data.byteLength;
  }

  /** Bytes currently queued (the backlog the decode side has not reached yet). */
  depth(): number {
    return queuedBytes(this.#ctl, this.#capacity);
  }

  capacity(): number {
    return this.#capacity;
  }

  /**
   * Hands up to `max` datagrams to `consume`, then releases their space. The payload is a view
   * into the ring, valid only during the call: consumers copy what they keep.
   */
  drain(consume: (d: ExportDatagram) => void, max: number): number {
    let tail = Atomics.load(this.#ctl, TAIL);
    const head = Atomics.load(this.#ctl, HEAD);
    let n = 0;
    const v = this.#view;
    while (tail !== head && n < max) {
      const len = v.getUint32(tail, true);
      if (len === WRAP) {
        tail = 0;
        continue;
      }
      const payloadLength = v.getUint32(tail + 4, true);
      const receivedAt = v.getFloat64(tail + 8, true);
      const exporterPort = v.getUint16(tail + 16, true);
      const exporter = this.#decodeAddress(tail + 18);
      consume({ receivedAt, exporter, exporterPort, payload: this.#bytes.subarray(tail + ENTRY_HEADER, tail + ENTRY_HEADER + payloadLength) });
      tail += len;
      if (tail >= this.#capacity) tail = 0;
      n++;
    }
    Atomics.store(this.#ctl, TAIL, tail);
    return n;
  }

  /** Resolves when the writer signals new data or after `timeoutMs`. */
  async waitForData(timeoutMs: number): Promise<void> {
    const signal = Atomics.load(this.#ctl, SIGNAL);
    Atomics.store(this.#ctl, SLEEPING, 1);
    if (Atomics.load(this.#ctl, HEAD) !== Atomics.load(this.#ctl, TAIL)) {
      Atomics.store(this.#ctl, SLEEPING, 0);
      return;
    }
    const r = Atomics.waitAsync(this.#ctl, SIGNAL, signal, timeoutMs);
    if (r.async) await r.value;
    Atomics.store(this.#ctl, SLEEPING, 0);
  }

  #decodeAddress(off: number): string {
    const b = this.#bytes;
    // Consecutive datagrams almost always come from the same exporter: compare bytes, skip the map.
    const last = this.#lastAddress;
    let same = last[0] === b[off];
    for (let i = 2; same && i < 18; i++) same = last[i] === b[off + i];
    if (same && this.#lastExporter !== '') return this.#lastExporter;
    last.set(b.subarray(off, off + 18));
    this.#lastExporter = this.#lookupAddress(off);
    return this.#lastExporter;
  }

  #lookupAddress(off: number): string {
    const b = this.#bytes;
    const family = b[off];
    // Cache key is the raw 16 bytes as a latin1 string: exporters are few.
    const key = String.fromCharCode(family, ...b.subarray(off + 2, off + 18));
    let s = this.#exporterCache.get(key);
    if (s === undefined) {
      s = family === 4 ? formatIPv4(b, off + 2) : formatIPv6(b, off + 2);
      if (this.#exporterCache.size < 65536) this.#exporterCache.set(key, s);
    }
    return s;
  }
}

/** Writes family byte, pad, and 16 address bytes at `off`. IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
function encodeAddress(addr: string, out: Uint8Array, off: number): void {
  let a = addr;
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) a = a.slice(7);
  out.fill(0, off, off + 18);
  if (isIPv4(a)) {
    out[off] = 4;
    const p = a.split('.');
    for (let i = 0; i < 4; i++) out[off + 2 + i] = Number(p[i]);
    return;
  }
  out[off] = 6;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const [left, right] = a.includes('::') ? a.split('::') : [a, undefined];
  const l = left ? left.split(':') : [];
  const r = right !== undefined && right !== '' ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i] ?? '0', 16) || 0;
    out[off + 2 + 2 * i] = g >> 8;
    out[off + 3 + 2 * i] = g & 255;
  }
}
