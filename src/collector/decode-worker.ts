import { parentPort, workerData } from 'node:worker_threads';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import { DiscardSink, FlowPipeline } from '../pipeline/flow-pipeline.js';
import { SqliteFlowSink, type FlowSink } from '../storage/flow-store.js';
import { openSqlite, type SqliteHandle } from '../storage/sqlite/sqlite-database.js';
import { RingReader, type RingBuffers } from './datagram-ring.js';

/**
 * The decode side of the collector, in its own thread so that decoding and storage can never
 * stall the sockets. Messages to the parent carry counters only, never records.
 */
export interface DecodeWorkerData {
  ring: RingBuffers;
  role: 'carrier' | 'cyber-office';
  dataDir: string;
  storeFlows: boolean;
  templateHoldMs: number;
  maxHeldSetsPerExporter: number;
  /** Test hook: the worker leaves the ring untouched until it receives 'resume'. */
  startPaused?: boolean;
}

export type DecodeWorkerMessage =
  | { type: 'stats'; exporters: ReturnType<CounterRegistry['all']>; stored: number; erased: number }
  | { type: 'stopped' }
  | { type: 'error'; code: string; message: string };

const data = workerData as DecodeWorkerData;
const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');

const counters = new CounterRegistry();
const decoder = new ExportDecoder({ counters, templateHoldMs: data.templateHoldMs, maxHeldSetsPerExporter: data.maxHeldSetsPerExporter });
let handle: SqliteHandle | undefined;
let sink: FlowSink & { stored?: number };
const discard = new DiscardSink();
let stored = 0;
// Until approved selection exists (issue: 自動選別), a cyber-office instance keeps nothing it decodes.
if (data.role === 'carrier' && data.storeFlows) {
  handle = openSqlite(data.dataDir);
  const sqlite = new SqliteFlowSink(handle.raw);
  sink = { write: (r) => { sqlite.write(r); stored += r.length; }, close: () => sqlite.close() };
} else {
  sink = discard;
}
const pipeline = new FlowPipeline(decoder, sink);
const reader = new RingReader(data.ring);
let stopping = false;
let paused = data.startPaused === true;

function postStats(): void {
  port!.postMessage({ type: 'stats', exporters: counters.all(), stored, erased: discard.erased } satisfies DecodeWorkerMessage);
}

port.on('message', (m: { type: string }) => {
  if (m.type === 'stop') stopping = true;
  if (m.type === 'resume') paused = false;
});

async function run(): Promise<void> {
  let lastStats = 0;
  let lastExpire = Date.now();
  let lastFlush = Date.now();
  for (;;) {
    const n = paused && !stopping ? 0 : reader.drain((d) => pipeline.ingest(d), 2048);
    const now = Date.now();
    if (n === 0 || now - lastFlush >= 200) {
      pipeline.flush();
      lastFlush = now;
    }
    if (now - lastExpire >= 1000) {
      pipeline.expire(now);
      lastExpire = now;
    }
    if (now - lastStats >= 250) {
      postStats();
      lastStats = now;
    }
    if (n === 0) {
      if (stopping) break;
      if (paused) {
        await new Promise<void>((r) => setTimeout(r, 10));
        continue;
      }
      await reader.waitForData(50);
    } else {
      // Let the port deliver 'stop' and other messages under sustained load.
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  pipeline.flush();
  postStats();
  await handle?.close();
  port!.postMessage({ type: 'stopped' } satisfies DecodeWorkerMessage);
  port!.close();
}

run().catch((e: unknown) => {
  const err = e as { code?: string; message?: string };
  port.postMessage({ type: 'error', code: err.code ?? 'SAKI_ERR_INTERNAL', message: err.message ?? 'decode worker failed' } satisfies DecodeWorkerMessage);
  process.exit(1);
});
