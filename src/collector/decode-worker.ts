import { basename } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { compileGeoSnapshotOffThread, hasGeoSnapshot } from '../classify/geo-off-thread.js';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import type { SakimoriConfig } from '../config/config-schema.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { SelectionCounts } from '../core/selection/selector.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import { DiscardSink, FlowPipeline } from '../pipeline/flow-pipeline.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { SelectionStage } from '../pipeline/selection-stage.js';
import type { ApprovalSet, ApprovalSummary, SelectionReloadResult } from '../selection/approval-set.js';
export type { SelectionReloadResult };
import type { ApprovalRefusal } from '../selection/load-selection.js';
import type { Pseudonymizer } from '../core/selection/pseudonym.js';
import type { KeyObject } from 'node:crypto';
import type { FlowSink } from '../storage/flow-store.js';
import { PostingSelectedFlowSink, type EncodedBlock } from '../storage/selected-flow-store.js';
import type { SqliteHandle } from '../storage/sqlite/sqlite-database.js';
import type { Detection } from '../core/detect/detection.js';
import type { DetectionStage } from '../pipeline/detection-stage.js';
import { RingReader, type RingBuffers } from './datagram-ring.js';
import { createLiveDetection, seededC2Engine } from './live-detection.js';
import { BehaviourStage } from '../pipeline/behaviour-stage.js';
import { DetectionSampler } from '../pipeline/detection-sampler.js';

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
  /** Live detection settings (carrier: every decoded flow; cyber-office: selected flows only). */
  detections: SakimoriConfig['detections'];
  /** Length of a selection attestation window. */
  attestationWindowMs: number;
  softwareVersion: string;
  /** Test hook: the worker leaves the ring untouched until it receives 'resume'. */
  startPaused?: boolean;
}

/** The running approval set and its counts since start (cyber-office role): ids, hashes, validity, counts; no records. */
export interface SelectionLive {
  approvals: ApprovalSummary[];
  counts: Record<string, SelectionCounts>;
  refused: { file: string; code: string }[];
  digest: string;
  in: number;
  selected: number;
  erased: number;
}

export type DecodeWorkerMessage =
  | { type: 'stats'; exporters: ReturnType<CounterRegistry['all']>; stored: number; erased: number; selection?: SelectionLive; detection?: DetectionStage['counters'] }
  | { type: 'selection-reloaded'; requestId: number; result: SelectionReloadResult }
  /** The set loaded at start: every revocation in force counts as new; the main thread compares with what the log last recorded. */
  | { type: 'selection-loaded'; result: Extract<SelectionReloadResult, { ok: true }> }
  | { type: 'attestation'; attestation: SelectionAttestation }
  /** Selected records of one batch and approval, encoded (never records that were not selected); the main thread stores them. */
  | { type: 'selected-blocks'; approvalId: string; blocks: EncodedBlock[]; storedMs: number }
  /** New or changed detection candidates (addresses and counts, never records). */
  | { type: 'detections'; detections: Detection[] }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields: Record<string, string | number | boolean> }
  /** The sink is ready and the worker reads the queue from now on (what it loaded, code and data, is in place). */
  | { type: 'running' }
  | { type: 'stopped' }
  | { type: 'error'; code: string; message: string };

const data = workerData as DecodeWorkerData;

// Loaded when the role needs them, not at start: approvals (cyber-office) and SQLite (carrier with
// storeFlows) take about 0.3 s of module loading on a small machine, and until the worker runs,
// what the sockets receive waits in the queue.
const selectionModules = () => Promise.all([import('../selection/approval-set.js'), import('../selection/load-selection.js')]);
const port = parentPort;
if (!port) throw new Error('decode-worker must run as a worker thread');

const counters = new CounterRegistry();
// cyber-office: every record goes to the selection stage, which makes the IPv4 text of the records
// it keeps and needs none of the erased ones' (DecoderOptions.deferIPv4Text).
const decoder = new ExportDecoder({
  counters,
  templateHoldMs: data.templateHoldMs,
  maxHeldSetsPerExporter: data.maxHeldSetsPerExporter,
  deferIPv4Text: data.role === 'cyber-office',
});
let handle: SqliteHandle | undefined;
let stage: SelectionStage | undefined;
const discard = new DiscardSink();
let stored = 0;
let stopping = false;
let paused = data.startPaused === true;

function log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, string | number | boolean> = {}): void {
  port!.postMessage({ type: 'log', level, msg, fields } satisfies DecodeWorkerMessage);
}

