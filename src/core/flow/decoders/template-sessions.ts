import type { DecoderOptions } from '../flow-decoder.js';
import type { FlowRecord, FlowSource } from '../flow-record.js';
import { compileTemplate, sameTemplate, type CompiledTemplate, type TemplateFields } from './compiled-template.js';
import { ExporterState } from './exporter-state.js';
import type { ExportHeader } from './export-header.js';
import { templateKey } from './held-sets.js';
import { TemplateRecordDecoder } from './template-record-decoder.js';

/**
 * The template-based half shared by the NetFlow v9 and IPFIX decoders: per-exporter template
 * caches, options-derived sampling state, and data sets held while their template is unknown.
 * The format decoders parse headers and template records; everything from "here is a template"
 * and "here is a data set" on happens here, identically for both formats.
 */
export class TemplateSessions {
  readonly #options: DecoderOptions;
  readonly #exporters = new Map<string, ExporterState>();
  readonly #records: TemplateRecordDecoder;

  constructor(options: DecoderOptions, source: FlowSource) {
    this.#options = options;
    this.#records = new TemplateRecordDecoder(source, options.genericRecordDecoding === true, options.deferIPv4Text === true);
  }

  /** Set when a data set or held set was malformed since `begin`. */
  get malformed(): boolean {
    return this.#records.malformed;
  }

  /** Data records of this datagram's data sets walked since `begin` (held sets recovered excluded). */
  get recordsWalked(): number {
    return this.#records.walked;
  }

  /** Set when a data set of this datagram was held since `begin`: its record count is unknown. */
  held = false;

  /** Starts decoding one datagram from `exporter`. */
  begin(exporter: string): ExporterState {
    this.#records.malformed = false;
    this.#records.walked = 0;
    this.held = false;
    let st = this.#exporters.get(exporter);
    if (st === undefined) {
      st = new ExporterState(this.#options.counters.get(exporter));
      this.#exporters.set(exporter, st);
    }
    return st;
  }

  /**
   * Installs a (re)announced template and decodes the data sets held for it, appending their
   * records to `out`. Returns the number of records appended, or -1 when the template is
   * unusable (malformed). An unchanged refresh keeps the compiled plan.
   */
  define(st: ExporterState, h: ExportHeader, id: number, options: boolean, fields: TemplateFields, b: Uint8Array, recordStart: number, recordEnd: number, out: FlowRecord[]): number {
    const key = templateKey(h.domain, id);
    const known = st.templates.get(key);
    let t: CompiledTemplate | undefined;
    if (known !== undefined && known.options === options && sameTemplate(known, b, recordStart, recordEnd)) t = known;
    else t = compileTemplate(id, options, fields, b.slice(recordStart, recordEnd));
    if (t === undefined) return -1;
    if (known === undefined && st.templates.size >= (this.#options.maxTemplatesPerExporter ?? 4096)) return -1;
    st.templates.set(key, t);
    if (options) st.counters.optionTemplates++;
    else st.counters.templates++;
    if (st.held.size === 0) return 0;
    const walked = this.#records.walked;
    let n = 0;
    for (const s of st.held.take(key)) {
      if (h.receivedAt - s.header.receivedAt > this.#options.templateHoldMs) {
        st.counters.unknownTemplateExpired++;
        continue;
      }
      st.counters.unknownTemplateRecovered++;
      n += this.#decode(st, s.header, t, s.body, 0, s.body.length, out);
    }
    this.#records.walked = walked;
    return n;
  }

  /** RFC 7011 §8.1: withdraws one template of a domain. */
  withdraw(st: ExporterState, domain: number, id: number): void {
    st.templates.delete(templateKey(domain, id));
    st.counters.templateWithdrawals++;
  }

  /** RFC 7011 §8.1: withdraws all (options) templates of a domain. */
  withdrawAll(st: ExporterState, domain: number, options: boolean): void {
    for (const [key, t] of st.templates) {
      if (Math.floor(key / 0x10000) === domain && t.options === options) st.templates.delete(key);
    }
    st.counters.templateWithdrawals++;
  }

  /** Decodes a data set, or holds a copy of it while its template is unknown. Returns records appended. */
  dataSet(st: ExporterState, h: ExportHeader, templateId: number, b: Uint8Array, start: number, end: number, out: FlowRecord[]): number {
    const key = templateKey(h.domain, templateId);
    const t = st.templates.get(key);
    if (t !== undefined) return this.#decode(st, h, t, b, start, end, out);
    st.counters.unknownTemplateSets++;
    this.held = true;
    st.counters.unknownTemplateExpired += st.held.hold({ key, header: h, body: b.slice(start, end) }, this.#options.maxHeldSetsPerExporter);
    return 0;
  }

  #decode(st: ExporterState, h: ExportHeader, t: CompiledTemplate, b: Uint8Array, start: number, end: number, out: FlowRecord[]): number {
    if (t.options) {
      this.#records.readOptions(t, b, start, end, h, st);
      return 0;
    }
    if (!t.flows) {
      this.#records.skipRecords(t, b, start, end);
      return 0;
    }
    return this.#records.decodeFlows(t, b, start, end, h, st, out);
  }

  /** Drops held sets received more than templateHoldMs before `now`, counting them. */
  expire(now: number): void {
    const cutoff = now - this.#options.templateHoldMs;
    for (const st of this.#exporters.values()) {
      if (st.held.size > 0) st.counters.unknownTemplateExpired += st.held.expire(cutoff);
    }
  }
}
