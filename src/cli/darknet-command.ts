import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import { expandCapturePaths, readCaptureFile } from '../collector/capture-files.js';
import { loadConfig } from '../config/load-config.js';
import { readCapture, readCaptureFrames, type CaptureStats } from '../core/capture/capture-reader.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier, type FlowClassification } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import { DarknetObservatory, mergeDetections } from '../core/darknet/darknet-observatory.js';
import { packetFlowRecord, parseDarknetFrame } from '../core/darknet/darknet-packet.js';
import { DarknetSeedList } from '../core/darknet/darknet-seeds.js';
import { DarknetPrefixes } from '../core/darknet/darknet-prefixes.js';
import { detectionFlow, detectionKey, type Detection, type DetectionFlow } from '../core/detect/detection.js';
import { SakimoriError } from '../core/errors.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { darknetSettings } from '../detect/darknet-settings.js';
import { NotificationStore } from '../storage/notification-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';
import { JsonLinesWriter } from './json-lines-writer.js';

export const DARKNET_USAGE = `sakimori darknet CAPTURE... --prefix CIDR [--prefix CIDR ...] [--input auto|packets|flows] [--json]
                 [--record] [--seeds-out FILE] [--min-addresses N] [--config FILE] [--data-dir DIR]
  Darknet observation (NICTER-style): reads pcap/pcapng captures of traffic to unused addresses
  (packets) or of flow exports (NetFlow/IPFIX/sFlow, whose records addressed to the darknet count),
  and prints scanner, Mirai-fingerprint and backscatter (DDoS victim) detections; a summary on stderr.
  --prefix        a darknet (unused) IPv4/IPv6 prefix; repeatable, at least one
  --input         auto (default): flow exports when the capture decodes as such, else packets
  --json          one JSON line per detection (default: one text line per detection)
  --record        add domestic scanners to the notification lists (see sakimori notify)
  --seeds-out     write the domestic scanners seen (known bots) as a seed list for sakimori detect
                  --seeds: JSON array of {ip, source: "darknet", firstSeen, lastSeen}
  --min-addresses distinct darknet addresses a source must probe to be a scanner (default 8)`;

/** Advance the detectors at least this often in flow time. */
const ADVANCE_EVERY_MS = 10_000;

