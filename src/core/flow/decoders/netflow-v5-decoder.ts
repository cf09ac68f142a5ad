import type { ExportDatagram } from '../export-datagram.js';
import type { CounterRegistry } from '../exporter-counters.js';
import type { DecoderOptions, FlowDecoder } from '../flow-decoder.js';
import { applySampling, emptyFlowRecord, type FlowRecord } from '../flow-record.js';
import { formatIPv4 } from '../ip-address.js';
import { uptimeToEpochMs } from './flow-times.js';
import { u16, u32 } from './unsigned.js';

/** Cisco "NetFlow Export Datagram Format", version 5: header and record sizes. */
const HEADER_LENGTH = 24;
const RECORD_LENGTH = 48;

/**
 * NetFlow version 5 decoder. v5 has no RFC; the layout is Cisco's "NetFlow Export Datagram
 * Format" (as dissected by Wireshark's packet-cflow.c): a 24-byte header and fixed 48-byte
 * records, so no templates and nothing to hold.
 * The field mapping is documented in docs/reference/flow-fields.md.
 */

export class NetflowV5Decoder implements FlowDecoder {
  readonly #counters: CounterRegistry;

  constructor(options: DecoderOptions) {
    this.#counters = options.counters;
  }

  decode(datagram: ExportDatagram, out: FlowRecord[]): number {
    const before = out.length;
    let ok: boolean;
    try {
      ok = this.#packet(datagram, out);
    } catch {
      ok = false;
    }
    if (!ok) this.#counters.get(datagram.exporter).malformed++;
    return out.length - before;
  }

  expire(_now: number): void {}

  /** Returns false when the datagram is shorter than its header or than the records it announces. */
  #packet(d: ExportDatagram, out: FlowRecord[]): boolean {
    const b = d.payload;
    if (b.length < HEADER_LENGTH) return false;
    const count = u16(b, 2);
    const sysUptime = u32(b, 4);
    const exportMs = u32(b, 8) * 1000 + Math.floor(u32(b, 12) / 1e6);
    // sampling_interval: mode in the top 2 bits, 1-in-N interval in the low 14; 0 means unsampled.
    // The interval is used whatever the mode: some exporters set it with mode 0.
    const rate = u16(b, 22) & 0x3fff;
    const available = Math.floor((b.length - HEADER_LENGTH) / RECORD_LENGTH);
    const n = Math.min(count, available);
    const exporter = d.exporter;
    for (let i = 0, o = HEADER_LENGTH; i < n; i++, o += RECORD_LENGTH) {
      const r = emptyFlowRecord('netflow-v5', exporter, 0);
      r.src = formatIPv4(b, o);
      r.dst = formatIPv4(b, o + 4);
      r.srcV4 = u32(b, o);
      r.dstV4 = u32(b, o + 4);
      r.inIf = u16(b, o + 12);
      r.outIf = u16(b, o + 14);
      r.sampledPackets = u32(b, o + 16);
      r.sampledOctets = u32(b, o + 20);
      r.start = uptimeToEpochMs(exportMs, sysUptime, u32(b, o + 24));
      r.end = uptimeToEpochMs(exportMs, sysUptime, u32(b, o + 28));
      r.srcPort = u16(b, o + 32);
      r.dstPort = u16(b, o + 34);
      r.tcpFlags = b[o + 37];
      r.proto = b[o + 38];
      r.srcAs = u16(b, o + 40);
      r.dstAs = u16(b, o + 42);
      applySampling(r, rate);
      out.push(r);
    }
    return count <= available;
  }
}
