/**
 * Beacon detector ('beacon'): regular check-ins from internal hosts to one external ip:port/proto
 * (RITA-style beaconing, streaming). The scoring method is pluggable: Sakimori's
 * (sakimori-beacon-scorer.ts, the default) or the RITA baseline (rita-beacon-scorer.ts).
 * Pairs are evaluated in `advance()` as soon as they have new connections, so a candidate appears
 * at the first `advance()` after the flow that makes it one. State: BeaconPairs (bounded).
 */
import { BeaconPairs, type BeaconPair } from './beacon-pairs.js';
import type { BeaconScorer } from './beacon-scorer.js';
import { MAX_LISTED_BOTS, type Detection, type DetectionFlow, type Detector } from './detection.js';
import { SakimoriBeaconScorer } from './sakimori-beacon-scorer.js';
import type { ServicePrevalence } from './service-prevalence.js';

export interface BeaconDetectorOptions {
  scorer: BeaconScorer;
  /** Connection samples kept per pair. */
  capacity: number;
  maxPairs: number;
  /** Samples older than this (flow time) are not scored; pairs idle this long are dropped. */
  windowMs: number;
  continuationGapMs: number;
  /** A detection expires this long after its last flow unless refreshed. */
  ttlMs: number;
  /**
   * Cross-host evidence (0: off, the RITA baseline's way). When > 0, pairs scoring at least this
   * (below the scorer's minScore) still support their endpoint when their interval agrees with the
   * endpoint's best pair (within ±`intervalAgreement`): several bots beaconing alike to one rare
   * endpoint are strong evidence even while each has few connections. The endpoint score is then
   * 1 − (1 − best) · Π(1 − s/2) over the other agreeing pairs, and it is reported from minScore.
   */
  supportScore: number;
  intervalAgreement: number;
}

export const BEACON_DEFAULTS: Omit<BeaconDetectorOptions, 'scorer'> = Object.freeze({
  capacity: 32,
  maxPairs: 1_000_000,
  windowMs: 6 * 3_600_000,
  continuationGapMs: 2_000,
  ttlMs: 3_600_000,
  supportScore: 0,
  intervalAgreement: 0.25,
});

interface EndpointBeacons {
  ip: string;
  port: number;
  proto: number;
  country: string;
  as: number;
  /** Beaconing hosts (score ≥ minScore) → their pair. */
  hosts: Map<string, BeaconPair>;
  changed: boolean;
}

export class BeaconDetector implements Detector {
  readonly name = 'beacon' as const;
  readonly scorer: BeaconScorer;
  readonly #o: Omit<BeaconDetectorOptions, 'scorer'>;
  readonly #pairs: BeaconPairs;
  readonly #queue: BeaconPair[] = [];
  readonly #endpoints = new Map<string, EndpointBeacons>();
  #firstTime = Number.NaN;
  #times: Float64Array;
  #sizes: Float64Array;
  #scratch: Float64Array;

