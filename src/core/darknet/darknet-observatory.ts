/**
 * The darknet sensor as one unit: the three darknet detectors side by side over the same traffic,
 * their detections merged per candidate (detectionKey), and counters of what arrived. Pure: the
 * caller feeds DetectionFlows (from captures or flow exports) and drives time with `advance`.
 */
import { detectionKey, type Detection, type DetectionFlow, type Detector } from '../detect/detection.js';
import { BackscatterDetector, type AddressLocator, type BackscatterSettings } from './backscatter-detector.js';
import { DarknetScanDetector, type DarknetScanSettings } from './darknet-scan-detector.js';
import type { DarknetPrefixes } from './darknet-prefixes.js';
import { classifyDarknetTraffic } from './darknet-traffic.js';
import { scoreOf } from './darknet-scan-detector.js';
import { MiraiFingerprintDetector, type MiraiFingerprintSettings } from './mirai-fingerprint-detector.js';

export interface DarknetObservatorySettings {
  scan?: Partial<DarknetScanSettings>;
  mirai?: Partial<MiraiFingerprintSettings>;
  backscatter?: Partial<BackscatterSettings>;
  locate?: AddressLocator;
}

export interface DarknetCounters {
  /** Flows (or packets) seen, and those addressed to the darknet by class. */
  flows: number;
  outsideDarknet: number;
  scan: number;
  backscatter: number;
  other: number;
}

export class DarknetObservatory {
  readonly darknet: DarknetPrefixes;
  readonly scan: DarknetScanDetector;
  readonly mirai: MiraiFingerprintDetector;
  readonly backscatter: BackscatterDetector;
  readonly counters: DarknetCounters = { flows: 0, outsideDarknet: 0, scan: 0, backscatter: 0, other: 0 };
  readonly #detectors: Detector[];

  constructor(darknet: DarknetPrefixes, settings: DarknetObservatorySettings = {}) {
    this.darknet = darknet;
    this.scan = new DarknetScanDetector(darknet, settings.scan);
    this.mirai = new MiraiFingerprintDetector(darknet, settings.mirai);
    this.backscatter = new BackscatterDetector(darknet, settings.backscatter, settings.locate);
    this.#detectors = [this.scan, this.mirai, this.backscatter];
  }

  observe(flow: DetectionFlow): void {
    this.counters.flows++;
    if (!this.darknet.contains(flow.record.dst)) {
      this.counters.outsideDarknet++;
      return;
    }
    this.counters[classifyDarknetTraffic(flow.record)]++;
    for (const d of this.#detectors) d.observe(flow);
  }

  /** Current detections of all three detectors, merged per candidate. */
  advance(now: number): Detection[] {
    return mergeDetections(this.advanceEach(now));
  }

  /** Current detections of each detector, unmerged (for callers that keep the latest per detector). */
  advanceEach(now: number): Detection[] {
    return this.#detectors.flatMap((d) => d.advance(now));
  }

  stateSize(): { entries: number; approxBytes: number } {
    let entries = 0;
    let approxBytes = 0;
    for (const d of this.#detectors) {
      const s = d.stateSize();
      entries += s.entries;
      approxBytes += s.approxBytes;
    }
    return { entries, approxBytes };
  }
}

/**
 * Merges detections of the same candidate (same detectionKey) from several detectors: detectors
 * and sub-scores united, the combined score a noisy-OR of the detectors' scores (independent
 * evidence: 1 − Π(1 − sᵢ)), times and counts widened, facts united (later detectors' facts win).
 */
export function mergeDetections(list: readonly Detection[]): Detection[] {
  const byKey = new Map<string, Detection>();
  for (const d of list) {
    const k = detectionKey(d);
    const m = byKey.get(k);
    if (!m) {
      byKey.set(k, { ...d, detectors: [...d.detectors], evidence: { ...d.evidence, scores: { ...d.evidence.scores }, ...(d.evidence.facts ? { facts: { ...d.evidence.facts } } : {}) } });
      continue;
    }
    for (const name of d.detectors) if (!m.detectors.includes(name)) m.detectors.push(name);
    Object.assign(m.evidence.scores, d.evidence.scores);
    m.score = scoreOf(1 - Object.values(m.evidence.scores).reduce((p, s) => p * (1 - (s ?? 0)), 1));
    m.family ??= d.family;
    if (m.country === 'unknown') m.country = d.country;
    if (m.as === 0) m.as = d.as;
    m.firstSeen = Math.min(m.firstSeen, d.firstSeen);
    m.lastSeen = Math.max(m.lastSeen, d.lastSeen);
    m.expiresAt = Math.max(m.expiresAt, d.expiresAt);
    m.evidence.flows = Math.max(m.evidence.flows, d.evidence.flows);
    m.evidence.peers = Math.max(m.evidence.peers, d.evidence.peers);
    if (d.evidence.facts) m.evidence.facts = { ...m.evidence.facts, ...d.evidence.facts };
  }
  return [...byKey.values()];
}
