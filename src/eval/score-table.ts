/** Markdown tables of a ScoreReport (bench output and docs/benchmarks.md). Pure. */
import { DETECTION_KINDS, type KindScore, type ScoreReport } from './detect-score.js';

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const num = (x: number) => x.toFixed(3);

function ttd(s: KindScore): string {
  return s.ttd ? `${s.ttd.medianSec.toFixed(0)} s / ${s.ttd.p90Sec.toFixed(0)} s (n=${s.ttd.n})` : 'n/a';
}

function flagged(s: KindScore): string {
  const parts = Object.entries(s.flaggedByWhat)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([w, n]) => `${w} ${n}/${s.negativesByWhat[w] ?? '?'}`);
  return parts.length > 0 ? parts.join(', ') : '—';
}

export function scoreRow(label: string, s: KindScore): string {
  return `| ${label} | ${s.detections} | ${s.found}/${s.positives} | ${num(s.precision)} | ${num(s.recall)} | ${num(s.f1)} | ${pct(s.fpr)} | ${flagged(s)} | ${ttd(s)} |`;
}

export const SCORE_HEADER = [
  '| kind / detector | detections | found | precision | recall | F1 | FP rate | benign flagged | time to detect (median / p90) |',
  '|---|---:|---:|---:|---:|---:|---:|---|---|',
];

/** One table: a row per kind, then indented rows per detector of that kind. */
export function formatScoreTable(report: ScoreReport, kinds: readonly (typeof DETECTION_KINDS)[number][] = DETECTION_KINDS): string[] {
  const lines = [...SCORE_HEADER];
  for (const kind of kinds) {
    lines.push(scoreRow(`**${kind}**`, report.byKind[kind]));
    for (const [name, s] of Object.entries(report.byDetector[kind])) lines.push(scoreRow(`${kind} · ${name}`, s));
  }
  if (report.mirai) lines.push(scoreRow('scanner · family=mirai', report.mirai));
  return lines;
}
