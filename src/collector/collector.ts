import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import type { SakimoriConfig } from '../config/config-schema.js';
import { CounterRegistry, type ExporterCounters } from '../core/flow/exporter-counters.js';
import { EXPORTER_LIMIT_KEY } from '../core/flow/flow-decoder.js';
import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { Logger } from '../observability/logger.js';
import { selectionAttestationEntry } from '../transparency/selection-entries.js';
import type { TransparencyLog } from '../transparency/transparency-log.js';
import { VERSION } from '../version.js';
import { createRing, RingWriter } from './datagram-ring.js';
import type { DecodeWorkerData, DecodeWorkerMessage } from './decode-worker.js';
import { UdpReceiver, type BoundListener } from './udp-receiver.js';

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
  totals: ReturnType<CounterRegistry['totals']>;
  exporters: ExporterCounters[];
  queue: { depth: number; capacity: number };
  stored: number;
  erased: number;
  rates: { datagramsPerSecond: number; recordsPerSecond: number };
  history: CollectorSample[];
  /** Host-wide UDP receive-buffer overflows from /proc/net/snmp (kernel drops before we see a datagram). */
  hostUdpReceiveBufferErrors: number | null;
}

const HISTORY_SECONDS = 300;

export interface CollectorOptions {
  /** Test hook: decoding waits for resumeDecoding(). */
  startPaused?: boolean;
  /** Where selection attestations go (cyber-office role); without it they are only counted. */
  transparency?: TransparencyLog;
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
  readonly #receiver: UdpReceiver;
  #worker: Worker | undefined;
  #workerExporters: ExporterCounters[] = [];
  #stored = 0;
  #erased = 0;
  #startedAt = new Date();
  #history: CollectorSample[] = [];
  #lastTotals: ReturnType<CounterRegistry['totals']> | undefined;
  #sampler: NodeJS.Timeout | undefined;

  readonly #startPaused: boolean;
  readonly #transparency: TransparencyLog | undefined;
  readonly #attestationWindowMs: number;
  /** Appends run one after another, so attestations enter the log in window order. */
  #appending: Promise<void> = Promise.resolve();
  #attestations = 0;
  #attestationFailures = 0;

  constructor(config: Readonly<SakimoriConfig>, logger: Logger, options: CollectorOptions = {}) {
    this.#config = config;
    this.#startPaused = options.startPaused ?? false;
    this.#transparency = options.transparency;
    this.#attestationWindowMs = options.attestationWindowMs ?? 10_000;
    this.#log = logger.child({ component: 'collector' });
    this.#ring = createRing(config.collector.queueBytes);
    this.#writer = new RingWriter(this.#ring);
    this.#receiver = new UdpReceiver(config.collector.listeners, config.collector.receiveBufferBytes, (payload, exporter, exporterPort, receivedAt) => {
      if (this.#writer.write(receivedAt, exporter, exporterPort, payload)) return;
      // The drop registry is bounded like the decoder's: spoofed sources cannot grow it.
      const key = this.#dropped.has(exporter) || this.#dropped.size < 10_000 ? exporter : EXPORTER_LIMIT_KEY;
      this.#dropped.get(key).queueDropped++;
    });
  }

  async start(): Promise<BoundListener[]> {
    this.#startedAt = new Date();
    const data: DecodeWorkerData = {
      ring: this.#ring,
      role: this.#config.role,
      dataDir: this.#config.dataDir,
      storeFlows: this.#config.collector.storeFlows,
      templateHoldMs: this.#config.collector.templateHoldSeconds * 1000,
      maxHeldSetsPerExporter: this.#config.collector.maxHeldSetsPerExporter,
      classification: this.#config.classification,
      selection: this.#config.selection,
      attestationWindowMs: this.#attestationWindowMs,
      softwareVersion: VERSION,
      startPaused: this.#startPaused,
    };
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { workerData: data });
    this.#worker = worker;
    worker.on('message', (m: DecodeWorkerMessage) => {
      if (m.type === 'stats') {
        this.#workerExporters = m.exporters;
        this.#stored = m.stored;
        this.#erased = m.erased;
      } else if (m.type === 'attestation') {
        this.#attest(m.attestation);
      } else if (m.type === 'log') {
        this.#log[m.level](m.fields, m.msg);
      } else if (m.type === 'error') {
        this.#log.error({ code: m.code }, 'decode worker failed');
      }
    });
    worker.on('error', (e) => this.#log.error({ err: { message: e.message } }, 'decode worker crashed'));
    const bound = await this.#receiver.start();
    const sizes = this.#receiver.receiveBufferSizes();
    if (sizes.some((s) => s < this.#config.collector.receiveBufferBytes)) {
      this.#log.warn({ requested: this.#config.collector.receiveBufferBytes, granted: sizes }, 'kernel granted a smaller UDP receive buffer; raise net.core.rmem_max');
    }
    this.#log.info({ listeners: bound, role: this.#config.role }, 'collector listening');
    this.#sampler = setInterval(() => this.#sample(), 1000);
    this.#sampler.unref();
    return bound;
  }

  async stop(): Promise<void> {
    if (this.#sampler) clearInterval(this.#sampler);
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
    await this.#appending;
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
      totals: reg.totals(),
      exporters,
      queue: { depth: this.#writer.depth(), capacity: this.#writer.capacity() },
      stored: this.#stored,
      erased: this.#erased,
      rates: { datagramsPerSecond: last?.datagrams ?? 0, recordsPerSecond: last?.records ?? 0 },
      history: [...this.#history],
      hostUdpReceiveBufferErrors: readHostUdpRcvbufErrors(),
    };
  }

  #mergedExporters(): ExporterCounters[] {
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

