/**
 * `sakimori import` in the cyber-office role (自動選別, Act Art. 22): the configured approvals
 * (files, directory, revocations; as the collector loads them) drive the same SelectionStage as the
 * collector, so an imported capture leaves only selected, minimized records, and one attestation
 * per approval (counts only) in the transparency log.
 */
import { seededC2Engine } from '../collector/live-detection.js';
import { BehaviourStage } from '../pipeline/behaviour-stage.js';
import { basename } from 'node:path';
import { nodeGeoIo } from '../classify/node-geo-io.js';
import type { SakimoriConfig } from '../config/config-schema.js';
import { createClassificationConfig } from '../core/classify/classification-config.js';
import { FlowClassifier } from '../core/classify/flow-direction.js';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import type { SelectedRecord } from '../core/selection/selector.js';
import { SelectionStage } from '../pipeline/selection-stage.js';
import { loadApprovalSet } from '../selection/approval-set.js';
import { loadOrCreatePseudonymizer, loadTrustedKeys } from '../selection/load-selection.js';
import { SqliteSelectedFlowSink } from '../storage/selected-flow-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';
import { selectionAttestationEntry } from '../transparency/selection-entries.js';
import { openTransparencyLog } from '../transparency/open-transparency-log.js';
import { VERSION } from '../version.js';
import type { JsonLinesWriter } from './json-lines-writer.js';

/** A selected record as a JSON line: approval, matching criteria ids, the approved fields, times as ISO 8601. */
export function selectedRecordJson(approvalId: string, r: SelectedRecord): string {
  const f = r.fields;
  return JSON.stringify({
    approvalId,
    criteria: r.criteria,
    ...f,
    ...(f.start !== undefined ? { start: new Date(f.start).toISOString() } : {}),
    ...(f.end !== undefined ? { end: new Date(f.end).toISOString() } : {}),
  });
}

export interface ImportSelection {
  stage: SelectionStage;
  attestations(): number;
  /** Closes the attestation window, waits for the log appends (throws the first failure), closes storage. */
  close(): Promise<void>;
}

export async function openImportSelection(config: Readonly<SakimoriConfig>, out: JsonLinesWriter | undefined): Promise<ImportSelection> {
  const now = Date.now();
  const trusted = loadTrustedKeys(config.selection.commissionKeys);
  const pseudonymizer = loadOrCreatePseudonymizer(config.dataDir, config.selection);
  const set = loadApprovalSet(config.selection, trusted, pseudonymizer, now);
  for (const r of set.refused) process.stderr.write(`approval refused: ${r.code} ${basename(r.approvalFile)} (runs no selector)\n`);
  for (const e of set.entries) {
    const valid = e.summary.validFromMs <= now && now < e.selector.validUntilMs;
    process.stderr.write(`approval ${valid ? 'selecting' : 'not valid now, selects nothing'}: ${e.summary.id} ${e.summary.channel} criteria ${e.summary.criteriaHash}\n`);
  }
  let classifier: FlowClassifier | undefined;
  if (set.entries.length > 0) {
    const geo = await loadGeoDatabase(nodeGeoIo(config.dataDir), (e) => process.stderr.write(`geo database: ${e.event} ${e.name}\n`));
    classifier = new FlowClassifier(geo.db, createClassificationConfig(config.classification));
  } else {
    process.stderr.write('no valid approval: every record is erased (counted)\n');
  }
  const transparency = openTransparencyLog(config.dataDir);
  const db = out ? undefined : openSqlite(config.dataDir);
  const store = db ? new SqliteSelectedFlowSink(db.raw) : undefined;
  let appending: Promise<unknown> = Promise.resolve();
  let failure: unknown;
  let attested = 0;
  const stage = new SelectionStage({
    classifier,
    selectors: set.entries.map((e) => e.selector),
    sink: {
      write: (approvalId, records, fields) => {
        if (store) store.write(approvalId, records, fields);
        else for (const r of records) out!.write(selectedRecordJson(approvalId, r));
      },
    },
    clock: Date.now,
    windowMs: Number.POSITIVE_INFINITY,
    softwareVersion: VERSION,
    // Behavioural criteria: the same selection-internal C&C engine as the collector's.
    ...(config.detections.enabled ? { behaviour: new BehaviourStage(seededC2Engine(config.detections.seedFiles).engine, config.detections.stepSeconds * 1000) } : {}),
    onAttestation: (a) => {
      appending = appending.then(() => transparency.append([selectionAttestationEntry(a, { sourceId: 'sakimori-import' })])).then(
        () => void attested++,
        (e: unknown) => void (failure ??= e),
      );
    },
  });
  return {
    stage,
    attestations: () => attested,
    close: async () => {
      stage.close();
      await appending;
      await transparency.close();
      await db?.close();
      if (failure !== undefined) throw failure;
    },
  };
}
