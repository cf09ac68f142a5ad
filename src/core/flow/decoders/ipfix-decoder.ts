import type { ExportDatagram } from '../export-datagram.js';
import type { DecoderOptions, FlowDecoder } from '../flow-decoder.js';
import type { FlowRecord } from '../flow-record.js';
import { TemplateFields } from './compiled-template.js';
import type { ExporterState } from './exporter-state.js';
import type { ExportHeader } from './export-header.js';
import { TemplateSessions } from './template-sessions.js';
import { u16, u32 } from './unsigned.js';

/** RFC 7011 §3.1: version, length, export time, sequence number, observation domain id. */
const HEADER_LENGTH = 16;
/** RFC 7011 §3.3.2: Set ids 2 (templates) and 3 (options templates); ≥ 256 data sets. */
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;
const FIRST_DATA_SET = 256;
/** RFC 7011 §3.2: bit 15 of an IE id marks an enterprise-specific element, followed by its PEN. */
const ENTERPRISE_BIT = 0x8000;

/**
 * IPFIX decoder (RFC 7011). Template and data handling is shared with NetFlow v9
 * (template-sessions.ts); this file reads the IPFIX message header and template records,
 * including enterprise-specific field specifiers and template withdrawals (§8.1).
 * The field mapping is documented in docs/reference/flow-fields.md.
 */
export class IpfixDecoder implements FlowDecoder {
  readonly #sessions: TemplateSessions;
  readonly #fields = new TemplateFields();

  constructor(options: DecoderOptions) {
    this.#sessions = new TemplateSessions(options, 'ipfix');
  }

  decode(datagram: ExportDatagram, out: FlowRecord[]): number {
    const before = out.length;
    const st = this.#sessions.begin(datagram.exporter);
    let ok: boolean;
    try {
      ok = this.#message(datagram, st, out) && !this.#sessions.malformed;
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
  #message(d: ExportDatagram, st: ExporterState, out: FlowRecord[]): boolean {
    const b = d.payload;
    if (b.length < HEADER_LENGTH) return false;
    const length = u16(b, 2);
    if (length < HEADER_LENGTH) return false;
    // A message longer than the datagram was truncated: the complete sets before the cut are kept.
    const truncated = length > b.length;
    const end = truncated ? b.length : length;
    const h: ExportHeader = {
      exporter: d.exporter,
      domain: u32(b, 12),
      exportMs: u32(b, 4) * 1000,
      sysUptimeMs: -1,
      receivedAt: d.receivedAt,
    };
    let p = HEADER_LENGTH;
    while (p < end) {
      if (end - p < 4) return false;
      const id = u16(b, p);
      const setLength = u16(b, p + 2);
      if (setLength < 4 || p + setLength > end) return false;
      const start = p + 4;
      const setEnd = p + setLength;
      if (id === TEMPLATE_SET || id === OPTIONS_TEMPLATE_SET) {
        if (!this.#templates(st, h, id === OPTIONS_TEMPLATE_SET, b, start, setEnd, out)) return false;
      } else if (id >= FIRST_DATA_SET) {
        this.#sessions.dataSet(st, h, id, b, start, setEnd, out);
        if (this.#sessions.malformed) return false;
      }
      p = setEnd;
    }
    return !truncated;
  }

  /**
   * Template records (RFC 7011 §3.4.1) and options template records (§3.4.2.2, with a scope
   * field count). A field count of 0 is a withdrawal (§8.1): of one template, or with template
   * id 2 / 3 of all templates / options templates of the domain. Trailing bytes shorter than a
   * record header are set padding (§3.3.1).
   */
  #templates(st: ExporterState, h: ExportHeader, options: boolean, b: Uint8Array, p: number, end: number, out: FlowRecord[]): boolean {
    const fields = this.#fields;
    const allId = options ? OPTIONS_TEMPLATE_SET : TEMPLATE_SET;
    while (end - p >= 4) {
      const recordStart = p;
      const id = u16(b, p);
      const count = u16(b, p + 2);
      p += 4;
      if (count === 0) {
        if (id === allId) this.#sessions.withdrawAll(st, h.domain, options);
        else if (id >= FIRST_DATA_SET) this.#sessions.withdraw(st, h.domain, id);
        else return false;
        continue;
      }
      if (id < FIRST_DATA_SET) return false;
      if (options) {
        if (p + 2 > end) return false;
        const scopeCount = u16(b, p);
        p += 2;
        // §3.4.2.2: the scope field count MUST NOT be zero and cannot exceed the field count.
        // Scope fields are ordinary IEs in IPFIX (e.g. selectorId), so they are read like the others.
        if (scopeCount === 0 || scopeCount > count) return false;
      }
      fields.reset();
      for (let i = 0; i < count; i++) {
        if (p + 4 > end) return false;
        const raw = u16(b, p);
        const length = u16(b, p + 2);
        p += 4;
        let enterprise = 0;
        if (raw & ENTERPRISE_BIT) {
          if (p + 4 > end) return false;
          enterprise = u32(b, p);
          p += 4;
        }
        if (length === 0) return false;
        fields.push(raw & ~ENTERPRISE_BIT, enterprise, length, false);
      }
      if (this.#sessions.define(st, h, id, options, fields, b, recordStart, p, out) < 0) return false;
    }
    return true;
  }
}
