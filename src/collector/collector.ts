import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SakimoriConfig } from '../config/config-schema.js';
import { CounterRegistry, type ExporterCounters } from '../core/flow/exporter-counters.js';
import { EXPORTER_LIMIT_KEY } from '../core/flow/flow-decoder.js';
import type { Detection } from '../core/detect/detection.js';
import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { DetectionStage } from '../pipeline/detection-stage.js';
import type { Logger } from '../observability/logger.js';
import { selectionAttestationEntry } from '../transparency/selection-entries.js';
import type { TransparencyLog } from '../transparency/transparency-log.js';
import { VERSION } from '../version.js';
import { createRing, RingWriter } from './datagram-ring.js';
import type { DecodeWorkerData, DecodeWorkerMessage, SelectionLive, SelectionReloadResult } from './decode-worker.js';
import { approvalSetDigest } from '../selection/approval-set.js';
import { watchApprovalFiles } from '../selection/approval-watcher.js';
import { approvalReloadEntries } from '../transparency/selection-entries.js';
import { UdpReceiver, type BoundListener, type DatagramReceiver } from './udp-receiver.js';
import { NativeUdpReceiver } from './native-udp-receiver.js';
import { SqliteSelectedBlockWriter, type EncodedBlock } from '../storage/selected-flow-store.js';
import { openSqlite, type SqliteHandle } from '../storage/sqlite/sqlite-database.js';
import { nativeAddon } from '../native/native-addon.js';

export interface CollectorSample {
  t: number;
  datagrams: number;
  records: number;
  malformed: number;
  unknownTemplate: number;
  dropped: number;
}

export interface CollectorStatus {
  startedAt: string;
  listeners: BoundListener[];
  receiveBufferBytes: number[];
  /** Which receive side runs (docs/reference/native.md). */
  receiver: DatagramReceiver['kind'];
  totals: ReturnType<CounterRegistry['totals']>;
  exporters: ExporterCounters[];
  queue: { depth: number; capacity: number };
  /**
   * The decode worker: 'starting' while it loads (datagrams received meanwhile wait in the queue),
   * 'running' once it reads the queue, 'stopped' after stop() or if it failed.
   */
  decoder: 'starting' | 'running' | 'stopped';
  stored: number;
  /** Live detection: flows observed, detections reported, darknet seeds added; absent when off. */
  detection?: DetectionStage['counters'];
  erased: number;
  rates: { datagramsPerSecond: number; recordsPerSecond: number };
  history: CollectorSample[];
  /** Host-wide UDP receive-buffer overflows from /proc/net/snmp (kernel drops before we see a datagram). */
  hostUdpReceiveBufferErrors: number | null;
  /**
   * Event-loop delay of the socket thread since start (ms): while it is blocked nobody reads the
   * sockets, and a long enough stall overflows the kernel receive buffer (counted above).
   */
  socketThreadDelayMs: { p99: number; max: number };
}

const HISTORY_SECONDS = 300;
/** Seconds of selection-ratio history kept for the status API. */
const SELECTION_HISTORY_SECONDS = 120;

/** One second of selection: records examined and kept, overall and per approval. */
export interface SelectionSample {
  t: number;
  in: number;
  selected: number;
  erased: number;
  perApproval: Record<string, { in: number; selected: number }>;
}

export interface CollectorOptions {
  /** Test hook: decoding waits for resumeDecoding(). */
  startPaused?: boolean;
  /** Where selection attestations go (cyber-office role); without it they are only counted. */
  transparency?: TransparencyLog;
  /** New or changed detection candidates from live detection (config detections.enabled). */
  onDetections?(detections: Detection[]): void;
  /** Length of a selection attestation window (default 10 s); a window also closes at stop. */
  attestationWindowMs?: number;
}

/**
 * The flow collector: UDP sockets on this thread, decoding and storage on a worker thread,
 * joined by a bounded shared-memory ring. `New(config, logger)` then start/stop, no singletons.
 */
