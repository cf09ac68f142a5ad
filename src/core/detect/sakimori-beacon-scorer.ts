/**
 * Sakimori's beacon score: RITA's idea (regular intervals and sizes → a beacon) made to survive
 * real bots and flow data, and to leave benign periodic traffic alone. Differences from the RITA
 * method and their reasons are in docs/reference/detection.md; in short:
 *  - Jitter: regularity is judged by the interval IQR relative to the median, with a plateau, so
 *    a bot sleeping base ± 30 % (IQR/median 0.3) scores like a perfect beacon, while Poisson-like
 *    traffic (IQR/median ≈ 1.6) scores 0. RITA's MAD score already loses 15 % at ± 30 %, and its
 *    skew term zeroes out skewed jitter.
 *  - Missed connections (sampled export, lost records): intervals longer than 1.5 periods are left
 *    out of the regularity test instead of counting as irregular; intervals under half a period,
 *    which a beacon does not make and memoryless traffic makes often, count against it.
 *  - No hour-scale histogram/duration terms: a candidate must appear within a minute of its flows,
 *    so evidence is the count of regular intervals (full confidence at `fullConfidenceIntervals`,
 *    or already at `fastConfidenceIntervals` when the intervals are clearly regular).
 *  - Prevalence: a service (IPv4 /24, port, proto) contacted by a large share of the active
 *    internal hosts is a shared service (NTP pool, update server, telemetry behind many addresses),
 *    not a botnet subset: its score is scaled down (full at ≤ 2 % of the active hosts, floor from
 *    10 %; the same bounds as fan-in's, over the same counter).
 *  - Service-port priors (service-priors.ts): soft discounts for NTP/DNS/web.
 */
import { clamp01, madOfSorted, medianOfSorted, quartilesOfSorted } from './robust-stats.js';
import { round3, type BeaconInput, type BeaconScorer, type BeaconVerdict } from './beacon-scorer.js';
import { servicePrior } from './service-priors.js';

export interface SakimoriBeaconOptions {
  /** Connections needed before a pair is scored. */
  minConnections: number;
  /** Intervals shorter than this are bursts of one check-in, not intervals. */
  minIntervalMs: number;
  /** Interval IQR/median at or below which timing is fully regular, and at or above which it is random. */
  regularSpread: number;
  randomSpread: number;
  /** Size MAD/median at or below which sizes are fully consistent, and at or above which they are not. */
  sizeConsistent: number;
  sizeInconsistent: number;
  /** Single-period (core) intervals for full confidence. */
  fullConfidenceIntervals: number;
  /**
   * Clearly regular timing with consistent sizes needs less evidence: at interval IQR/median ≤
   * `tightSpread` and size spread ≤ sizeConsistent, full confidence comes at
   * `fastConfidenceIntervals`; the intervals needed rise linearly to fullConfidenceIntervals as
   * the interval spread goes to regularSpread or the size consistency to 0.
   */
  fastConfidenceIntervals: number;
  tightSpread: number;
  /** Prevalence is only judged for endpoints with at least this many internal hosts. */
  prevalenceMinHosts: number;
  /** Share of active internal hosts up to which an endpoint is "rare", and from which it is a shared service. */
  prevalenceRare: number;
  prevalenceShared: number;
  /** Multiplier for a shared service. */
  prevalenceFloor: number;
  minScore: number;
}

export const SAKIMORI_BEACON_DEFAULTS: SakimoriBeaconOptions = Object.freeze({
  minConnections: 6,
  minIntervalMs: 1000,
  regularSpread: 0.65,
  randomSpread: 1.1,
  sizeConsistent: 0.1,
  sizeInconsistent: 0.6,
  fullConfidenceIntervals: 16,
  fastConfidenceIntervals: 6,
  tightSpread: 0.35,
  prevalenceMinHosts: 8,
  prevalenceRare: 0.02,
  prevalenceShared: 0.1,
  prevalenceFloor: 0.15,
  minScore: 0.6,
});

/** Linear step from 1 (at or below `good`) to 0 (at or above `bad`). */
function ramp(x: number, good: number, bad: number): number {
  return clamp01((bad - x) / (bad - good));
}