function selectionLive(st: SelectionStage): SelectionLive {
  return {
    approvals: current?.entries.map((e) => e.summary) ?? [],
    counts: Object.fromEntries(st.totals()),
    refused: currentRefused.map((r) => ({ file: basename(r.approvalFile), code: r.code })),
    digest: current?.digest ?? '',
    in: st.in,
    selected: st.selected,
    erased: st.erased,
  };
}

function postStats(): void {
  const s = stage ? { stored: stage.stored, erased: stage.erased, selection: selectionLive(stage) } : { stored, erased: discard.erased };
  const d = detection ? { detection: { ...detection.counters } } : {};
  port!.postMessage({ type: 'stats', exporters: counters.all(), ...s, ...d } satisfies DecodeWorkerMessage);
}

let detection: DetectionStage | undefined;
let detectionFailed = false;
const reader = new RingReader(data.ring);

/**
 * Load shedding (src/pipeline/detection-sampler.ts): collection and selection come first.
 * Detection costs microseconds per flow on this thread; when the decode queue backs up, only a
 * share of the batches is observed (the rest counted in `detection.shed`) until it drains.
 */
const sampler = new DetectionSampler();
/** Under sustained overload shedding starts and stops often: it is logged at most once a minute. */
let lastShedLog = 0;
function detect(records: readonly FlowRecord[]): void {
  const stage = liveDetection();
  if (!stage || records.length === 0) return;
  const fill = reader.depth() / reader.capacity();
  if (sampler.admit(fill)) {
    stage.observe(records, Date.now());
    return;
  }
  stage.shed(records.length);
  const now = Date.now();
  if (now - lastShedLog >= 60_000) {
    lastShedLog = now;
    log('warn', 'decoding is behind: live detection observes a share of the batches until it catches up (the rest counted in detection.shed)', { queueFill: Math.round(fill * 100) / 100, share: sampler.share, shedSoFar: stage.counters.shed });
  }
}

/**
 * The live detection stage, built once the classifier exists. A bad seed file or prefix is logged
 * by its code and leaves detection off; collection and selection go on.
 */
