import type { ExportDatagram } from './export-datagram.js';
import type { FlowRecord } from './flow-record.js';
import { EXPORTER_LIMIT_KEY, type DecoderOptions, type FlowDecoder } from './flow-decoder.js';
import { NetflowV5Decoder } from './decoders/netflow-v5-decoder.js';
import { NetflowV9Decoder } from './decoders/netflow-v9-decoder.js';
import { IpfixDecoder } from './decoders/ipfix-decoder.js';
import { SflowV5Decoder } from './decoders/sflow-decoder.js';

/**
 * Sniffs the export format of each datagram and hands it to the matching decoder.
 * NetFlow v5/v9 and IPFIX start with a 16-bit version (5, 9, 10); sFlow v5 with a 32-bit 5.
 * A NetFlow v5 header's second word is a record count ≥ 1, so "00 05 00 00" can only be sFlow.
 */
export class ExportDecoder implements FlowDecoder {
  readonly #options: DecoderOptions;
  readonly #v5: NetflowV5Decoder;
  readonly #v9: NetflowV9Decoder;
  readonly #ipfix: IpfixDecoder;
  readonly #sflow: SflowV5Decoder;

  constructor(options: DecoderOptions) {
    this.#options = options;
    this.#v5 = new NetflowV5Decoder(options);
    this.#v9 = new NetflowV9Decoder(options);
    this.#ipfix = new IpfixDecoder(options);
    this.#sflow = new SflowV5Decoder(options);
  }

  decode(datagram: ExportDatagram, out: FlowRecord[]): number {
    const p = datagram.payload;
    const counters = this.#options.counters;
    if (!counters.has(datagram.exporter) && counters.size >= (this.#options.maxExporters ?? 10_000)) {
      const over = counters.get(EXPORTER_LIMIT_KEY);
      over.datagrams++;
      over.bytes += p.length;
      over.malformed++;
      over.lastSeen = datagram.receivedAt;
      return 0;
    }
    const c = counters.get(datagram.exporter);
    c.datagrams++;
    c.bytes += p.length;
    c.lastSeen = datagram.receivedAt;
    if (p.length < 4) {
      c.malformed++;
      return 0;
    }
    const version16 = (p[0] << 8) | p[1];
    let n: number;
    if (version16 === 0 && p[2] === 0 && p[3] === 5) {
      c.lastFormat = 'sflow-v5';
      n = this.#sflow.decode(datagram, out);
    } else if (version16 === 5) {
      c.lastFormat = 'netflow-v5';
      n = this.#v5.decode(datagram, out);
    } else if (version16 === 9) {
      c.lastFormat = 'netflow-v9';
      n = this.#v9.decode(datagram, out);
    } else if (version16 === 10) {
      c.lastFormat = 'ipfix';
      n = this.#ipfix.decode(datagram, out);
    } else {
      c.malformed++;
      return 0;
    }
    c.records += n;
    return n;
  }

  expire(now: number): void {
    this.#v9.expire(now);
    this.#ipfix.expire(now);
  }
}
