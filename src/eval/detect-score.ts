/**
 * Scores detector output against ground truth: per kind and per detector, precision, recall,
 * false-positive rate against the listed benign sets (e.g. NTP/update/telemetry endpoints flagged
 * as C&C), F1 and time-to-detect. Pure: labels and detection lines in, numbers out.
 *
 * Matching: a detection matches a truth item with the same address; when both carry a port
 * (non-zero) and a protocol (non-zero), those must be equal too. Precision counts distinct
 * detection keys (kind, ip, port, proto); recall counts distinct truth items found.
 */

export const DETECTION_KINDS = ['c2', 'bot', 'scanner', 'ddos-victim'] as const;
export type ScoredKind = (typeof DETECTION_KINDS)[number];

/** One line of `sakimori detect --json` / `sakimori darknet --json`, as far as scoring needs it. */
export interface DetectionLine {
  kind: ScoredKind;
  ip: string;
  port: number;
  proto: number;
  score: number;
  detectors: string[];
  family?: string;
  peers?: number;
  flows?: number;
  /** When the detector first reported it (ms since the Unix epoch, flow time); enables time-to-detect. */
  detectedAt?: number;
}

export interface TruthItem {
  ip: string;
  port?: number;
  proto?: number;
  /** When the behaviour starts (ms); time-to-detect is measured from here. */
  from?: number;
}

export interface NegativeItem {
  ip: string;
  port?: number;
  proto?: number;
  /** Why it is a negative ('ntp', 'telemetry', 'host', 'server' …), for the trap report. */
  what: string;
}

/** Ground truth per kind: what must be found and what must not be flagged. */
export type ScoringTruth = Record<ScoredKind, { positives: TruthItem[]; negatives: NegativeItem[] }> & {
  /** Scanners with the Mirai fingerprint (scored on `family: 'mirai'` detections). */
  mirai?: TruthItem[];
};

export interface KindScore {
  detections: number;
  truePositives: number;
  falsePositives: number;
  positives: number;
  found: number;
  negatives: number;
  negativesFlagged: number;
  precision: number;
  recall: number;
  f1: number;
  /** negativesFlagged / negatives; NaN when there are no listed negatives. */
  fpr: number;
  /** Negatives flagged, by `what` (e.g. { ntp: 2 }). */
  flaggedByWhat: Record<string, number>;
  /** Listed negatives, by `what` (the denominators of flaggedByWhat). */
  negativesByWhat: Record<string, number>;
  /** Seconds from truth `from` to `detectedAt`, over found items that have both. */
  ttd?: { n: number; medianSec: number; p90Sec: number };
}

export interface ScoreReport {
  byKind: Record<ScoredKind, KindScore>;
  /** kind → detector → score over the detections that name that detector. */
  byDetector: Record<ScoredKind, Record<string, KindScore>>;
  mirai?: KindScore;
}

const KEY_SEP = '|';

/**
 * Parses JSON lines; lines that are not a detection object (progress, blank, other kinds) are
 * counted, not fatal. Times may be numbers (ms) or ISO strings.
 */
export function parseDetectionLines(text: string): { detections: DetectionLine[]; ignored: number } {
  const detections: DetectionLine[] = [];
  let ignored = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      ignored++;
      continue;
    }
    if (typeof o !== 'object' || o === null || !DETECTION_KINDS.includes(o.kind as ScoredKind) || typeof o.ip !== 'string') {
      ignored++;
      continue;
    }
    const time = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN);
    const detectedAt = time(o.detectedAt);
    detections.push({
      kind: o.kind as ScoredKind,
      ip: o.ip,
      port: typeof o.port === 'number' ? o.port : 0,
      proto: typeof o.proto === 'number' ? o.proto : 0,
      score: typeof o.score === 'number' ? o.score : 0,
      detectors: Array.isArray(o.detectors) ? o.detectors.filter((d): d is string => typeof d === 'string') : [],
      family: typeof o.family === 'string' ? o.family : undefined,
      peers: typeof o.peers === 'number' ? o.peers : undefined,
      flows: typeof o.flows === 'number' ? o.flows : undefined,
      detectedAt: Number.isFinite(detectedAt) ? detectedAt : undefined,
    });
  }
  return { detections, ignored };
}