export class Collector {
  readonly #config: Readonly<SakimoriConfig>;
  readonly #log: Logger;
  readonly #ring: ReturnType<typeof createRing>;
  readonly #writer: RingWriter;
  readonly #dropped = new CounterRegistry();
  readonly #receiver: DatagramReceiver;
  #worker: Worker | undefined;
  #workerExporters: ExporterCounters[] = [];
  #stored = 0;
  #erased = 0;
  #startedAt = new Date();
  #decoder: CollectorStatus['decoder'] = 'stopped';
  #loopDelay: IntervalHistogram | undefined;
  #history: CollectorSample[] = [];
  #lastTotals: ReturnType<CounterRegistry['totals']> | undefined;
  #sampler: NodeJS.Timeout | undefined;

  readonly #startPaused: boolean;
  readonly #transparency: TransparencyLog | undefined;
  readonly #onDetections: ((detections: Detection[]) => void) | undefined;
  #detection: DetectionStage['counters'] | undefined;
  readonly #attestationWindowMs: number;
  /** Appends run one after another, so attestations enter the log in window order. */
  #appending: Promise<void> = Promise.resolve();
  #attestations = 0;
  #selectedDb: SqliteHandle | undefined;
  #selectedWriter: SqliteSelectedBlockWriter | undefined;
  /** Selected records the main thread failed to store (each failure is logged with its code). */
  #selectedStoreFailures = 0;
  #attestationFailures = 0;
  #selection: SelectionLive | undefined;
  #lastSelection: SelectionLive | undefined;
  #selectionHistory: SelectionSample[] = [];
  #reloadRequests = 0;
  readonly #reloadWaiters = new Map<number, (r: SelectionReloadResult) => void>();
  #stopWatching: (() => void) | undefined;
  #lastReload: { at: string; trigger: string; ok: boolean; code?: string } | undefined;

