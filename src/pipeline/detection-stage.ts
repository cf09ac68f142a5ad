/**
 * decode → classify → detect, live (seed 004: C&C servers are short-lived, so detection must be
 * fast and automatic). Every decoded batch is classified and offered to the C&C engine (beacon,
 * seed-peer, fan-in), the darknet sensor (flows addressed to the configured unused prefixes) and
 * the DDoS volume detector (flows toward critical assets). Time is flow time: windows close as the
 * newest flow end passes each step, and — when the feed goes quiet — as wall time passes, so a
 * candidate appears within one step of the flows that complete it. Domestic scanners the darknet
 * sees become seeds of the seed-peer detector at once: the darknet drives the C&C search.
 *
 * The stage keeps no record beyond the detectors' bounded state; it hands on detections only.
 */
import type { FlowClassifier, FlowClassification } from '../core/classify/flow-direction.js';
import { DarknetSeedList, isDomesticScanner } from '../core/darknet/darknet-seeds.js';
import type { DarknetObservatory } from '../core/darknet/darknet-observatory.js';
import type { DetectionEngine } from '../core/detect/detection-engine.js';
import { detectionFlow, type Detection, type Detector } from '../core/detect/detection.js';
import type { SeedPeerDetector } from '../core/detect/seed-peer-detector.js';
import type { FlowRecord } from '../core/flow/flow-record.js';

export interface DetectionStageOptions {
  classifier: FlowClassifier;
  engine: DetectionEngine;
  /** Absent when no darknet prefix is configured. */
  darknet?: DarknetObservatory;
  /** Absent when no critical asset is configured. */
  ddos?: Detector;
  /** Window step (ms of flow time); detections are reported at most this late. */
  stepMs: number;
  /** New or changed detections, in the order the detectors reported them. */
  onDetections(detections: Detection[]): void;
}

export interface DetectionStageCounters {
  flows: number;
  /** Flows not observed because collection was behind (load shedding, see shed()). */
  shed: number;
  advances: number;
  reported: number;
  seeds: number;
}

export class DetectionStage {
  readonly #o: DetectionStageOptions;
  readonly #seedPeer: SeedPeerDetector | undefined;
  readonly #seeds = new DarknetSeedList();
  readonly #seeded = new Set<string>();
  #cls: FlowClassification | undefined;
  /** Newest flow time seen, the next window boundary, and the wall time the newest flow arrived. */
  #flowNow = Number.NEGATIVE_INFINITY;
  #nextAdvance = Number.NEGATIVE_INFINITY;
  #lastFlowWall = 0;
  readonly counters: DetectionStageCounters = { flows: 0, shed: 0, advances: 0, reported: 0, seeds: 0 };

  constructor(options: DetectionStageOptions) {
    this.#o = options;
    this.#seedPeer = options.engine.detector<SeedPeerDetector>('seed-peer');
  }

  /** Classifies and observes one decoded batch; `wallNow` is the arrival time (ms). */
  observe(records: readonly FlowRecord[], wallNow: number): void {
    const o = this.#o;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const cls = (this.#cls = o.classifier.classify(r, this.#cls));
      const flow = detectionFlow(r, cls);
      const t = r.end > r.start ? r.end : r.start;
      if (t > this.#flowNow) {
        this.#flowNow = t;
        if (this.#nextAdvance === Number.NEGATIVE_INFINITY) this.#nextAdvance = t + o.stepMs;
        // Close windows up to the flow's time before observing it: detectors see time in order.
        if (t >= this.#nextAdvance) this.#advanceTo(t);
      }
      o.engine.observe(flow);
      o.darknet?.observe(flow);
      o.ddos?.observe(flow);
    }
    if (records.length > 0) {
      this.counters.flows += records.length;
      this.#lastFlowWall = wallNow;
    }
  }

  /**
   * Counts a batch the caller did not observe: collection comes first, so when decoding falls
   * behind the caller skips detection for whole batches and reports them here. Detectors then see
   * a sample of the traffic (volumes and rates are underestimated); the count says how much.
   */
  shed(flows: number): void {
    this.counters.shed += flows;
  }

  /**
   * Called periodically. When no flow arrived for a step of wall time, flow time is moved on by
   * the wall time elapsed, so the last windows close and expiries happen on a quiet feed too.
   */
  tick(wallNow: number): void {
    if (!Number.isFinite(this.#flowNow)) return;
    const idle = wallNow - this.#lastFlowWall;
    if (idle < this.#o.stepMs) return;
    const t = this.#flowNow + idle;
    if (t >= this.#nextAdvance) this.#advanceTo(t);
  }

  #advanceTo(t: number): void {
    const o = this.#o;
    const stepMs = o.stepMs;
    // A gap of hours needs one advance, not one per step of it.
    const boundary = t - (t % stepMs);
    this.#nextAdvance = boundary + stepMs;
    this.counters.advances++;
    const out: Detection[] = [];
    if (o.darknet) {
      const dark = o.darknet.advance(boundary);
      this.#seed(dark, boundary);
      out.push(...dark);
    }
    out.push(...o.engine.advance(boundary));
    if (o.ddos) out.push(...o.ddos.advance(boundary));
    if (out.length > 0) {
      this.counters.reported += out.length;
      o.onDetections(out);
    }
  }

  /** Domestic darknet scanners are known bots: the seed-peer detector ranks whom they talk to. */
  #seed(darknet: readonly Detection[], now: number): void {
    if (this.#seedPeer === undefined || !darknet.some(isDomesticScanner)) return;
    this.#seeds.ingest(darknet);
    const fresh: string[] = [];
    for (const s of this.#seeds.list(now)) {
      if (this.#seeded.has(s.ip)) continue;
      // Bounded like the seed list itself; a forgotten seed may be added again later.
      if (this.#seeded.size >= 100_000) this.#seeded.clear();
      this.#seeded.add(s.ip);
      fresh.push(s.ip);
    }
    if (fresh.length > 0) {
      this.#seedPeer.addSeeds(fresh, 'darknet');
      this.counters.seeds += fresh.length;
    }
  }
}
