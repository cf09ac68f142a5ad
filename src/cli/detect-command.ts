import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import { expandCapturePaths, readCaptureFile } from '../collector/capture-files.js';
import { loadConfig } from '../config/load-config.js';
import { readCapture } from '../core/capture/capture-reader.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier, type FlowClassification } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import { DdosVolumeDetector } from '../core/ddos/ddos-volume-detector.js';
import { createC2Engine, type C2Method } from '../core/detect/c2-engine.js';
import { detectionFlow, detectionKey, type Detection } from '../core/detect/detection.js';
import type { SeedPeerDetector } from '../core/detect/seed-peer-detector.js';
import { SakimoriError } from '../core/errors.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { readSeedFiles } from '../detect/seed-files.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { Progress } from './progress.js';

export const DETECT_USAGE = `sakimori detect CAPTURE|DIR... [--seeds FILE]... [--method sakimori|rita] [--asset CIDR]...
                [--json] [--config FILE] [--data-dir DIR]
  C&C detection (beacon, seed-peer, fan-in) over captures of flow exports, in flow time. Prints
  every C&C candidate and bot found, ranked by score, one JSON line each (format in
  docs/reference/detection.md); stderr shows progress and ends with "detect summary {…}".
  --seeds    seed list of known bots: one address per line, optional source name after it
  --method   sakimori (default) or rita (the RITA-method beacon baseline alone, for comparison)
  --asset    a critical-asset prefix (IPv4/IPv6 CIDR; repeatable): the ddos-volume detector watches
             flows toward its addresses and reports volumetric attacks as ddos-victim lines
  --json     JSON lines on stdout (the default and only output format)`;

/** Flow-time step between two `advance()` calls. */
const STEP_MS = 5_000;

/** The stable JSON line of one detection (docs/reference/detection.md, "CLI output"). */
export function detectionToJson(d: Detection, detectedAt: number): string {
  return JSON.stringify({
    kind: d.kind,
    ip: d.ip,
    port: d.port,
    proto: d.proto,
    score: d.score,
    detectors: d.detectors,
    peers: d.evidence.peers,
    seedPeers: d.evidence.seedPeers ?? 0,
    flows: d.evidence.flows,
    firstSeen: new Date(d.firstSeen).toISOString(),
    lastSeen: new Date(d.lastSeen).toISOString(),
    detectedAt: new Date(detectedAt).toISOString(),
    country: d.country,
    as: d.as,
    family: d.family ?? null,
    scores: d.evidence.scores,
    facts: d.evidence.facts ?? {},
  });
}

