/**
 * What a NetFlow v9 / IPFIX message header tells the record decoder: who exported it, for which
 * source id / observation domain, and the clocks needed to resolve record times. Held data sets
 * keep the header of the datagram they came in, so their times resolve as if decoded on arrival.
 */
export interface ExportHeader {
  readonly exporter: string;
  /** NetFlow v9 source id (RFC 3954 §5.1) / IPFIX observation domain id (RFC 7011 §3.1). */
  readonly domain: number;
  /** Header export time (v9 unix_secs, IPFIX Export Time), ms since the Unix epoch. */
  readonly exportMs: number;
  /** v9 header sysUptime, ms; -1 for IPFIX, whose header has none. */
  readonly sysUptimeMs: number;
  /** When the datagram was received, ms since the Unix epoch. */
  readonly receivedAt: number;
}
