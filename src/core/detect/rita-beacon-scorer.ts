/**
 * The RITA beacon score (activecm/rita v5, analysis/beacons.go, default_config.hjson), as the
 * baseline the Sakimori scorer is benchmarked against. Reimplemented from its documented method:
 * score = 0.25·timestamp + 0.25·datasize + 0.25·duration + 0.25·histogram, where
 *  - timestamp/datasize: mean of a Bowley-skewness score (1 − |skew|, skew taken as 0 when the IQR
 *    is < 10 or the median equals a quartile) and a MAD score ((median − MAD)/median; default 1
 *    for intervals, 0 for sizes when the median is < 1), over the non-zero intervals between
 *    second-resolution timestamps and over the per-connection bytes;
 *  - histogram: the dataset window cut in 24 bins; max of the coefficient-of-variation score of
 *    the bin counts and the bimodal fit (share of bars in the two most frequent height buckets,
 *    bucket = 5 % of the tallest bar, one outlier bucket dropped, only with ≥ 11 bars);
 *  - duration: with ≥ 6 bars, max of coverage (pair span / dataset span) and consistency
 *    (longest run of consecutive bars, wrapping, / 12).
 * Pairs need ≥ 4 unique timestamps and 3 non-zero intervals; ≥ 86 400 connections is a strobe
 * (not scored). RITA's prevalence modifier (+0.15 at ≤ 2 % of internal hosts, −0.15 at ≥ 50 %) is
 * applied when `prevalenceModifier` is set. Differences forced by streaming flows are listed in
 * docs/reference/detection.md.
 */
import { clamp01, madOfSorted, medianOfSorted, quartilesOfSorted } from './robust-stats.js';
import { round3, type BeaconInput, type BeaconScorer, type BeaconVerdict } from './beacon-scorer.js';

export interface RitaBeaconOptions {
  uniqueConnectionThreshold: number;
  weights: { ts: number; ds: number; dur: number; hist: number };
  durationMinHoursSeen: number;
  durationConsistencyIdealHoursSeen: number;
  histogramModeSensitivity: number;
  histogramBimodalOutlierRemoval: number;
  histogramBimodalMinHoursSeen: number;
  /** Reporting threshold (score_thresholds.base = 50 → 0.5). */
  minScore: number;
  prevalenceModifier: boolean;
}

export const RITA_DEFAULTS: RitaBeaconOptions = Object.freeze({
  uniqueConnectionThreshold: 4,
  weights: Object.freeze({ ts: 0.25, ds: 0.25, dur: 0.25, hist: 0.25 }),
  durationMinHoursSeen: 6,
  durationConsistencyIdealHoursSeen: 12,
  histogramModeSensitivity: 0.05,
  histogramBimodalOutlierRemoval: 1,
  histogramBimodalMinHoursSeen: 11,
  minScore: 0.5,
  prevalenceModifier: true,
});

const BINS = 24;
const STROBE = 86_400;

export class RitaBeaconScorer implements BeaconScorer {
  readonly method = 'rita' as const;
  readonly minScore: number;
  readonly #o: RitaBeaconOptions;
  #secs = new Float64Array(64);
  #deltas = new Float64Array(64);
  readonly #hist = new Int32Array(BINS);

  constructor(options: Partial<RitaBeaconOptions> = {}) {
    this.#o = { ...RITA_DEFAULTS, ...options };
    this.minScore = this.#o.minScore;
  }