export async function detectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seeds: { type: 'string', multiple: true },
      asset: { type: 'string', multiple: true },
      method: { type: 'string', default: 'sakimori' },
      json: { type: 'boolean', default: true },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'detect needs at least one capture file');
  const method = values.method as C2Method;
  if (method !== 'sakimori' && method !== 'rita') throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--method must be sakimori or rita');
  const config = loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
  });
  if (config.role !== 'carrier') {
    // Act Art. 23: pre-selection data may be used for nothing but selection.
    throw new SakimoriError('SAKI_ERR_FORBIDDEN', 'a cyber-office instance does not analyse unselected flow records; detection on captures is for the carrier role');
  }
  let files: string[];
  try {
    files = expandCapturePaths(positionals);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CAPTURE_UNREADABLE', `${(e as NodeJS.ErrnoException).path ?? ''} ${(e as NodeJS.ErrnoException).code ?? 'stat failed'}`.trim(), { cause: e });
  }
  const seeds = readSeedFiles(values.seeds ?? []);
  // Checked before anything is read: a bad prefix is SAKI_ERR_DDOS_CONFIG.
  const ddos = values.asset !== undefined && values.asset.length > 0 ? new DdosVolumeDetector({ ...config.detections.ddos, assets: values.asset }) : undefined;

  const engine = createC2Engine({ method });
  const seedPeer = engine.detector<SeedPeerDetector>('seed-peer');
  if (seeds.length > 0) {
    if (seedPeer === undefined) process.stderr.write(`detect: --method ${method} has no seed analysis; ${seeds.length} seeds ignored\n`);
    else seedPeer.addSeedEntries(seeds);
  }

  const geo = await loadGeoDatabase(nodeGeoIo(config.dataDir), (e) => process.stderr.write(`geo database: ${e.event} ${e.name}\n`));
  const classifier = new FlowClassifier(geo.db, createClassificationConfig(config.classification));
  const cls: FlowClassification = { direction: 'unknown-unknown', srcCountry: '', dstCountry: '', srcAs: 0, dstAs: 0, srcSpecial: undefined, dstSpecial: undefined, srcV4: -1, dstV4: -1, srcV6: null, dstV6: null };

  /** Every candidate reported during the run, with its latest state, highest score and first report time. */
  const reported = new Map<string, { d: Detection; best: number; detectedAt: number }>();
  let nextAdvance = Number.NEGATIVE_INFINITY;
  let now = Number.NEGATIVE_INFINITY;
  const advance = (t: number) => {
    for (const d of [...engine.advance(t), ...(ddos?.advance(t) ?? [])]) {
      const key = detectionKey(d);
      const r = reported.get(key);
      if (r === undefined) reported.set(key, { d, best: d.score, detectedAt: t });
      else {
        r.d = d;
        r.best = Math.max(r.best, d.score);
      }
    }
  };
  let flows = 0;
  const process1 = (r: FlowRecord) => {
    classifier.classify(r, cls);
    const f = detectionFlow(r, cls);
    const t = Math.max(r.start, r.end);
    if (t > now) now = t;
    if (nextAdvance === Number.NEGATIVE_INFINITY) nextAdvance = now + STEP_MS;
    // Close windows up to the flow's time before it is observed: the engine sees time in order.
    while (now >= nextAdvance) {
      advance(nextAdvance);
      nextAdvance += STEP_MS;
      // A gap of hours in the input needs no advance per 5 s of it.
      if (now - nextAdvance > 60 * STEP_MS) nextAdvance = now - (now % STEP_MS);
    }
    engine.observe(f);
    ddos?.observe(f);
    flows++;
  };

  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: config.collector.templateHoldSeconds * 1000, maxHeldSetsPerExporter: config.collector.maxHeldSetsPerExporter });
  const totalBytes = files.reduce((n, f) => n + safeSize(f), 0);
  const progress = new Progress('detect', totalBytes);
  const started = Date.now();
  const batch: FlowRecord[] = [];
  const drain = () => {
    for (const r of batch) process1(r);
    batch.length = 0;
  };
  for (const file of files) {
    const buf = readCaptureFile(file);
    let lastOffset = 0;
    for (const d of readCapture(buf)) {
      decoder.decode({ receivedAt: d.timestamp || Date.now(), exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, batch);
      if (batch.length >= 4096) drain();
      const offset = d.payload.byteOffset - buf.byteOffset;
      progress.advance(offset - lastOffset);
      lastOffset = offset;
    }
    progress.advance(buf.length - lastOffset);
    drain();
  }
  decoder.expire(Number.POSITIVE_INFINITY);
  drain();
  if (Number.isFinite(now)) advance(now + STEP_MS);
  progress.finish();

  const out = new JsonLinesWriter(process.stdout);
  const ranked = [...reported.values()].sort((a, b) => b.best - a.best || a.d.kind.localeCompare(b.d.kind) || a.d.ip.localeCompare(b.d.ip) || a.d.port - b.d.port);
  let c2 = 0;
  let bots = 0;
  let victims = 0;
  for (const r of ranked) {
    if (r.d.kind === 'c2') c2++;
    else if (r.d.kind === 'bot') bots++;
    else if (r.d.kind === 'ddos-victim') victims++;
    out.write(detectionToJson({ ...r.d, score: r.best }, r.detectedAt));
    await out.drained();
  }
  await out.end();
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    method,
    files: files.length,
    flows,
    seeds: seeds.length,
    c2,
    bots,
    ...(ddos ? { assets: values.asset!.length, ddosVictims: victims } : {}),
    current: engine.current().length,
    stateBytes: engine.stateSize().approxBytes,
    seconds: Math.round(seconds * 1000) / 1000,
    flowsPerSecond: seconds > 0 ? Math.round(flows / seconds) : flows,
  };
  process.stderr.write(`detect summary ${JSON.stringify(summary)}\n`);
  return 0;
}

function safeSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}
