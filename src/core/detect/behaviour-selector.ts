/**
 * Behavioural selectors: the detection engine's current state as a pure predicate over flow
 * records, so that automated selection (自動選別, Act Art. 22; src/core/selection/) can evaluate a
 * criterion such as "flows of the peers of this seed set" or "beacon score ≥ x". This module only
 * answers questions; which criteria an approval may use is decided by the selection criteria
 * language. The predicate reflects the engine at the time of the call (candidates appear, are
 * refreshed and expire as `advance()` runs).
 */
import type { FlowRecord } from '../flow/flow-record.js';
import type { BeaconDetector } from './beacon-detector.js';
import type { DetectionEngine } from './detection-engine.js';
import type { DetectorName } from './detection.js';
import type { SeedPeerDetector } from './seed-peer-detector.js';

export interface BehaviourCriterion {
  /** A flow to or from a current C&C candidate (its ip:port/proto) with at least this combined score. */
  c2MinScore?: number;
  /** With c2MinScore: only candidates that one of these detectors found. */
  c2Detectors?: readonly DetectorName[];
  /** A flow of an (internal host → ip:port/proto) pair whose current beacon score is at least this. */
  beaconMinScore?: number;
  /** A flow from or to an address on a seed list. */
  seeds?: boolean;
  /** A flow from or to a current bot (a host talking to a current C&C candidate). */
  bots?: boolean;
}

/** A flow matches when it meets any of the criterion's conditions (an empty criterion matches nothing). */
export function behaviourSelector(engine: DetectionEngine, criterion: BehaviourCriterion): (flow: FlowRecord) => boolean {
  const beacon = engine.detector<BeaconDetector>('beacon');
  const seedPeer = engine.detector<SeedPeerDetector>('seed-peer');
  const wanted = criterion.c2Detectors !== undefined ? new Set(criterion.c2Detectors) : undefined;
  const c2Matches = (ip: string, port: number, proto: number): boolean => {
    const d = engine.c2(ip, port, proto);
    if (d === undefined || d.score < (criterion.c2MinScore ?? 0)) return false;
    return wanted === undefined || d.detectors.some((n) => wanted.has(n));
  };
  return (r) => {
    if (criterion.c2MinScore !== undefined && (c2Matches(r.dst, r.dstPort, r.proto) || c2Matches(r.src, r.srcPort, r.proto))) return true;
    if (criterion.beaconMinScore !== undefined && beacon !== undefined) {
      const s = beacon.pairScore(r.src, r.dst, r.dstPort, r.proto);
      if (s > 0 && s >= criterion.beaconMinScore) return true;
    }
    if (criterion.seeds === true && seedPeer !== undefined && (seedPeer.isSeed(r.src) || seedPeer.isSeed(r.dst))) return true;
    if (criterion.bots === true && (engine.isBot(r.src) || engine.isBot(r.dst))) return true;
    return false;
  };
}
