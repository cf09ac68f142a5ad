#!/usr/bin/env node
/**
 * node dist/src/eval/ctu13-main.js FILE.binetflow... --out DIR [--utc-offset MINUTES]
 * Converts CTU-13 labelled bidirectional flows into DIR/export-ipfix.pcap (an IPFIX capture that
 * `sakimori detect` and `sakimori import` read) and DIR/truth.json (scoring truth for score-main).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binetflowToFlowRecords, parseBinetflow, type BinetflowRow } from './ctu13-binetflow.js';
import { truthFromBinetflow } from './ctu13-binetflow.js';
import { ipfixExportPcap } from './labelled-capture.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, 'utc-offset': { type: 'string', default: '0' } } });
if (!values.out || positionals.length === 0) {
  process.stderr.write('Usage: ctu13-main FILE.binetflow... --out DIR [--utc-offset MINUTES]\n');
  process.exit(2);
}
const rows: BinetflowRow[] = [];
const skipped: Record<string, number> = {};
for (const file of positionals) {
  const p = parseBinetflow(readFileSync(file, 'utf8'), { utcOffsetMinutes: Number(values['utc-offset']) });
  rows.push(...p.rows);
  for (const [k, n] of Object.entries(p.skipped)) skipped[k] = (skipped[k] ?? 0) + n;
}
const records = binetflowToFlowRecords(rows);
mkdirSync(values.out, { recursive: true });
const { pcap, datagrams } = ipfixExportPcap(records, { exportDelayMs: 0 });
writeFileSync(join(values.out, 'export-ipfix.pcap'), pcap);
const truth = truthFromBinetflow(rows);
writeFileSync(join(values.out, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
const byClass: Record<string, number> = {};
for (const r of rows) byClass[r.cls] = (byClass[r.cls] ?? 0) + 1;
process.stdout.write(JSON.stringify({ rows: rows.length, skipped, byClass, records: records.length, datagrams, bots: truth.bot.positives.length, c2: truth.c2.positives.length }) + '\n');