export class SakimoriBeaconScorer implements BeaconScorer {
  readonly method = 'sakimori' as const;
  readonly minScore: number;
  readonly #o: SakimoriBeaconOptions;
  #intervals = new Float64Array(64);

  constructor(options: Partial<SakimoriBeaconOptions> = {}) {
    this.#o = { ...SAKIMORI_BEACON_DEFAULTS, ...options };
    this.minScore = this.#o.minScore;
  }

  score(input: BeaconInput, scratch: Float64Array): BeaconVerdict | undefined {
    const o = this.#o;
    const { n, times } = input;
    if (n < o.minConnections) return undefined;
    if (this.#intervals.length < n) this.#intervals = new Float64Array(n * 2);
    const iv = this.#intervals;
    let k = 0;
    for (let i = 0; i + 1 < n; i++) {
      const d = times[i + 1] - times[i];
      if (d >= o.minIntervalMs) iv[k++] = d;
    }
    if (k < o.minConnections - 1) return undefined;
    const all = iv.subarray(0, k).sort();
    const m = medianOfSorted(all);
    // Intervals beyond 1.5 periods span missed connections (sampled export, lost records): they
    // neither count for nor against regularity, which is judged on the single-period core. A
    // beacon has (almost) no interval under half a period; memoryless traffic has many.
    let core = 0;
    let short = 0;
    while (core < k && all[core] <= 1.5 * m) {
      if (all[core] < 0.5 * m) short++;
      core++;
    }
    const q = quartilesOfSorted(all, core);
    const spread = q.q2 > 0 && core >= 3 ? (q.q3 - q.q1) / q.q2 : Number.POSITIVE_INFINITY;
    const bowley = q.q3 > q.q1 ? (q.q1 + q.q3 - 2 * q.q2) / (q.q3 - q.q1) : 0;
    const shortShare = short / k;
    // A quarter of check-ins missing is tolerated in full, half is not: memoryless traffic leaves
    // about a third of its intervals above 1.5 medians, so a large "missed" share is itself a sign.
    const missedShare = (k - core) / k;
    const ts = ramp(spread, o.regularSpread, o.randomSpread) * ramp(shortShare, 0.05, 0.2) * ramp(missedShare, 0.25, 0.5) * (0.8 + 0.2 * (1 - Math.abs(bowley)));

    const sizeMedian = medianOfSorted(input.sizes, 0, n);
    const sizeMad = madOfSorted(input.sizes, n, scratch);
    const sizeSpread = sizeMedian > 0 ? sizeMad / sizeMedian : sizeMad === 0 ? 0 : Number.POSITIVE_INFINITY;
    const ds = ramp(sizeSpread, o.sizeConsistent, o.sizeInconsistent);

    // The fast path needs both signs of a machine: tight timing and consistent sizes.
    const needed = o.fullConfidenceIntervals - (o.fullConfidenceIntervals - o.fastConfidenceIntervals) * ramp(spread, o.tightSpread, o.regularSpread) * ds;
    const confidence = clamp01((core - 2) / (needed - 2));

    let prevalence = 1;
    const hosts = Math.max(input.serviceHosts, input.endpointHosts);
    const share = input.activeHosts > 0 ? hosts / input.activeHosts : 0;
    if (hosts >= o.prevalenceMinHosts) {
      prevalence = o.prevalenceFloor + (1 - o.prevalenceFloor) * ramp(share, o.prevalenceRare, o.prevalenceShared);
    }
    const prior = servicePrior(input.proto, input.port);
    // Timing is necessary, size consistency only modulates: regular timing with varying sizes still scores 0.7.
    const score = confidence * ts * (0.7 + 0.3 * ds) * prevalence * prior;
    return {
      score: round3(clamp01(score)),
      intervalS: m / 1000,
      parts: { ts: round3(ts), ds: round3(ds), confidence: round3(confidence), prevalence: round3(prevalence), prior, spread: round3(spread), shortShare: round3(shortShare), missedShare: round3(missedShare) },
    };
  }
}