function portsAgree(a: { port?: number; proto?: number }, b: { port?: number; proto?: number }): boolean {
  if (a.port && b.port && a.port !== b.port) return false;
  if (a.proto && b.proto && a.proto !== b.proto) return false;
  return true;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Scores one kind: detections (already filtered to the kind) against its positives and negatives. */
export function scoreKind(detections: readonly DetectionLine[], positives: readonly TruthItem[], negatives: readonly NegativeItem[]): KindScore {
  const posByIp = new Map<string, TruthItem[]>();
  for (const t of positives) {
    let l = posByIp.get(t.ip);
    if (!l) posByIp.set(t.ip, (l = []));
    l.push(t);
  }
  const negByIp = new Map<string, NegativeItem[]>();
  for (const n of negatives) {
    let l = negByIp.get(n.ip);
    if (!l) negByIp.set(n.ip, (l = []));
    l.push(n);
  }
  const seenKeys = new Set<string>();
  const firstDetection = new Map<TruthItem, number>();
  const foundItems = new Set<TruthItem>();
  const flaggedNegatives = new Set<NegativeItem>();
  let tp = 0;
  let fp = 0;
  for (const d of detections) {
    const key = [d.ip, d.port, d.proto].join(KEY_SEP);
    const matches = (posByIp.get(d.ip) ?? []).filter((t) => portsAgree(t, d));
    for (const t of matches) {
      foundItems.add(t);
      if (d.detectedAt !== undefined) firstDetection.set(t, Math.min(firstDetection.get(t) ?? Infinity, d.detectedAt));
    }
    if (matches.length === 0) for (const n of negByIp.get(d.ip) ?? []) if (portsAgree(n, d)) flaggedNegatives.add(n);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    if (matches.length > 0) tp++;
    else fp++;
  }
  const flaggedByWhat: Record<string, number> = {};
  const negativesByWhat: Record<string, number> = {};
  for (const n of negatives) negativesByWhat[n.what] = (negativesByWhat[n.what] ?? 0) + 1;
  for (const n of flaggedNegatives) flaggedByWhat[n.what] = (flaggedByWhat[n.what] ?? 0) + 1;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = positives.length === 0 ? 0 : foundItems.size / positives.length;
  const ttds: number[] = [];
  for (const [t, at] of firstDetection) if (t.from !== undefined) ttds.push(Math.max(0, (at - t.from) / 1000));
  ttds.sort((a, b) => a - b);
  return {
    detections: seenKeys.size,
    truePositives: tp,
    falsePositives: fp,
    positives: positives.length,
    found: foundItems.size,
    negatives: negatives.length,
    negativesFlagged: flaggedNegatives.size,
    precision,
    recall,
    f1: f1(precision, recall),
    fpr: negatives.length === 0 ? NaN : flaggedNegatives.size / negatives.length,
    flaggedByWhat,
    negativesByWhat,
    ttd: ttds.length > 0 ? { n: ttds.length, medianSec: quantile(ttds, 0.5), p90Sec: quantile(ttds, 0.9) } : undefined,
  };
}

export function scoreDetections(truth: ScoringTruth, detections: readonly DetectionLine[]): ScoreReport {
  const byKind = {} as Record<ScoredKind, KindScore>;
  const byDetector = {} as Record<ScoredKind, Record<string, KindScore>>;
  for (const kind of DETECTION_KINDS) {
    const mine = detections.filter((d) => d.kind === kind);
    const { positives, negatives } = truth[kind];
    byKind[kind] = scoreKind(mine, positives, negatives);
    byDetector[kind] = {};
    const names = [...new Set(mine.flatMap((d) => d.detectors))].sort();
    for (const name of names) byDetector[kind][name] = scoreKind(mine.filter((d) => d.detectors.includes(name)), positives, negatives);
  }
  const report: ScoreReport = { byKind, byDetector };
  if (truth.mirai) {
    const miraiIps = new Set(truth.mirai.map((t) => t.ip));
    // Other scanners are the negatives of the Mirai fingerprint.
    const others = truth.scanner.positives.filter((t) => !miraiIps.has(t.ip)).map((t) => ({ ip: t.ip, what: 'non-mirai-scanner' }));
    report.mirai = scoreKind(detections.filter((d) => d.kind === 'scanner' && d.family === 'mirai'), truth.mirai, others);
  }
  return report;
}

/** Ground truth of a generated capture (labels.json) in scoring form. */
export function truthFromLabels(labels: {
  c2: { ip: string; port: number; proto: number; from: number }[];
  bots: { ip: string; from: number }[];
  scanners: { ip: string; from: number }[];
  miraiScanners: { ip: string; from: number }[];
  ddosVictims: { ip: string; from: number }[];
  benignPeriodic: { ip: string; port: number; proto: number; service: string }[];
  hosts: string[];
  benignServers: string[];
}): ScoringTruth {
  const periodic: NegativeItem[] = labels.benignPeriodic.map((b) => ({ ip: b.ip, port: b.port, proto: b.proto, what: b.service }));
  const periodicIp: NegativeItem[] = labels.benignPeriodic.map((b) => ({ ip: b.ip, what: b.service }));
  const servers: NegativeItem[] = labels.benignServers.map((ip) => ({ ip, what: 'server' }));
  const hostsExcept = (ips: readonly { ip: string }[]) => {
    const skip = new Set(ips.map((x) => x.ip));
    return labels.hosts.filter((h) => !skip.has(h)).map((ip): NegativeItem => ({ ip, what: 'host' }));
  };
  return {
    c2: { positives: labels.c2.map((c) => ({ ip: c.ip, port: c.port, proto: c.proto, from: c.from })), negatives: [...periodic, ...servers, ...hostsExcept([])] },
    bot: { positives: labels.bots.map((b) => ({ ip: b.ip, from: b.from })), negatives: [...hostsExcept(labels.bots), ...periodicIp, ...servers] },
    scanner: { positives: labels.scanners.map((s) => ({ ip: s.ip, from: s.from })), negatives: [...hostsExcept(labels.scanners), ...periodicIp, ...servers] },
    'ddos-victim': { positives: labels.ddosVictims.map((v) => ({ ip: v.ip, from: v.from })), negatives: [...hostsExcept(labels.ddosVictims), ...periodicIp, ...servers] },
    mirai: labels.miraiScanners.map((s) => ({ ip: s.ip, from: s.from })),
  };
}
