import type { ExportDatagram } from './export-datagram.js';
import type { FlowRecord } from './flow-record.js';
import type { CounterRegistry } from './exporter-counters.js';

/**
 * Contract every export-format decoder implements. Decoders are pure apart from their own
 * template/sampling caches: no sockets, no clocks (time comes from the datagram), no logging.
 *
 * decode() must never throw: a malformed datagram increments `malformed` on the exporter's
 * counters and yields whatever records were complete before the fault (or none).
 */
export interface FlowDecoder {
  /** Decodes one datagram, appending records to `out`. Returns the number of records appended. */
  decode(datagram: ExportDatagram, out: FlowRecord[]): number;
  /** Drops held data sets older than the hold time (relative to `now`, ms), counting them. */
  expire(now: number): void;
}

export interface DecoderOptions {
  counters: CounterRegistry;
  /** How long a data set whose template is unknown is kept awaiting its template, ms. */
  templateHoldMs: number;
  /** Upper bound of held data sets per exporter (memory bound); beyond it the oldest is expired and counted. */
  maxHeldSetsPerExporter: number;
  /**
   * Memory bound on distinct exporters (UDP sources can be spoofed). Datagrams from further
   * exporters are not decoded; they are counted under the pseudo-exporter EXPORTER_LIMIT_KEY.
   * Default 10,000.
   */
  maxExporters?: number;
  /** Memory bound on (domain, template id) entries per exporter; a template beyond it is malformed. Default 4,096. */
  maxTemplatesPerExporter?: number;
  /**
   * Decode NetFlow v9 / IPFIX data records only by the generic template walk, never by the
   * per-template compiled decoders. Same records either way; for differential tests and A/B runs.
   */
  genericRecordDecoding?: boolean;
  /**
   * Leave the text of IPv4 addresses unmade: records of the compiled NetFlow v9 / IPFIX decoders
   * carry srcV4/dstV4 with src/dst '' (flow-record.ts, "deferred text"). For the cyber-office
   * selection stage only, which makes the text of the records it keeps (fillAddressText) and never
   * needs that of an erased flow. Every other path (and these decoders without it) makes the text.
   */
  deferIPv4Text?: boolean;
}

export const EXPORTER_LIMIT_KEY = 'exporter-limit';