export async function darknetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      prefix: { type: 'string', multiple: true },
      input: { type: 'string', default: 'auto' },
      json: { type: 'boolean', default: false },
      record: { type: 'boolean', default: false },
      'seeds-out': { type: 'string' },
      'min-addresses': { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'darknet needs at least one capture file');
  if (!['auto', 'packets', 'flows'].includes(values.input!)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--input must be auto, packets or flows');
  const darknet = DarknetPrefixes.parse(values.prefix ?? []);
  const minAddresses = values['min-addresses'] === undefined ? undefined : Number(values['min-addresses']);
  if (minAddresses !== undefined && !(Number.isInteger(minAddresses) && minAddresses >= 1)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--min-addresses must be a positive integer');
  const config = loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
  });
  let files: string[];
  try {
    files = expandCapturePaths(positionals);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CAPTURE_UNREADABLE', (e as NodeJS.ErrnoException).code ?? 'stat failed', { cause: e });
  }
  const buffers = files.map(readCaptureFile);
  const mode = values.input === 'auto' ? (buffers.every(looksLikeFlowExports) ? 'flows' : 'packets') : (values.input as 'packets' | 'flows');

  const geo = await loadGeoDatabase(nodeGeoIo(config.dataDir), (e) => process.stderr.write(`geo database: ${e.event} ${e.name}\n`));
  const classifier = new FlowClassifier(geo.db, createClassificationConfig(config.classification));
  const locate = (ip: string) => {
    const c = classifier.classifyAddress(ip);
    return { country: c.country, as: c.as };
  };
  // The configuration's thresholds; --min-addresses overrides the scanner threshold.
  const settings = darknetSettings(config.detections.darknet);
  const observatory = new DarknetObservatory(darknet, { ...settings, scan: { ...settings.scan, ...(minAddresses !== undefined ? { minAddresses } : {}) }, locate });
  const latest = new Map<string, Detection>();
  let cls: FlowClassification | undefined;
  let clock = Number.NEGATIVE_INFINITY;
  let nextAdvance = Number.NEGATIVE_INFINITY;
  const advance = (now: number) => {
    for (const d of observatory.advanceEach(now)) latest.set(`${detectionKey(d)}|${d.detectors.join(',')}`, d);
  };
  const feed = (record: FlowRecord, packet?: DetectionFlow['packet']) => {
    cls = classifier.classify(record, cls);
    const flow = detectionFlow(record, cls, packet);
    observatory.observe(flow);
    if (record.end > clock) clock = record.end;
    if (clock >= nextAdvance) {
      advance(clock);
      nextAdvance = clock + ADVANCE_EVERY_MS;
    }
  };

  const capture = { frames: 0, skippedFrames: 0, badFrames: 0 };
  let records = 0;
  if (mode === 'packets') {
    for (const buf of buffers) {
      const st: CaptureStats = { format: 'pcap', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
      for (const frame of readCaptureFrames(buf, st)) {
        const p = parseDarknetFrame(frame);
        if (p === 'bad') capture.badFrames++;
        else if (p === 'skip') capture.skippedFrames++;
        else feed(packetFlowRecord(p), { tcpSeq: p.tcpSeq, ...(p.quotedDst !== undefined ? { quotedDst: p.quotedDst } : {}) });
      }
      capture.frames += st.frames;
      capture.badFrames += st.badFrames;
    }
  } else {
    const counters = new CounterRegistry();
    const decoder = new ExportDecoder({ counters, templateHoldMs: config.collector.templateHoldSeconds * 1000, maxHeldSetsPerExporter: config.collector.maxHeldSetsPerExporter });
    const batch: FlowRecord[] = [];
    for (const buf of buffers) {
      const st: CaptureStats = { format: 'raw', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
      for (const d of readCapture(buf, st)) {
        decoder.decode({ receivedAt: d.timestamp || Date.now(), exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, batch);
        for (const r of batch) feed(r);
        records += batch.length;
        batch.length = 0;
      }
      capture.frames += st.frames;
      capture.skippedFrames += st.skippedFrames;
      capture.badFrames += st.badFrames;
    }
    decoder.expire(Number.POSITIVE_INFINITY);
    for (const r of batch) feed(r);
    records += batch.length;
  }
  if (clock > Number.NEGATIVE_INFINITY) advance(clock);
  const detections = mergeDetections([...latest.values()]).sort((a, b) => b.score - a.score || (a.ip < b.ip ? -1 : 1));

  const out = new JsonLinesWriter(process.stdout);
  for (const d of detections) out.write(values.json ? JSON.stringify(detectionJson(d)) : detectionText(d));
  await out.end();

  let seedsWritten: number | undefined;
  if (values['seeds-out'] !== undefined) {
    const seeds = new DarknetSeedList();
    seeds.ingest(detections);
    // Relative to the capture's own time, so that an old capture still yields its seeds.
    const list = seeds.list(Number.isFinite(clock) ? clock : 0).map((e) => ({ ip: e.ip, source: e.source, firstSeen: new Date(e.firstSeen).toISOString(), lastSeen: new Date(e.lastSeen).toISOString() }));
    try {
      writeFileSync(values['seeds-out'], JSON.stringify(list, null, 1) + '\n');
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_CLI_USAGE', `--seeds-out ${values['seeds-out']} cannot be written: ${(e as NodeJS.ErrnoException).code ?? 'write failed'}`, { cause: e });
    }
    seedsWritten = list.length;
  }

  let recorded: { created: number; refreshed: number; reopened: number } | undefined;
  if (values.record) {
    const db = openSqlite(config.dataDir);
    try {
      recorded = new NotificationStore(db.raw).recordSightings(detections, Date.now());
    } finally {
      await db.close();
    }
  }
  const summary = {
    files: files.length,
    input: mode,
    darknetIPv4Addresses: darknet.ipv4Addresses,
    ...capture,
    ...(mode === 'flows' ? { records } : {}),
    ...observatory.counters,
    scanners: detections.filter((d) => d.kind === 'scanner').length,
    mirai: detections.filter((d) => d.family === 'mirai').length,
    victims: detections.filter((d) => d.kind === 'ddos-victim').length,
    domesticScanners: detections.filter((d) => d.kind === 'scanner' && d.evidence.facts?.domestic === true).length,
    evicted: observatory.scan.evicted,
    ...(recorded ? { recorded } : {}),
    ...(seedsWritten !== undefined ? { seedsWritten } : {}),
  };
  process.stderr.write(`darknet summary ${JSON.stringify(summary)}\n`);
  return 0;
}

/**
 * Whether a capture holds flow exports rather than darknet traffic: nearly all frames are UDP,
 * and their payloads decode as NetFlow/IPFIX/sFlow (templates may be missing: a data set that
 * waits for its template still counts as recognised, a malformed datagram does not).
 */
function looksLikeFlowExports(buf: Uint8Array): boolean {
  const st: CaptureStats = { format: 'raw', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 60_000, maxHeldSetsPerExporter: 64 });
  const sink: FlowRecord[] = [];
  let n = 0;
  try {
    for (const d of readCapture(buf, st)) {
      decoder.decode({ receivedAt: d.timestamp || 0, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, sink);
      sink.length = 0;
      if (++n >= 256) break;
    }
  } catch {
    return false;
  }
  if (st.format === 'raw') return true;
  const t = counters.totals();
  return n > 0 && st.udpDatagrams >= 0.9 * st.frames && t.malformed <= 0.1 * t.datagrams && t.datagrams > 0;
}

/** A detection as a JSON line: times ISO 8601, the rest as the Detection contract has it. */
export function detectionJson(d: Detection): Record<string, unknown> {
  return {
    ...d,
    firstSeen: new Date(d.firstSeen).toISOString(),
    lastSeen: new Date(d.lastSeen).toISOString(),
    expiresAt: new Date(d.expiresAt).toISOString(),
  };
}

function detectionText(d: Detection): string {
  const f = d.evidence.facts ?? {};
  const what = d.kind === 'scanner' ? `scanner${d.family ? ` (${d.family})` : ''} ports=${String(f.topPorts ?? f.ports ?? '')} addresses=${d.evidence.peers}` : `ddos-victim est=${String(f.estimatedAttackPacketsPerSecond ?? '?')}pps kinds=${String(f.kinds ?? '')}`;
  return `${d.ip}\t${d.country}\tAS${d.as}\tscore=${d.score}\t${d.detectors.join('+')}\t${what}`;
}
