/**
 * The C&C detection set-up used by `sakimori detect` and the pipeline: which detectors run for a
 * method. 'sakimori' runs the Sakimori beacon scorer, seed-peer and fan-in; 'rita' runs the
 * RITA-method beacon baseline alone (RITA has no seed or fan-in analysis), for comparison.
 */
import { BeaconDetector, type BeaconDetectorOptions } from './beacon-detector.js';
import { DetectionEngine, type DetectionEngineOptions } from './detection-engine.js';
import type { Detector } from './detection.js';
import { FanInDetector, type FanInOptions } from './fan-in-detector.js';
import { RitaBeaconScorer, type RitaBeaconOptions } from './rita-beacon-scorer.js';
import { SakimoriBeaconScorer, type SakimoriBeaconOptions } from './sakimori-beacon-scorer.js';
import { SeedPeerDetector, type SeedPeerOptions } from './seed-peer-detector.js';

export type C2Method = 'sakimori' | 'rita';

export interface C2EngineOptions {
  method: C2Method;
  beacon?: Partial<Omit<BeaconDetectorOptions, 'scorer'>>;
  sakimoriBeacon?: Partial<SakimoriBeaconOptions>;
  ritaBeacon?: Partial<RitaBeaconOptions>;
  seedPeer?: Partial<SeedPeerOptions>;
  fanIn?: Partial<FanInOptions>;
  engine?: Partial<DetectionEngineOptions>;
}

/** RITA's analysis keeps every connection of the day; the baseline keeps more samples than ours. */
const RITA_SAMPLE_CAPACITY = 256;
/** Sakimori's beacon takes cross-host evidence (beacon-detector.ts supportScore); the RITA baseline scores pairs alone. */
const SAKIMORI_SUPPORT_SCORE = 0.3;

export function createC2Engine(options: C2EngineOptions): DetectionEngine {
  const detectors: Detector[] = [];
  if (options.method === 'rita') {
    detectors.push(new BeaconDetector({ capacity: RITA_SAMPLE_CAPACITY, windowMs: 24 * 3_600_000, ...options.beacon, scorer: new RitaBeaconScorer(options.ritaBeacon) }));
  } else {
    // One prevalence counter for all three: the beacon detector's pair table (observed first).
    const beacon = new BeaconDetector({ supportScore: SAKIMORI_SUPPORT_SCORE, ...options.beacon, scorer: new SakimoriBeaconScorer(options.sakimoriBeacon) });
    detectors.push(beacon);
    detectors.push(new SeedPeerDetector(options.seedPeer, beacon.prevalence));
    detectors.push(new FanInDetector(options.fanIn, beacon.prevalence));
  }
  return new DetectionEngine(detectors, options.engine);
}
