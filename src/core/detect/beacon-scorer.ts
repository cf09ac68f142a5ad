/** What a beacon scorer sees of one pair, and what it says about it. */
export interface BeaconInput {
  /** Connection start times, ms, sorted ascending. */
  times: Float64Array;
  /** Bytes sent by the internal host per connection, sorted ascending. */
  sizes: Float64Array;
  n: number;
  proto: number;
  port: number;
  /** Internal hosts with a live pair to the same endpoint (prevalence numerator). */
  endpointHosts: number;
  /** Internal hosts with a live pair to the same service: IPv4 /24, port, proto (beacon-pairs.ts serviceKey). */
  serviceHosts: number;
  /** Internal hosts with any live pair (prevalence denominator). */
  activeHosts: number;
  /** Start and end of the observed dataset window, ms (RITA scores coverage against it). */
  windowStart: number;
  now: number;
}

export interface BeaconVerdict {
  /** Final score in [0, 1]. */
  score: number;
  /** Median connection interval, seconds. */
  intervalS: number;
  /** Sub-scores and modifiers, for evidence facts. */
  parts: Record<string, number>;
}

export interface BeaconScorer {
  readonly method: 'sakimori' | 'rita';
  /** Pairs scoring at least this are reported. */
  readonly minScore: number;
  /** Scratch must hold `n` values; undefined when the pair has too little data to score. */
  score(input: BeaconInput, scratch: Float64Array): BeaconVerdict | undefined;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
