#!/usr/bin/env node
/**
 * node dist/src/eval/score-main.js --truth labels.json|truth.json DETECTIONS.jsonl...
 * Scores detection lines (sakimori detect/darknet --json output) against a generator labels.json
 * or a converter truth.json, and prints the tables of src/eval/score-table.ts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDetectionLines, scoreDetections, truthFromLabels, type ScoringTruth } from './detect-score.js';
import type { GenerationLabels } from './labels.js';
import { formatScoreTable } from './score-table.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { truth: { type: 'string' } } });
if (!values.truth || positionals.length === 0) {
  process.stderr.write('Usage: score-main --truth labels.json|truth.json DETECTIONS.jsonl...\n');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(values.truth, 'utf8')) as GenerationLabels | ScoringTruth;
const truth = 'format' in raw ? truthFromLabels(raw) : raw;
const detections = positionals.flatMap((f) => parseDetectionLines(readFileSync(f, 'utf8')).detections);
for (const line of formatScoreTable(scoreDetections(truth, detections))) process.stdout.write(line + '\n');