  constructor(config: Readonly<SakimoriConfig>, logger: Logger, options: CollectorOptions = {}) {
    this.#config = config;
    this.#startPaused = options.startPaused ?? false;
    this.#transparency = options.transparency;
    this.#onDetections = options.onDetections;
    this.#attestationWindowMs = options.attestationWindowMs ?? 10_000;
    this.#log = logger.child({ component: 'collector' });
    this.#ring = createRing(config.collector.queueBytes);
    this.#writer = new RingWriter(this.#ring);
    const countDrop = (exporter: string, n: number) => {
      // The drop registry is bounded like the decoder's: spoofed sources cannot grow it.
      const key = exporter !== '' && (this.#dropped.has(exporter) || this.#dropped.size < 10_000) ? exporter : EXPORTER_LIMIT_KEY;
      this.#dropped.get(key).queueDropped += n;
    };
    // The native thread binds plain addresses; a listener with an IPv6 zone ("fe80::1%eth0") or more
    // listeners than it polls keep the whole collector on dgram.
    const listeners = config.collector.listeners;
    const native = config.collector.receiver === 'auto' ? nativeAddon() : undefined;
    const addon = native && listeners.length <= native.maxUdpListeners && listeners.every((l) => !l.address.includes('%')) ? native : undefined;
    this.#receiver = addon
      ? new NativeUdpReceiver(addon, config.collector.listeners, config.collector.receiveBufferBytes, this.#ring, countDrop)
      : new UdpReceiver(config.collector.listeners, config.collector.receiveBufferBytes, (payload, exporter, exporterPort, receivedAt) => {
          if (!this.#writer.write(receivedAt, exporter, exporterPort, payload)) countDrop(exporter, 1);
        });
  }

  async start(): Promise<BoundListener[]> {
    this.#startedAt = new Date();
    this.#loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.#loopDelay.enable();
    const data: DecodeWorkerData = {
      ring: this.#ring,
      role: this.#config.role,
      dataDir: this.#config.dataDir,
      storeFlows: this.#config.collector.storeFlows,
      templateHoldMs: this.#config.collector.templateHoldSeconds * 1000,
      maxHeldSetsPerExporter: this.#config.collector.maxHeldSetsPerExporter,
      classification: this.#config.classification,
      selection: this.#config.selection,
      detections: this.#config.detections,
      attestationWindowMs: this.#attestationWindowMs,
      softwareVersion: VERSION,
      startPaused: this.#startPaused,
    };
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: this.#config.collector.decoderYoungGenerationMb },
    });
    this.#worker = worker;
    this.#decoder = 'starting';
    worker.on('message', (m: DecodeWorkerMessage) => {
      if (m.type === 'running') {
        this.#decoder = 'running';
      } else if (m.type === 'stats') {
        this.#workerExporters = m.exporters;
        this.#stored = m.stored;
        this.#erased = m.erased;
        if (m.selection) this.#selection = m.selection;
        if (m.detection) this.#detection = m.detection;
      } else if (m.type === 'selection-loaded') {
        void this.#recordSelectionSet(m.result, 'start');
      } else if (m.type === 'selection-reloaded') {
        this.#reloadWaiters.get(m.requestId)?.(m.result);
        this.#reloadWaiters.delete(m.requestId);
      } else if (m.type === 'selected-blocks') {
        this.#storeSelected(m.approvalId, m.blocks, m.storedMs);
      } else if (m.type === 'attestation') {
        this.#attest(m.attestation);
      } else if (m.type === 'detections') {
        this.#onDetections?.(m.detections);
      } else if (m.type === 'log') {
        this.#log[m.level](m.fields, m.msg);
      } else if (m.type === 'error') {
        this.#decoder = 'stopped';
        this.#log.error({ code: m.code }, 'decode worker failed');
      }
    });
    worker.on('error', (e) => this.#log.error({ err: { message: e.message } }, 'decode worker crashed'));
    const bound = await this.#receiver.start();
    const sizes = this.#receiver.receiveBufferSizes();
    if (sizes.some((s) => s < this.#config.collector.receiveBufferBytes)) {
      this.#log.warn({ requested: this.#config.collector.receiveBufferBytes, granted: sizes }, 'kernel granted a smaller UDP receive buffer; raise net.core.rmem_max');
    }
    this.#log.info({ listeners: bound, role: this.#config.role, receiver: this.#receiver.kind }, 'collector listening');
    this.#sampler = setInterval(() => this.#sample(), 1000);
    this.#sampler.unref();
    const sel = this.#config.selection;
    if (this.#config.role === 'cyber-office' && sel.watchApprovals) {
      const files = [...sel.approvals.flatMap((a) => [a.approvalFile, a.criteriaFile]), ...(sel.revocationFile ? [sel.revocationFile] : [])];
      this.#stopWatching = watchApprovalFiles({ dirs: sel.approvalsDir ? [sel.approvalsDir] : [], files }, () => void this.reloadSelection('file-change'), {
        onFallback: (path) => this.#log.warn({ file: path.split('/').at(-1) }, 'fs.watch unavailable: polling for approval changes'),
      });
    }
    return bound;
  }

  async stop(): Promise<void> {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#loopDelay?.disable();
    this.#stopWatching?.();
    await this.#receiver.stop();
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        void worker.terminate().then(() => resolve());
      }, 10_000);
      worker.on('message', (m: DecodeWorkerMessage) => {
        if (m.type === 'stopped') {
          clearTimeout(timer);
          void worker.terminate().then(() => resolve());
        }
      });
      worker.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' });
    });
    this.#worker = undefined;
    this.#decoder = 'stopped';
    for (const w of this.#reloadWaiters.values()) w({ ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file: '', code: 'SAKI_ERR_INTERNAL' } });
    this.#reloadWaiters.clear();
    await this.#appending;
    // Every 'selected-blocks' message came before 'stopped' and was stored by its handler.
    const db = this.#selectedDb;
    this.#selectedDb = undefined;
    this.#selectedWriter = undefined;
    await db?.close();
  }

  /**
   * Re-reads approvals and revocations (cyber-office role): SIGHUP, a file change, or a test. The
   * worker swaps in the whole new set or refuses it (the old set stays). A changed set is recorded
   * in the transparency log (config-change, and approval-decision 'revoked' per new revocation)
   * before this resolves.
   */
  async reloadSelection(trigger: 'sighup' | 'file-change' | 'api' | 'test' = 'api'): Promise<SelectionReloadResult> {
    const worker = this.#worker;
    if (!worker || this.#config.role !== 'cyber-office') {
      return { ok: false, code: 'SAKI_ERR_SELECTION_RELOAD_REFUSED', cause: { file: '', code: 'SAKI_ERR_FORBIDDEN' } };
    }
    const requestId = ++this.#reloadRequests;
    const result = await new Promise<SelectionReloadResult>((resolveReload) => {
      this.#reloadWaiters.set(requestId, resolveReload);
      worker.postMessage({ type: 'reload-selection', requestId });
    });
    this.#lastReload = { at: new Date().toISOString(), trigger, ok: result.ok, ...(result.ok ? {} : { code: result.cause.code }) };
    if (!result.ok) {
      this.#log.error({ code: result.code, cause: result.cause.code, file: result.cause.file, trigger }, 'approval reload refused; the previous set stays active');
      return result;
    }
    this.#log.info({ trigger, approvals: result.approvals.length, changed: result.digest !== result.previousDigest }, 'approvals reloaded');
    await this.#recordSelectionSet(result, trigger);
    return result;
  }

  /**
   * Appends what changed in the running approval set to the transparency log, relative to what the
   * log last recorded (kept in <dataDir>/selection-applied.json, so a set or revocation changed
   * while the instance was down is recorded at the next start, once).
   */
  async #recordSelectionSet(result: Extract<SelectionReloadResult, { ok: true }>, trigger: string): Promise<void> {
    const log = this.#transparency;
    if (!log) return;
    const file = join(this.#config.dataDir, 'selection-applied.json');
    // First start (or unreadable): the empty set was running; revocations count as new.
    let applied: { digest: string; revoked: string[] } = { digest: approvalSetDigest([]), revoked: [] };
    try {
      applied = JSON.parse(readFileSync(file, 'utf8')) as typeof applied;
    } catch {
      // keep the empty-set default
    }
    const seen = new Set(applied.revoked);
    const entries = approvalReloadEntries({
      ...result,
      previousDigest: applied.digest,
      newlyRevoked: result.newlyRevoked.filter((r) => !seen.has(r.approvalId)),
    });
    const revoked = [...new Set([...applied.revoked, ...result.newlyRevoked.map((r) => r.approvalId)])];
    this.#appending = this.#appending
      .then(async () => {
        if (entries.length > 0) await log.append(entries);
        writeFileSync(file, JSON.stringify({ digest: result.digest, revoked }), { mode: 0o600 });
      })
      .then(
        () => undefined,
        (e: unknown) => this.#log.error({ code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL', trigger }, 'approval set change could not be appended to the transparency log'),
      );
    await this.#appending;
  }

  /** The running approval set with counts since start and the last seconds of selection (cyber-office role), else undefined. */
  selectionStatus(): (SelectionLive & { history: SelectionSample[]; lastReload: { at: string; trigger: string; ok: boolean; code?: string } | undefined }) | undefined {
    if (this.#config.role !== 'cyber-office') return undefined;
    const s = this.#selection ?? { approvals: [], counts: {}, refused: [], digest: '', in: 0, selected: 0, erased: 0 };
    return { ...s, history: [...this.#selectionHistory], lastReload: this.#lastReload };
  }

  /** Selection attestations received from the decode worker, and how many could not be appended. */
  attestationCounts(): { received: number; appendFailures: number } {
    return { received: this.#attestations, appendFailures: this.#attestationFailures };
  }

  #attest(a: SelectionAttestation): void {
    this.#attestations++;
    const log = this.#transparency;
    if (!log) return;
    this.#appending = this.#appending
      .then(() => log.append([selectionAttestationEntry(a)]))
      .then(
        () => undefined,
        (e: unknown) => {
          this.#attestationFailures++;
          this.#log.error({ code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL', approvalId: a.approvalId }, 'selection attestation could not be appended to the transparency log');
        },
      );
  }

  resumeDecoding(): void {
    this.#worker?.postMessage({ type: 'resume' });
  }

  listeners(): BoundListener[] {
    return this.#receiver.bound();
  }

  status(): CollectorStatus {
    const exporters = this.#mergedExporters();
    const reg = new CounterRegistry();
    for (const e of exporters) Object.assign(reg.get(e.exporter), e);
    const last = this.#history.at(-1);
    return {
      startedAt: this.#startedAt.toISOString(),
      listeners: this.listeners(),
      receiveBufferBytes: this.#receiver.receiveBufferSizes(),
      receiver: this.#receiver.kind,
      totals: reg.totals(),
      exporters,
      queue: { depth: this.#writer.depth(), capacity: this.#writer.capacity() },
      decoder: this.#decoder,
      stored: this.#stored,
      ...(this.#detection ? { detection: { ...this.#detection } } : {}),
      erased: this.#erased,
      rates: { datagramsPerSecond: last?.datagrams ?? 0, recordsPerSecond: last?.records ?? 0 },
      history: [...this.#history],
      hostUdpReceiveBufferErrors: readHostUdpRcvbufErrors(),
      socketThreadDelayMs: delayMs(this.#loopDelay),
    };
  }

  /**
   * Stores a batch's selected records, encoded by the decode worker. On this thread, which the
   * native receive thread leaves idle, so SQLite's cost does not slow decoding. A failed insert is
   * logged with its code and counted (`selectedStoreFailures`); the records are then not stored.
   */
  #storeSelected(approvalId: string, blocks: EncodedBlock[], storedMs: number): void {
    try {
      if (!this.#selectedWriter) {
        this.#selectedDb = openSqlite(this.#config.dataDir);
        this.#selectedWriter = new SqliteSelectedBlockWriter(this.#selectedDb.raw);
      }
      this.#selectedWriter.insert(approvalId, blocks, storedMs);
    } catch (e) {
      const records = blocks.reduce((n, b) => n + b.count, 0);
      this.#selectedStoreFailures += records;
      this.#log.error({ code: (e as { code?: string }).code ?? 'SAKI_ERR_STORAGE', approvalId, records, failedSoFar: this.#selectedStoreFailures }, 'selected records could not be stored');
    }
  }

  #mergedExporters(): ExporterCounters[] {
    this.#receiver.flushDrops();
    const byExporter = new Map<string, ExporterCounters>();
    for (const e of this.#workerExporters) byExporter.set(e.exporter, { ...e });
    for (const d of this.#dropped.all()) {
      const e = byExporter.get(d.exporter);
      if (e) e.queueDropped += d.queueDropped;
      else byExporter.set(d.exporter, { ...d });
    }
    return [...byExporter.values()].sort((a, b) => a.exporter.localeCompare(b.exporter));
  }

  #sample(): void {
    const reg = new CounterRegistry();
    for (const e of this.#mergedExporters()) Object.assign(reg.get(e.exporter), e);
    const t = reg.totals();
    const p = this.#lastTotals;
    this.#lastTotals = t;
    if (!p) return;
    this.#history.push({
      t: Date.now(),
      datagrams: t.datagrams - p.datagrams,
      records: t.records - p.records,
      malformed: t.malformed - p.malformed,
      unknownTemplate: t.unknownTemplateExpired - p.unknownTemplateExpired,
      dropped: t.queueDropped - p.queueDropped,
    });
    if (this.#history.length > HISTORY_SECONDS) this.#history.shift();
    this.#sampleSelection();
  }

  #sampleSelection(): void {
    const cur = this.#selection;
    const prev = this.#lastSelection;
    this.#lastSelection = cur;
    if (!cur || !prev) return;
    const perApproval: SelectionSample['perApproval'] = {};
    for (const [id, c] of Object.entries(cur.counts)) {
      const p = prev.counts[id];
      perApproval[id] = { in: c.in - (p?.in ?? 0), selected: c.selected - (p?.selected ?? 0) };
    }
    this.#selectionHistory.push({ t: Date.now(), in: cur.in - prev.in, selected: cur.selected - prev.selected, erased: cur.erased - prev.erased, perApproval });
    if (this.#selectionHistory.length > SELECTION_HISTORY_SECONDS) this.#selectionHistory.shift();
  }
}

function readHostUdpRcvbufErrors(): number | null {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    if (lines.length < 2) return null;
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    const i = names.indexOf('RcvbufErrors');
    return i >= 0 ? Number(values[i]) : null;
  } catch {
    return null;
  }
}

/** p99 and max of an event-loop delay histogram in ms (0 before its first sample). */
function delayMs(h: IntervalHistogram | undefined): { p99: number; max: number } {
  if (h === undefined || h.count === 0) return { p99: 0, max: 0 };
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}
