/**
 * Behavioural selectors for automated selection (自動選別, Act Art. 22): a C&C detection engine
 * that the selection machine itself runs over every acquirable flow of each batch, before the
 * selectors see the batch, so that an approved criterion such as `{ behaviour: { selector: "c2",
 * minScore: 0.6 } }` can select the flows of current C&C candidates. No person sees anything here:
 * the engine's bounded, in-memory state is the only thing that outlives a batch (never stored,
 * logged or sent anywhere); what leaves is the selection decision. Domestic→domestic flows and
 * flows with an unknown side are never observed (they can never be acquired).
 *
 * Selector names (criteria `match.behaviour.selector`):
 *   c2      score of the current C&C candidate the flow goes to or comes from (0 when none)
 *   beacon  current beacon score of the flow's (internal host → ip:port/proto) pair
 *   seeds   1 when either end is on a seed list, else 0
 *   bots    1 when either end is a current bot (talks to a C&C candidate), else 0
 * Any other name scores 0: the criterion never holds.
 */
import type { DetectionEngine } from '../core/detect/detection-engine.js';
import type { BeaconDetector } from '../core/detect/beacon-detector.js';
import type { DetectionFlow } from '../core/detect/detection.js';
import type { SeedPeerDetector } from '../core/detect/seed-peer-detector.js';
import type { ClassifiedFlow } from '../core/selection/classified-flow.js';
import type { BehaviourScorer } from '../core/selection/selector.js';

export const BEHAVIOUR_SELECTORS = ['c2', 'beacon', 'seeds', 'bots'] as const;

export class BehaviourStage {
  readonly engine: DetectionEngine;
  readonly #stepMs: number;
  readonly #beacon: BeaconDetector | undefined;
  readonly #seedPeer: SeedPeerDetector | undefined;
  #flowNow = Number.NEGATIVE_INFINITY;
  #nextAdvance = Number.NEGATIVE_INFINITY;
  readonly scorer: BehaviourScorer;

  constructor(engine: DetectionEngine, stepMs = 5_000) {
    this.engine = engine;
    this.#stepMs = stepMs;
    this.#beacon = engine.detector<BeaconDetector>('beacon');
    this.#seedPeer = engine.detector<SeedPeerDetector>('seed-peer');
    this.scorer = (selector, f) => this.#score(selector, f);
  }

  /** Observes the acquirable flows of a classified batch, closing windows as flow time passes. */
  observe(batch: readonly ClassifiedFlow[]): void {
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i];
      if (f.direction !== 'foreign-foreign' && f.direction !== 'foreign-domestic' && f.direction !== 'domestic-foreign') continue;
      const r = f.record;
      const t = r.end > r.start ? r.end : r.start;
      if (t > this.#flowNow) {
        this.#flowNow = t;
        if (this.#nextAdvance === Number.NEGATIVE_INFINITY) this.#nextAdvance = t + this.#stepMs;
        if (t >= this.#nextAdvance) {
          const boundary = t - (t % this.#stepMs);
          this.#nextAdvance = boundary + this.#stepMs;
          this.engine.advance(boundary);
        }
      }
      const flow: DetectionFlow = { record: r, srcCountry: f.srcCountry, dstCountry: f.dstCountry, srcDomestic: f.srcDomestic, dstDomestic: f.dstDomestic, srcAs: r.srcAs, dstAs: r.dstAs };
      this.engine.observe(flow);
    }
  }

  #score(selector: string, f: ClassifiedFlow): number {
    const r = f.record;
    switch (selector) {
      case 'c2': {
        const a = this.engine.c2(r.dst, r.dstPort, r.proto)?.score ?? 0;
        const b = this.engine.c2(r.src, r.srcPort, r.proto)?.score ?? 0;
        return a > b ? a : b;
      }
      case 'beacon':
        return this.#beacon?.pairScore(r.src, r.dst, r.dstPort, r.proto) ?? 0;
      case 'seeds':
        return this.#seedPeer !== undefined && (this.#seedPeer.isSeed(r.src) || this.#seedPeer.isSeed(r.dst)) ? 1 : 0;
      case 'bots':
        return this.engine.isBot(r.src) || this.engine.isBot(r.dst) ? 1 : 0;
      default:
        return 0;
    }
  }
}