  constructor(options: Partial<BeaconDetectorOptions> = {}) {
    this.scorer = options.scorer ?? new SakimoriBeaconScorer();
    this.#o = { ...BEACON_DEFAULTS, ...options };
    this.#pairs = new BeaconPairs({
      capacity: this.#o.capacity,
      maxPairs: this.#o.maxPairs,
      idleMs: this.#o.windowMs,
      continuationGapMs: this.#o.continuationGapMs,
      onEvict: (p) => this.#dropHost(p),
    });
    const pairs = this.#pairs;
    this.prevalence = {
      serviceHosts: (ip, port, proto) => pairs.serviceHosts(ip, port, proto),
      endpointHosts: (ip, port, proto) => pairs.endpointHosts(`${ip}|${port}|${proto}`),
      get activeHosts() {
        return pairs.activeHosts;
      },
    };
    this.#times = new Float64Array(this.#o.capacity);
    this.#sizes = new Float64Array(this.#o.capacity);
    this.#scratch = new Float64Array(this.#o.capacity);
  }

  get evicted(): number {
    return this.#pairs.evicted;
  }

  /**
   * The pair table's host counts per service and endpoint, for the other C&C detectors (fan-in,
   * seed-peer): one prevalence counter, not one per detector. Live: it reflects every flow this
   * detector has observed.
   */
  readonly prevalence: ServicePrevalence;

  observe(flow: DetectionFlow): void {
    if (Number.isNaN(this.#firstTime)) this.#firstTime = flow.record.start;
    const p = this.#pairs.observe(flow);
    if (p !== undefined && p.dirty && !p.queued) {
      p.queued = true;
      this.#queue.push(p);
    }
  }

  advance(now: number): Detection[] {
    this.#pairs.sweep(now);
    const since = now - this.#o.windowMs;
    const windowStart = Math.max(since, this.#firstTime);
    for (const p of this.#queue) {
      p.queued = false;
      if (this.#pairs.get(p.key) !== p) continue;
      p.dirty = false;
      const n = this.#pairs.samples(p, since, this.#times, this.#sizes);
      this.#times.subarray(0, n).sort();
      this.#sizes.subarray(0, n).sort();
      const verdict = this.scorer.score(
        {
          times: this.#times,
          sizes: this.#sizes,
          n,
          proto: p.proto,
          port: p.port,
          endpointHosts: this.#pairs.endpointHosts(p.endpointKey),
          serviceHosts: p.service.hosts,
          activeHosts: this.#pairs.activeHosts,
          windowStart,
          now,
        },
        this.#scratch,
      );
      if (verdict === undefined) continue;
      p.score = verdict.score;
      p.intervalS = verdict.intervalS;
      if (p.score >= this.#hostThreshold()) this.#addHost(p);
      else this.#dropHost(p);
    }
    this.#queue.length = 0;
    const out: Detection[] = [];
    for (const e of this.#endpoints.values()) {
      if (!e.changed) continue;
      e.changed = false;
      const d = this.#detection(e);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  #hostThreshold(): number {
    const support = this.#o.supportScore;
    return support > 0 && support < this.scorer.minScore ? support : this.scorer.minScore;
  }

  /** Current beacon score of the pair a flow belongs to (0 when unknown or not scored). */
  pairScore(src: string, dst: string, dstPort: number, proto: number): number {
    return this.#pairs.get(`${src}|${dst}|${dstPort}|${proto}`)?.score ?? 0;
  }

  stateSize(): { entries: number; approxBytes: number } {
    let hosts = 0;
    for (const e of this.#endpoints.values()) hosts += e.hosts.size;
    return { entries: this.#pairs.size, approxBytes: this.#pairs.approxBytes() + this.#queue.length * 8 + this.#endpoints.size * 200 + hosts * 60 };
  }

  #addHost(p: BeaconPair): void {
    let e = this.#endpoints.get(p.endpointKey);
    if (e === undefined) {
      e = { ip: p.ip, port: p.port, proto: p.proto, country: p.country, as: p.as, hosts: new Map(), changed: true };
      this.#endpoints.set(p.endpointKey, e);
    }
    e.hosts.set(p.host, p);
    e.changed = true;
  }

  #dropHost(p: BeaconPair): void {
    const e = this.#endpoints.get(p.endpointKey);
    if (e === undefined || e.hosts.get(p.host) !== p) return;
    e.hosts.delete(p.host);
    if (e.hosts.size === 0) this.#endpoints.delete(p.endpointKey);
  }

  #detection(e: EndpointBeacons): Detection | undefined {
    let bestPair: BeaconPair | undefined;
    for (const p of e.hosts.values()) if (bestPair === undefined || p.score > bestPair.score) bestPair = p;
    if (bestPair === undefined) return undefined;
    const best = bestPair.score;
    const intervalS = bestPair.intervalS;
    const crossHost = this.#hostThreshold() < this.scorer.minScore;
    let flows = 0;
    let firstSeen = Number.POSITIVE_INFINITY;
    let lastSeen = 0;
    let miss = 1 - best;
    let counted = 0;
    const bots: string[] = [];
    for (const p of e.hosts.values()) {
      if (crossHost) {
        // Support needs an agreeing interval (one botnet, one sleep setting); strong pairs always count.
        const agrees = Math.abs(p.intervalS - intervalS) <= this.#o.intervalAgreement * intervalS;
        if (p.score < this.scorer.minScore && !agrees) continue;
        if (p !== bestPair) miss *= 1 - p.score / 2;
      }
      counted++;
      flows += p.flows;
      if (p.firstSeen < firstSeen) firstSeen = p.firstSeen;
      if (p.lastSeen > lastSeen) lastSeen = p.lastSeen;
      if (bots.length < MAX_LISTED_BOTS) bots.push(p.host);
    }
    // Several hosts beaconing alike to one endpoint add confidence: without cross-host evidence
    // each further beaconing host closes 10 % of the gap; with it, each agreeing host half its score.
    const score = crossHost ? 1 - miss : 1 - (1 - best) * 0.9 ** (e.hosts.size - 1);
    if (score < this.scorer.minScore) return undefined;
    return {
      kind: 'c2',
      ip: e.ip,
      port: e.port,
      proto: e.proto,
      score: Math.round(score * 1000) / 1000,
      detectors: ['beacon'],
      country: e.country,
      as: e.as,
      firstSeen,
      lastSeen,
      expiresAt: lastSeen + this.#o.ttlMs,
      evidence: {
        flows,
        peers: counted,
        scores: { beacon: best },
        facts: { method: this.scorer.method, intervalS: Math.round(intervalS * 10) / 10, beaconingHosts: counted },
      },
      bots,
    };
  }
}
