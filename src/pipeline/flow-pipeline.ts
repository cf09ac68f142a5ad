import type { ExportDatagram } from '../core/flow/export-datagram.js';
import type { FlowDecoder } from '../core/flow/flow-decoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import type { FlowSink } from '../storage/flow-store.js';

/**
 * exports → decode → (classify → select/erase, next issue) → store.
 * Records are handed to the sink in batches; nothing else keeps them.
 */
export class FlowPipeline {
  readonly #decoder: FlowDecoder;
  readonly #sink: FlowSink;
  readonly #batchSize: number;
  #batch: FlowRecord[] = [];
  decodedRecords = 0;

  constructor(decoder: FlowDecoder, sink: FlowSink, batchSize = 5000) {
    this.#decoder = decoder;
    this.#sink = sink;
    this.#batchSize = batchSize;
  }

  ingest(d: ExportDatagram): void {
    this.decodedRecords += this.#decoder.decode(d, this.#batch);
    if (this.#batch.length >= this.#batchSize) this.flush();
  }

  flush(): void {
    if (this.#batch.length === 0) return;
    const b = this.#batch;
    this.#batch = [];
    this.#sink.write(b);
  }

  expire(now: number): void {
    this.#decoder.expire(now);
  }
}

/** A sink that keeps nothing and counts what it erased. */
export class DiscardSink implements FlowSink {
  erased = 0;
  write(records: readonly FlowRecord[]): void {
    this.erased += records.length;
  }
  close(): void {}
}