function liveDetection(): DetectionStage | undefined {
  if (detection || detectionFailed || !data.detections.enabled || !classifier) return detection;
  try {
    const built = createLiveDetection({
      settings: data.detections,
      role: data.role,
      classifier,
      domesticCountries: data.classification.domesticCountries,
      emit: (detections) => port!.postMessage({ type: 'detections', detections } satisfies DecodeWorkerMessage),
    });
    detection = built.stage;
    log('info', 'live detection running', { role: data.role, seeds: built.seeds, darknet: data.detections.darknetPrefixes.length > 0, ddos: data.detections.criticalAssets.length > 0 });
  } catch (e) {
    detectionFailed = true;
    log('error', 'live detection is off: its settings were refused', { code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' });
  }
  return detection;
}

port.on('message', (m: { type: string; requestId?: number }) => {
  if (m.type === 'stop') stopping = true;
  if (m.type === 'resume') paused = false;
  if (m.type === 'reload-selection') {
    // One reload at a time, in request order.
    reloading = reloading.then(async () => {
      let result: SelectionReloadResult;
      try {
        result = await reloadSelection();
      } catch (e) {
        // E.g. the geo database could not be loaded: the old set keeps running.
        result = { ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file: '', code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' } };
      }
      port!.postMessage({ type: 'selection-reloaded', requestId: m.requestId ?? 0, result } satisfies DecodeWorkerMessage);
    });
  }
});

let trusted: Map<string, KeyObject> | undefined;
let pseudonymizer: Pseudonymizer | undefined;
let classifier: FlowClassifier | undefined;
let current: ApprovalSet | undefined;
let currentRefused: ApprovalRefusal[] = [];
let reloading: Promise<void> = Promise.resolve();

/** The geo database is loaded once, when the first approval needs classification. */
let classifierLoading: Promise<FlowClassifier> | undefined;
function ensureClassifier(): Promise<FlowClassifier> {
  // One load however many callers (start-up detection, approval reloads) ask at once.
  classifierLoading ??= (async () => {
    // A first start has no snapshot: compiling it (≈ 6 s of CPU) on this thread would stop
    // decoding meanwhile, so a helper thread compiles it and this one loads the result.
    if (!hasGeoSnapshot(data.dataDir)) {
      log('info', 'geo database: no snapshot yet, compiling it on a helper thread while decoding goes on');
      const compiled = await compileGeoSnapshotOffThread(data.dataDir);
      if (!compiled.ok) log('warn', 'geo database: the helper thread could not write a snapshot, compiling here', { code: compiled.code ?? 'SAKI_ERR_INTERNAL' });
    }
    const geo = await loadGeoDatabase(nodeGeoIo(data.dataDir), (e) => log('info', `geo database: ${e.event}`, { ...e }));
    classifier = new FlowClassifier(geo.db, createClassificationConfig(data.classification));
    log('info', 'geo database ready', { from: geo.from, snapshot: geo.snapshotName });
    return classifier;
  })();
  classifierLoading.catch(() => (classifierLoading = undefined));
  return classifierLoading;
}

/**
 * Runtime reload (SIGHUP or a file change, from the main thread): the whole new set or nothing.
 * Any refused approval or an invalid revocation list refuses the reload and the old set keeps
 * running; approvals outside their validity are not refusals (they are inert). Revocations seen
 * before stay in force.
 */
async function reloadSelection(): Promise<SelectionReloadResult> {
  if (!stage || !trusted || !pseudonymizer) return { ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file: '', code: 'SAKI_ERR_INTERNAL' } };
  const previous = current;
  let next: ApprovalSet;
  try {
    const [{ loadApprovalSet }, { loadTrustedKeys }] = await selectionModules();
    trusted = loadTrustedKeys(data.selection.commissionKeys);
    next = loadApprovalSet(data.selection, trusted, pseudonymizer, Date.now(), previous?.revocations);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL';
    const file = code === 'SAKI_ERR_REVOCATION_INVALID' ? basename(data.selection.revocationFile ?? '') : '';
    log('error', 'approval reload refused: the previous set stays active', { code, file });
    return { ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file, code } };
  }
  if (next.refused.length > 0) {
    const r = next.refused[0];
    log('error', 'approval reload refused: the previous set stays active', { code: r.code, file: basename(r.approvalFile) });
    return { ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file: basename(r.approvalFile), code: r.code } };
  }
  if (previous && next.digest === previous.digest) {
    // Nothing changed (a spurious file event, or SIGHUP): the running selectors and windows stay.
    currentRefused = [];
    return { ok: true, digest: next.digest, previousDigest: previous.digest, approvals: previous.entries.map((e) => e.summary), newlyRevoked: [] };
  }
  const cls = next.entries.length > 0 ? await ensureClassifier() : classifier;
  stage.replaceSelectors(next.entries.map((e) => e.selector), cls);
  current = next;
  currentRefused = [];
  const hashes = new Map(next.entries.map((e) => [e.summary.id, e.summary.criteriaHash]));
  const newlyRevoked = [...next.revocations.values()]
    .filter((r) => !previous?.revocations.has(r.approvalId))
    .map((r) => ({ ...r, ...(hashes.has(r.approvalId) ? { criteriaHash: hashes.get(r.approvalId) } : {}) }));
  for (const e of next.entries) log('info', 'approval loaded', { approvalId: e.summary.id, channel: e.summary.channel, criteriaHash: e.summary.criteriaHash });
  return { ok: true, digest: next.digest, previousDigest: previous?.digest ?? '', approvals: next.entries.map((e) => e.summary), newlyRevoked };
}

/**
 * Approvals are verified here, at start: a refused one is logged by its code and file only and runs
 * no selector; an invalid revocation list runs none at all (fail-safe). With no selector there is
 * nothing to classify for, so the geo database is not loaded until a reload brings one.
 */