  score(input: BeaconInput, scratch: Float64Array): BeaconVerdict | undefined {
    const { n } = input;
    if (n >= STROBE || n < 4) return undefined;
    if (this.#secs.length < n) {
      this.#secs = new Float64Array(n * 2);
      this.#deltas = new Float64Array(n * 2);
    }
    const secs = this.#secs;
    let unique = 0;
    for (let i = 0; i < n; i++) {
      secs[i] = Math.floor(input.times[i] / 1000);
      if (i === 0 || secs[i] !== secs[i - 1]) unique++;
    }
    if (unique < this.#o.uniqueConnectionThreshold) return undefined;
    let k = 0;
    for (let i = 0; i + 1 < n; i++) {
      const d = secs[i + 1] - secs[i];
      if (d > 0) this.#deltas[k++] = d;
    }
    if (k < 3) return undefined;
    const deltas = this.#deltas.subarray(0, k).sort();
    const ts = statisticalScore(deltas, k, 1, scratch);
    const ds = statisticalScore(input.sizes, n, 0, scratch);

    const dMin = Math.floor(input.windowStart / 1000);
    const dMax = Math.floor(input.now / 1000);
    if (dMax <= dMin) return undefined;
    const histMin = secs[0];
    const histMax = secs[n - 1];
    if (histMax <= histMin) return undefined;
    const hist = this.#hist.fill(0);
    const step = (dMax - dMin) / BINS;
    for (let i = 0; i < n; i++) {
      let b = Math.floor((secs[i] - dMin) / step);
      if (b < 0) b = 0;
      if (b >= BINS) b = BINS - 1;
      hist[b]++;
    }
    const { histScore, totalBars, longestRun } = this.#histogramScore(hist);
    let dur = 0;
    if (totalBars >= this.#o.durationMinHoursSeen) {
      const coverage = Math.min(1, Math.ceil(((histMax - histMin) / (dMax - dMin)) * 1000) / 1000);
      const consistency = Math.min(1, Math.ceil((longestRun / this.#o.durationConsistencyIdealHoursSeen) * 1000) / 1000);
      dur = Math.max(coverage, consistency);
    }
    const w = this.#o.weights;
    const beacon = round3(ts * w.ts + ds * w.ds + dur * w.dur + histScore * w.hist);
    let modifier = 0;
    if (this.#o.prevalenceModifier && input.activeHosts > 0) {
      const prevalence = input.endpointHosts / input.activeHosts;
      if (prevalence <= 0.02) modifier = 0.15;
      else if (prevalence >= 0.5) modifier = -0.15;
    }
    return {
      score: clamp01(beacon + modifier),
      intervalS: medianOfSorted(deltas),
      parts: { ts, ds, dur, hist: histScore, ritaBeacon: beacon, prevalenceModifier: modifier },
    };
  }

  #histogramScore(hist: Int32Array): { histScore: number; totalBars: number; longestRun: number } {
    let total = 0;
    let totalBars = 0;
    let largest = 0;
    for (const c of hist) {
      total += c;
      if (c > 0) totalBars++;
      if (c > largest) largest = c;
    }
    // Coefficient of variation of the bin counts (population standard deviation).
    const mean = total / BINS;
    let ss = 0;
    for (const c of hist) ss += (c - mean) ** 2;
    const cv = Math.sqrt(ss / BINS) / mean;
    const cvScore = cv > 1 ? 0 : Math.min(1, round3(1 - cv));
    // Height buckets and the longest run of non-empty bars, wrapping around the window.
    const binSize = Math.ceil(largest * this.#o.histogramModeSensitivity);
    const freq = new Map<number, number>();
    let run = 0;
    let longestRun = 0;
    for (let i = 0; i < BINS * 2; i++) {
      const c = hist[i % BINS];
      if (c > 0) run++;
      else {
        if (run > longestRun) longestRun = run;
        run = 0;
      }
      if (i < BINS && c > 0) {
        const bucket = Math.floor(c / binSize) * binSize;
        freq.set(bucket, (freq.get(bucket) ?? 0) + 1);
      }
    }
    if (run > longestRun) longestRun = run;
    if (longestRun > BINS) longestRun = BINS;
    let bimodal = 0;
    const minBars = this.#o.histogramBimodalMinHoursSeen < 6 ? 11 : this.#o.histogramBimodalMinHoursSeen;
    if (totalBars >= minBars) {
      let first = 0;
      let second = 0;
      for (const v of freq.values()) {
        if (v > first) {
          second = first;
          first = v;
        } else if (v > second) second = v;
      }
      bimodal = Math.min(1, round3((first + second) / Math.max(totalBars - this.#o.histogramBimodalOutlierRemoval, 1)));
    }
    return { histScore: Math.max(cvScore, bimodal), totalBars, longestRun };
  }
}

/** RITA's timestamp score of a list of second timestamps; undefined where RITA returns an error (< 4 timestamps or < 3 non-zero intervals). */
export function ritaTimestampScore(timestamps: readonly number[]): number | undefined {
  if (timestamps.length < 4) return undefined;
  const sorted = [...timestamps].sort((a, b) => a - b);
  const deltas: number[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) if (sorted[i + 1] - sorted[i] > 0) deltas.push(sorted[i + 1] - sorted[i]);
  if (deltas.length < 3) return undefined;
  const d = Float64Array.from(deltas).sort();
  return statisticalScore(d, d.length, 1, new Float64Array(d.length));
}

/** RITA's data size score of a list of per-connection byte counts; undefined for fewer than 3. */
export function ritaDataSizeScore(bytes: readonly number[]): number | undefined {
  if (bytes.length < 3) return undefined;
  const b = Float64Array.from(bytes).sort();
  return statisticalScore(b, b.length, 0, new Float64Array(b.length));
}

/** Mean of the Bowley-skewness score and the MAD score over sorted values (RITA's calculateStatisticalScore). */
function statisticalScore(sorted: Float64Array, n: number, defaultMadScore: number, scratch: Float64Array): number {
  const q = quartilesOfSorted(sorted, n);
  const den = q.q3 - q.q1;
  let skew = 0;
  if (den >= 10 && q.q2 !== q.q1 && q.q2 !== q.q3) skew = (q.q1 + q.q3 - 2 * q.q2) / den;
  const skewScore = 1 - Math.abs(skew);
  const median = q.q2;
  const mad = madOfSorted(sorted, n, scratch);
  let madScore = defaultMadScore;
  if (median >= 1) madScore = (median - mad) / median;
  if (madScore < 0 || Number.isNaN(madScore)) madScore = 0;
  return round3((skewScore + madScore) / 2);
}
