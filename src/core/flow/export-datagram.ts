/**
 * A flow-export datagram exactly as received: the receiver only timestamps it and notes the exporter
 * (Akvorado's dumb-receiver rule); all decoding happens downstream.
 */
export interface ExportDatagram {
  /** Receive time, milliseconds since the Unix epoch. */
  receivedAt: number;
  /** Exporter address (UDP source address, textual). */
  exporter: string;
  exporterPort: number;
  payload: Uint8Array;
}
