import type { ExportDatagram } from '../export-datagram.js';
import type { DecoderOptions, FlowDecoder } from '../flow-decoder.js';
import type { FlowRecord } from '../flow-record.js';
import { TemplateFields } from './compiled-template.js';
import type { ExporterState } from './exporter-state.js';
import type { ExportHeader } from './export-header.js';
import { TemplateSessions } from './template-sessions.js';
import { u16, u32 } from './unsigned.js';

/** RFC 3954 §5.1: version, count, sysUptime, unix_secs, sequence, source id. */
const HEADER_LENGTH = 20;
/** RFC 3954 §5.2–5.3: FlowSet ids 0 (templates) and 1 (options templates); ≥ 256 data. */
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;
const FIRST_DATA_FLOWSET = 256;

/**
 * NetFlow version 9 decoder (RFC 3954). Template and data handling is shared with IPFIX
 * (template-sessions.ts); this file reads the v9 header and v9 template record layouts.
 * The field mapping is documented in docs/reference/flow-fields.md.
 */
export class NetflowV9Decoder implements FlowDecoder {
  readonly #sessions: TemplateSessions;
  readonly #fields = new TemplateFields();
  /** Template and options template records of the current packet. */
  #templateRecords = 0;

  constructor(options: DecoderOptions) {
    this.#sessions = new TemplateSessions(options, 'netflow-v9');
  }

  decode(datagram: ExportDatagram, out: FlowRecord[]): number {
    const before = out.length;
    const st = this.#sessions.begin(datagram.exporter);
    let ok: boolean;
    try {
      ok = this.#packet(datagram, st, out) && !this.#sessions.malformed;
    } catch {
      ok = false;
    }
    if (!ok) st.counters.malformed++;
    return out.length - before;
  }

  expire(now: number): void {
    this.#sessions.expire(now);
  }

  /** Returns false at the first fault; records completed before it stay in `out`. */
  #packet(d: ExportDatagram, st: ExporterState, out: FlowRecord[]): boolean {
    const b = d.payload;
    const len = b.length;
    if (len < HEADER_LENGTH) return false;
    const h: ExportHeader = {
      exporter: d.exporter,
      domain: u32(b, 16),
      exportMs: u32(b, 8) * 1000,
      sysUptimeMs: u32(b, 4),
      receivedAt: d.receivedAt,
    };
    // FlowSet lengths delimit the packet. The header count (RFC 3954 §5.1: template, options
    // template and data records in the packet) only reveals truncation at a FlowSet boundary:
    // fewer records than announced is malformed. More is tolerated (exporters that count
    // FlowSets), and the check is off when a set was held, since its record count is unknown.
    const count = u16(b, 2);
    this.#templateRecords = 0;
    let unknownSets = false;
    let p = HEADER_LENGTH;
    while (len - p >= 4) {
      const id = u16(b, p);
      const setLength = u16(b, p + 2);
      if (setLength < 4 || p + setLength > len) return false;
      const start = p + 4;
      const end = p + setLength;
      if (id === TEMPLATE_FLOWSET) {
        if (!this.#templates(st, h, b, start, end, out)) return false;
      } else if (id === OPTIONS_TEMPLATE_FLOWSET) {
        if (!this.#optionsTemplates(st, h, b, start, end, out)) return false;
      } else if (id >= FIRST_DATA_FLOWSET) {
        this.#sessions.dataSet(st, h, id, b, start, end, out);
        if (this.#sessions.malformed) return false;
      } else {
        unknownSets = true;
      }
      p = end;
    }
    if (unknownSets || this.#sessions.held) return true;
    return this.#templateRecords + this.#sessions.recordsWalked >= count;
  }

  /** RFC 3954 §5.2: template id, field count, then (type, length) pairs; padding to 4 bytes. */
  #templates(st: ExporterState, h: ExportHeader, b: Uint8Array, p: number, end: number, out: FlowRecord[]): boolean {
    const fields = this.#fields;
    while (end - p >= 4) {
      const id = u16(b, p);
      const count = u16(b, p + 2);
      const recordStart = p;
      p += 4;
      if (id < FIRST_DATA_FLOWSET || count === 0 || p + count * 4 > end) return false;
      fields.reset();
      for (let i = 0; i < count; i++, p += 4) {
        const length = u16(b, p + 2);
        if (length === 0) return false;
        fields.push(u16(b, p), 0, length, false);
      }
      if (this.#sessions.define(st, h, id, false, fields, b, recordStart, p, out) < 0) return false;
      this.#templateRecords++;
    }
    return true;
  }

  /**
   * RFC 3954 §6.1: template id, scope length and option length in bytes, then the scope fields
   * (system, interface, line card, cache, template: types that are not IEs, so not interpreted)
   * and the option fields. A zero-length scope field is accepted: Cisco IOS exports the System
   * scope with length 0 (data+templates.pcap); the record simply has no bytes for it.
   */
  #optionsTemplates(st: ExporterState, h: ExportHeader, b: Uint8Array, p: number, end: number, out: FlowRecord[]): boolean {
    const fields = this.#fields;
    while (end - p >= 6) {
      const id = u16(b, p);
      const scopeLength = u16(b, p + 2);
      const optionLength = u16(b, p + 4);
      const recordStart = p;
      p += 6;
      if (id < FIRST_DATA_FLOWSET || scopeLength % 4 !== 0 || optionLength % 4 !== 0 || scopeLength + optionLength === 0) return false;
      if (p + scopeLength + optionLength > end) return false;
      fields.reset();
      const scopeEnd = p + scopeLength;
      for (; p < scopeEnd; p += 4) fields.push(u16(b, p), 0, u16(b, p + 2), true);
      const optionEnd = scopeEnd + optionLength;
      for (; p < optionEnd; p += 4) {
        const length = u16(b, p + 2);
        if (length === 0) return false;
        fields.push(u16(b, p), 0, length, false);
      }
      if (this.#sessions.define(st, h, id, true, fields, b, recordStart, p, out) < 0) return false;
      this.#templateRecords++;
    }
    return true;
  }
}