async function cyberOfficeSink(): Promise<SelectionStage> {
  const now = Date.now();
  const [{ loadApprovalSet }, { loadOrCreatePseudonymizer, loadTrustedKeys }] = await selectionModules();
  trusted = loadTrustedKeys(data.selection.commissionKeys);
  pseudonymizer = loadOrCreatePseudonymizer(data.dataDir, data.selection);
  try {
    current = loadApprovalSet(data.selection, trusted, pseudonymizer, now);
    currentRefused = current.refused;
  } catch (e) {
    log('error', 'approvals not loaded: every decoded record is erased (counted)', { code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' });
    current = undefined;
  }
  for (const r of currentRefused) log('error', 'approval refused: it runs no selector, its flows are erased', { code: r.code, approvalFile: r.approvalFile });
  const entries = current?.entries ?? [];
  for (const e of entries) {
    const valid = e.summary.validFromMs <= now && now < e.selector.validUntilMs;
    log(valid ? 'info' : 'warn', valid ? 'approval verified: selecting' : 'approval verified but not valid now: it selects only within its validity', {
      approvalId: e.summary.id,
      channel: e.summary.channel,
      criteriaHash: e.summary.criteriaHash,
    });
  }
  if (entries.length > 0) await ensureClassifier();
  else log('warn', 'no valid approval: every decoded record is erased (counted)');
  let behaviour: BehaviourStage | undefined;
  if (data.detections.enabled) {
    try {
      behaviour = new BehaviourStage(seededC2Engine(data.detections.seedFiles).engine, data.detections.stepSeconds * 1000);
    } catch (e) {
      log('error', 'behavioural selectors are off (their criteria never hold): seed files refused', { code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' });
    }
  }
  return new SelectionStage({
    classifier,
    selectors: entries.map((e) => e.selector),
    // Encoded here, inserted by the main thread (see PostingSelectedFlowSink).
    sink: new PostingSelectedFlowSink((approvalId, blocks, storedMs) => {
      // Transferred, not copied: each body owns its whole buffer (one that shares a pool is copied first).
      const own = blocks.map((b) => ({ count: b.count, body: b.body.byteOffset === 0 && b.body.byteLength === b.body.buffer.byteLength ? b.body : new Uint8Array(b.body) }));
      port!.postMessage({ type: 'selected-blocks', approvalId, blocks: own, storedMs } satisfies DecodeWorkerMessage, own.map((b) => b.body.buffer as ArrayBuffer));
    }),
    clock: Date.now,
    windowMs: data.attestationWindowMs,
    softwareVersion: data.softwareVersion,
    onAttestation: (attestation) => port!.postMessage({ type: 'attestation', attestation } satisfies DecodeWorkerMessage),
    // Act Art. 23: in this role detection sees selected flows only. Without live detection the
    // stage has nobody to hand them to (and makes no text for them).
    ...(data.detections.enabled ? { onSelected: (records: readonly FlowRecord[]) => detect(records) } : {}),
    // Behavioural criteria: the selection machine's own engine, over every acquirable flow.
    ...(behaviour ? { behaviour } : {}),
  });
}

async function createSink(): Promise<FlowSink> {
  if (data.role === 'cyber-office') {
    stage = await cyberOfficeSink();
    if (current) {
      const hashes = new Map(current.entries.map((e) => [e.summary.id, e.summary.criteriaHash]));
      port!.postMessage({
        type: 'selection-loaded',
        result: {
          ok: true,
          digest: current.digest,
          previousDigest: '',
          approvals: current.entries.map((e) => e.summary),
          newlyRevoked: [...current.revocations.values()].map((r) => ({ ...r, ...(hashes.has(r.approvalId) ? { criteriaHash: hashes.get(r.approvalId) } : {}) })),
        },
      } satisfies DecodeWorkerMessage);
    }
    return stage;
  }
  const sink = await carrierStorage();
  if (!data.detections.enabled) return sink;
  // Decoding does not wait for the geo database: detection starts once it is ready (seconds on a
  // first start, milliseconds from the snapshot after).
  ensureClassifier().catch((e: unknown) => {
    detectionFailed = true;
    log('error', 'live detection is off: the geo database could not be loaded', { code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' });
  });
  return {
    write: (r) => {
      sink.write(r);
      detect(r);
    },
    close: () => sink.close(),
  };
}

async function carrierStorage(): Promise<FlowSink> {
  if (data.storeFlows) {
    const [{ openSqlite }, { SqliteFlowSink }] = await Promise.all([import('../storage/sqlite/sqlite-database.js'), import('../storage/flow-store.js')]);
    handle = openSqlite(data.dataDir);
    const sqlite = new SqliteFlowSink(handle.raw);
    return { write: (r) => { sqlite.write(r); stored += r.length; }, close: () => sqlite.close() };
  }
  return discard;
}

async function run(): Promise<void> {
  const ready = createSink();
  // A reload requested while the approvals and the geo database load waits for them.
  reloading = ready.then(
    () => undefined,
    () => undefined,
  );
  const sink = await ready;
  const pipeline = new FlowPipeline(decoder, sink);
  port!.postMessage({ type: 'running' } satisfies DecodeWorkerMessage);
  let lastStats = 0;
  let lastExpire = Date.now();
  let lastFlush = Date.now();
  for (;;) {
    const n = paused && !stopping ? 0 : reader.drain((d) => pipeline.ingest(d), 2048);
    const now = Date.now();
    if (n === 0 || now - lastFlush >= 200) {
      pipeline.flush();
      stage?.tick();
      detection?.tick(now);
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
  await reloading;
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
