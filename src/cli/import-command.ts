import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCapture, type CaptureStats } from '../core/capture/capture-reader.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { SakimoriError } from '../core/errors.js';
import { expandCapturePaths, readCaptureFile } from '../collector/capture-files.js';
import { loadConfig } from '../config/load-config.js';
import { SqliteFlowSink } from '../storage/flow-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';
import { Progress } from './progress.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { openImportSelection } from './import-selection.js';

export const IMPORT_USAGE = `sakimori import FILE|DIR... [--json] [--config FILE] [--data-dir DIR]
  Decodes pcap/pcapng captures of flow-export packets (NetFlow v5/v9, IPFIX, sFlow v5) or raw
  export payload files. Templates carry over from one file to the next, in the order given.
  In the cyber-office role every record goes through approved selection (自動選別) with the
  configured approvals, like the collector: only selected, minimized records are stored (or, with
  --json, printed); the rest are erased, counted. stderr then ends with "in=N selected=N erased=N"
  and one attestation per approval is appended to the transparency log.
  --json       write the records as JSON lines on stdout instead of storing them
  --data-dir   embedded database directory (default from config: ./data)`;

/** The JSON line for one record: times as ISO 8601, everything else as decoded. */
export function recordToJson(r: FlowRecord): string {
  return JSON.stringify({
    start: new Date(r.start).toISOString(),
    end: new Date(r.end).toISOString(),
    exporter: r.exporter,
    observationDomain: r.observationDomain,
    source: r.source,
    ipVersion: r.ipVersion,
    src: r.src,
    dst: r.dst,
    srcPort: r.srcPort,
    dstPort: r.dstPort,
    proto: r.proto,
    tcpFlags: r.tcpFlags,
    packets: r.packets,
    octets: r.octets,
    sampledPackets: r.sampledPackets,
    sampledOctets: r.sampledOctets,
    samplingRate: r.samplingRate,
    inIf: r.inIf,
    outIf: r.outIf,
    srcAs: r.srcAs,
    dstAs: r.dstAs,
  });
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, config: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  if (positionals.length === 0) throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'import needs at least one capture file');
  const config = loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
  });
  let files: string[];
  try {
    files = expandCapturePaths(positionals);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CAPTURE_UNREADABLE', (e as NodeJS.ErrnoException).code ?? 'stat failed', { cause: e });
  }
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: config.collector.templateHoldSeconds * 1000, maxHeldSetsPerExporter: config.collector.maxHeldSetsPerExporter });
  const out = values.json ? new JsonLinesWriter(process.stdout) : undefined;
  // 自動選別 (Act Art. 22): a cyber-office instance keeps nothing that has not passed approved selection.
  const selection = config.role === 'cyber-office' ? await openImportSelection(config, out) : undefined;
  const db = values.json || selection ? undefined : openSqlite(config.dataDir);
  const sink = db ? new SqliteFlowSink(db.raw) : undefined;
  const totalBytes = files.reduce((n, f) => n + safeSize(f), 0);
  const progress = new Progress('import', totalBytes);
  const capture = { frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  let written = 0;
  const batch: FlowRecord[] = [];

  const emit = async () => {
    if (batch.length === 0) return;
    if (selection) {
      selection.stage.write(batch);
      written = selection.stage.stored;
      await out?.drained();
    } else if (out) {
      written += batch.length;
      for (const r of batch) out.write(recordToJson(r));
      await out.drained();
    } else {
      written += batch.length;
      sink!.write(batch);
    }
    batch.length = 0;
  };

  for (const file of files) {
    const buf = readCaptureFile(file);
    const st: CaptureStats = { format: 'raw', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
    let lastOffset = 0;
    try {
      for (const d of readCapture(buf, st)) {
        const receivedAt = d.timestamp || Date.now();
        decoder.decode({ receivedAt, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, batch);
        if (batch.length >= 4096) await emit();
        const offset = d.payload.byteOffset - buf.byteOffset;
        progress.advance(offset - lastOffset);
        lastOffset = offset;
      }
    } finally {
      for (const k of Object.keys(capture) as (keyof typeof capture)[]) capture[k] += st[k];
    }
    progress.advance(buf.length - lastOffset);
    await emit();
  }
  // Whatever still waits for a template at the end of the input is lost: count it.
  decoder.expire(Number.POSITIVE_INFINITY);
  await emit();
  progress.finish();
  await selection?.close();
  await out?.end();
  await db?.close();

  const t = counters.totals();
  const summary = {
    files: files.length,
    frames: capture.frames,
    udpDatagrams: capture.udpDatagrams,
    skippedFrames: capture.skippedFrames,
    badFrames: capture.badFrames,
    datagrams: t.datagrams,
    records: t.records,
    written,
    destination: values.json ? 'stdout' : `${config.dataDir}/sakimori.db`,
    malformed: t.malformed,
    templates: t.templates,
    optionTemplates: t.optionTemplates,
    unknownTemplateSets: t.unknownTemplateSets,
    unknownTemplateRecovered: t.unknownTemplateRecovered,
    unknownTemplateExpired: t.unknownTemplateExpired,
    exporters: counters.all().length,
    ...(selection ? { selection: { in: selection.stage.in, selected: selection.stage.selected, erased: selection.stage.erased, attestations: selection.attestations() } } : {}),
  };
  process.stderr.write(`import summary ${JSON.stringify(summary)}\n`);
  if (selection) process.stderr.write(`in=${selection.stage.in} selected=${selection.stage.selected} erased=${selection.stage.erased}\n`);
  return 0;
}

function safeSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}
