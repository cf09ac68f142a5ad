import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import { expandCapturePaths, readCaptureFile } from '../collector/capture-files.js';
import { loadConfig } from '../config/load-config.js';
import { readCapture } from '../core/capture/capture-reader.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import { ERROR_CATALOGUE, SakimoriError, type ErrorCode } from '../core/errors.js';
import { CounterRegistry } from '../core/flow/exporter-counters.js';
import { ExportDecoder } from '../core/flow/export-decoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { SelectionStage } from '../pipeline/selection-stage.js';
import { loadOrCreatePseudonymizer, loadSelectors, loadTrustedKeys } from '../selection/load-selection.js';
import { VERSION } from '../version.js';
import { JsonLinesWriter } from './json-lines-writer.js';
import { selectedRecordJson } from './import-selection.js';

export const SELECT_USAGE = `sakimori select --approval FILE --criteria FILE --trusted-key PEM [--key-id ID] --input CAPTURE... [--json]
                [--now ISO-TIME] [--config FILE] [--data-dir DIR]
  Runs approved selection (自動選別) offline on captures, with the engine the cyber-office collector
  uses: decode → classify → select. Prints each selected record, minimized to the approved fields
  (domestic addresses as pseudonyms), as a JSON line; unselected records are erased, counted only.
  stderr ends with "in=N selected=N erased=N". A refused approval exits 1 with its coded error.
  --key-id   key id of the trusted key (default: the approval's first signature's keyId)
  --now      clock for approval validity (default: the current time)
  --data-dir geo snapshot cache and pseudonym key (default from config: ./data)`;

export async function selectCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      approval: { type: 'string' },
      criteria: { type: 'string' },
      'trusted-key': { type: 'string' },
      'key-id': { type: 'string' },
      input: { type: 'string', multiple: true },
      json: { type: 'boolean', default: true },
      now: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.approval || !values.criteria || !values['trusted-key'] || !values.input?.length) {
    throw new SakimoriError('SAKI_ERR_CLI_USAGE', 'select needs --approval, --criteria, --trusted-key and at least one --input');
  }
  const config = loadConfig(values.config, (raw) => {
    if (values['data-dir']) raw.dataDir = values['data-dir'];
  });
  const now = values.now !== undefined ? Date.parse(values.now) : Date.now();
  if (!Number.isFinite(now)) throw new SakimoriError('SAKI_ERR_CLI_USAGE', '--now must be an ISO 8601 time');
  let keyId = values['key-id'];
  if (keyId === undefined) {
    try {
      const named = (JSON.parse(readFileSync(values.approval, 'utf8')) as { signatures?: { keyId?: unknown }[] }).signatures?.[0]?.keyId;
      // A file that names no signing key is no approval: verification below refuses it with its code.
      keyId = typeof named === 'string' && named !== '' ? named : 'trusted-key';
    } catch {
      throw new SakimoriError('SAKI_ERR_CONFIG_UNREADABLE', 'the approval file cannot be read as JSON');
    }
  }
  let files: string[];
  try {
    files = expandCapturePaths(values.input);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CAPTURE_UNREADABLE', (e as NodeJS.ErrnoException).code ?? 'stat failed', { cause: e });
  }

  const settings = { ...config.selection, approvals: [{ approvalFile: values.approval, criteriaFile: values.criteria }] };
  const trusted = loadTrustedKeys([{ keyId, publicKeyFile: values['trusted-key'] }]);
  const pseudonymizer = loadOrCreatePseudonymizer(config.dataDir, settings);
  const { selectors, refused } = loadSelectors(settings, trusted, pseudonymizer, now);
  if (refused.length > 0) {
    const { code, reason } = refused[0];
    throw new SakimoriError(code in ERROR_CATALOGUE ? (code as ErrorCode) : 'SAKI_ERR_INTERNAL', `approval refused, nothing selected: ${reason ?? code}`);
  }
  const geo = await loadGeoDatabase(nodeGeoIo(config.dataDir), (e) => process.stderr.write(`geo database: ${e.event} ${e.name}\n`));
  const classifier = new FlowClassifier(geo.db, createClassificationConfig(config.classification));

  const out = new JsonLinesWriter(process.stdout);
  const stage = new SelectionStage({
    classifier,
    selectors,
    sink: {
      write: (approvalId, records) => {
        for (const r of records) out.write(selectedRecordJson(approvalId, r));
      },
    },
    clock: () => now,
    windowMs: Number.POSITIVE_INFINITY,
    softwareVersion: VERSION,
    onAttestation: () => {},
  });

  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: config.collector.templateHoldSeconds * 1000, maxHeldSetsPerExporter: config.collector.maxHeldSetsPerExporter });
  const batch: FlowRecord[] = [];
  const emit = async () => {
    if (batch.length === 0) return;
    stage.write(batch);
    batch.length = 0;
    await out.drained();
  };
  for (const file of files) {
    const buf = readCaptureFile(file);
    for (const d of readCapture(buf)) {
      decoder.decode({ receivedAt: d.timestamp || now, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, batch);
      if (batch.length >= 4096) await emit();
    }
    await emit();
  }
  decoder.expire(Number.POSITIVE_INFINITY);
  await emit();
  await out.end();
  // Why records were erased, per approval (counts only), then the summary line.
  for (const [id, c] of stage.totals()) {
    const perCriterion = Object.entries(c.perCriterion).map(([k, n]) => `${k}=${n}`).join(' ');
    process.stderr.write(
      `approval ${id}: in=${c.in} selected=${c.selected} erased=${c.erased} (outside the approval's feeds, directions or validity: ${c.outOfScope}; domestic→domestic: ${c.domesticDomestic}; matched no criterion: ${c.erased - c.outOfScope - c.domesticDomestic}) per criterion: ${perCriterion}\n`,
    );
  }
  process.stderr.write(`in=${stage.in} selected=${stage.selected} erased=${stage.erased}\n`);
  return 0;
}
