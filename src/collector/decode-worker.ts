import { parentPort, workerData } from 'node:worker_threads';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import type { SakimoriConfig } from '../config/config-schema.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { CompiledSelector } from '../core/selection/selector.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import { DiscardSink, FlowPipeline } from '../pipeline/flow-pipeline.js';
import { SelectionStage } from '../pipeline/selection-stage.js';
import { loadOrCreatePseudonymizer, loadSelectors, loadTrustedKeys } from '../selection/load-selection.js';
import { SqliteFlowSink, type FlowSink } from '../storage/flow-store.js';
import { SqliteSelectedFlowSink } from '../storage/selected-flow-store.js';
import { openSqlite, type SqliteHandle } from '../storage/sqlite/sqlite-database.js';
import { RingReader, type RingBuffers } from './datagram-ring.js';

/**
 * The decode side of the collector, in its own thread so that decoding and storage can never
 * stall the sockets. Messages to the parent carry counters, attestations (counts only) and log
 * events of identifiers and codes, never records.
 *
 * carrier role: decode → store (or discard). cyber-office role (自動選別, Act Art. 22): decode →
 * classify → select → store the selected records; every other record is erased at once, counted.
 */
export interface DecodeWorkerData {
  ring: RingBuffers;
  role: 'carrier' | 'cyber-office';
  dataDir: string;
  storeFlows: boolean;
  templateHoldMs: number;
  maxHeldSetsPerExporter: number;
  classification: SakimoriConfig['classification'];
  selection: SakimoriConfig['selection'];
  /** Length of a selection attestation window. */
  attestationWindowMs: number;
  softwareVersion: string;
  /** Test hook: the worker leaves the ring untouched until it receives 'resume'. */
  startPaused?: boolean;
}

export type DecodeWorkerMessage =
  | { type: 'stats'; exporters: ReturnType<CounterRegistry['all']>; stored: number; erased: number }
  | { type: 'attestation'; attestation: SelectionAttestation }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields: Record<string, string | number | boolean> }
  | { type: 'stopped' }
  | { type: 'error'; code: string; message: string };

const data = workerData as DecodeWorkerData;
const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');

const counters = new CounterRegistry();
const decoder = new ExportDecoder({ counters, templateHoldMs: data.templateHoldMs, maxHeldSetsPerExporter: data.maxHeldSetsPerExporter });
let handle: SqliteHandle | undefined;
let stage: SelectionStage | undefined;
const discard = new DiscardSink();
let stored = 0;
let stopping = false;
let paused = data.startPaused === true;

function log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, string | number | boolean> = {}): void {
  port!.postMessage({ type: 'log', level, msg, fields } satisfies DecodeWorkerMessage);
}

function postStats(): void {
  const s = stage ? { stored: stage.stored, erased: stage.erased } : { stored, erased: discard.erased };
  port!.postMessage({ type: 'stats', exporters: counters.all(), ...s } satisfies DecodeWorkerMessage);
}

port.on('message', (m: { type: string }) => {
  if (m.type === 'stop') stopping = true;
  if (m.type === 'resume') paused = false;
});

/**
 * Approvals are verified here, at start: a refused one is logged by its code only and runs no
 * selector. With no selector there is nothing to classify for, so the geo database is not loaded.
 */
async function cyberOfficeSink(): Promise<SelectionStage> {
  const now = Date.now();
  const trusted = loadTrustedKeys(data.selection.commissionKeys);
  const pseudonymizer = loadOrCreatePseudonymizer(data.dataDir, data.selection);
  const { selectors, refused } = loadSelectors(data.selection, trusted, pseudonymizer, now);
  for (const r of refused) log('error', 'approval refused: it runs no selector, its flows are erased', { code: r.code, approvalFile: r.approvalFile });
  for (const s of selectors) log('info', 'approval verified: selecting', { approvalId: s.approvalId, channel: s.channel, criteriaHash: s.criteriaHash });
  let classifier: FlowClassifier | undefined;
  if (selectors.length > 0) {
    const geo = await loadGeoDatabase(nodeGeoIo(data.dataDir), (e) => log('info', `geo database: ${e.event}`, { ...e }));
    classifier = new FlowClassifier(geo.db, createClassificationConfig(data.classification));
    log('info', 'geo database ready', { from: geo.from, snapshot: geo.snapshotName });
  } else {
    log('warn', 'no valid approval: every decoded record is erased (counted)');
  }
  handle = openSqlite(data.dataDir);
  return new SelectionStage({
    classifier,
    selectors: selectors as CompiledSelector[],
    sink: new SqliteSelectedFlowSink(handle.raw),
    clock: Date.now,
    windowMs: data.attestationWindowMs,
    softwareVersion: data.softwareVersion,
    onAttestation: (attestation) => port!.postMessage({ type: 'attestation', attestation } satisfies DecodeWorkerMessage),
  });
}

async function createSink(): Promise<FlowSink> {
  if (data.role === 'cyber-office') {
    stage = await cyberOfficeSink();
    return stage;
  }
  if (data.storeFlows) {
    handle = openSqlite(data.dataDir);
    const sqlite = new SqliteFlowSink(handle.raw);
    return { write: (r) => { sqlite.write(r); stored += r.length; }, close: () => sqlite.close() };
  }
  return discard;
}

async function run(): Promise<void> {
  const sink = await createSink();
  const pipeline = new FlowPipeline(decoder, sink);
  const reader = new RingReader(data.ring);
  let lastStats = 0;
  let lastExpire = Date.now();
  let lastFlush = Date.now();
  for (;;) {
    const n = paused && !stopping ? 0 : reader.drain((d) => pipeline.ingest(d), 2048);
    const now = Date.now();
    if (n === 0 || now - lastFlush >= 200) {
      pipeline.flush();
      stage?.tick();
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
  sink.close();
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
