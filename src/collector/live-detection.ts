/**
 * Live detection inside the decode worker: builds the detection stage from the configuration
 * (C&C engine; darknet sensor and DDoS detector when their prefixes are set; seed files) and
 * decides what may leave the worker. In the cyber-office role the stage only ever sees selected
 * flows, and detections naming a domestic address (a person's device, Act Art. 22) are kept
 * inside: only foreign C&C servers, foreign scanners and DDoS victims among critical assets leave.
 */
import type { SakimoriConfig } from '../config/config-schema.js';
import type { FlowClassifier } from '../core/classify/flow-direction.js';
import { DarknetObservatory } from '../core/darknet/darknet-observatory.js';
import { DarknetPrefixes } from '../core/darknet/darknet-prefixes.js';
import { createC2Engine } from '../core/detect/c2-engine.js';
import type { DetectionEngine } from '../core/detect/detection-engine.js';
import type { Detection } from '../core/detect/detection.js';
import type { SeedPeerDetector } from '../core/detect/seed-peer-detector.js';
import { DdosVolumeDetector } from '../core/ddos/ddos-volume-detector.js';
import { darknetSettings } from '../detect/darknet-settings.js';
import { readSeedFiles } from '../detect/seed-files.js';
import { DetectionStage } from '../pipeline/detection-stage.js';

export type DetectionSettings = SakimoriConfig['detections'];

export interface LiveDetectionOptions {
  settings: DetectionSettings;
  role: 'carrier' | 'cyber-office';
  classifier: FlowClassifier;
  domesticCountries: readonly string[];
  /** Receives what may leave the worker. */
  emit(detections: Detection[]): void;
}

export function createLiveDetection(o: LiveDetectionOptions): { stage: DetectionStage; seeds: number } {
  const s = o.settings;
  const { engine, seeds } = seededC2Engine(s.seedFiles);
  const locate = (ip: string) => {
    const c = o.classifier.classifyAddress(ip);
    return { country: c.country, as: c.as };
  };
  const darknet = s.darknetPrefixes.length > 0 ? new DarknetObservatory(DarknetPrefixes.parse(s.darknetPrefixes), { ...darknetSettings(s.darknet), locate }) : undefined;
  const ddos = s.criticalAssets.length > 0 ? new DdosVolumeDetector({ ...s.ddos, assets: [...s.criticalAssets] }) : undefined;
  const domestic = new Set(o.domesticCountries);
  const stage = new DetectionStage({
    classifier: o.classifier,
    engine,
    ...(darknet ? { darknet } : {}),
    ...(ddos ? { ddos } : {}),
    stepMs: s.stepSeconds * 1000,
    onDetections: (ds) => {
      const out = o.role === 'carrier' ? ds : ds.filter((d) => d.kind === 'ddos-victim' || !domestic.has(d.country));
      if (out.length > 0) o.emit(out.map(withoutBotList(o.role)));
    },
  });
  return { stage, seeds };
}

/** The Sakimori-method C&C engine with the seed files loaded; a bad file throws its coded error. */
export function seededC2Engine(seedFiles: readonly string[]): { engine: DetectionEngine; seeds: number } {
  const engine = createC2Engine({ method: 'sakimori' });
  const seeds = engine.detector<SeedPeerDetector>('seed-peer')?.addSeedEntries(readSeedFiles(seedFiles)) ?? 0;
  return { engine, seeds };
}

/** In the cyber-office role a C&C's evidence must not name the domestic hosts that talk to it. */
function withoutBotList(role: 'carrier' | 'cyber-office'): (d: Detection) => Detection {
  if (role === 'carrier') return (d) => d;
  return (d) => {
    if (d.bots === undefined) return d;
    const { bots, ...rest } = d;
    return { ...rest, evidence: { ...rest.evidence, facts: { ...rest.evidence.facts, botsListed: bots.length } } };
  };
}
