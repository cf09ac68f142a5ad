/**
 * A labelled botnet for `serve --demo`: the traffic generator's smallest scenario (bots beaconing
 * with jitter to churning foreign C&C servers, benign periodic traps, scanners of a darknet
 * prefix, DDoS), ending at start-up time, so the live detectors have something real to find in
 * the demo stream. Addresses come from the installed ip-location-db data (real JP and foreign
 * ranges, as the classifier sees them); the traffic goes to the collector's own loopback listener
 * only. It is replayed once, not looped: repeated flow times would be stale to the detectors.
 */
import type { FlowRecord } from '../core/flow/flow-record.js';
import { installedAddressData } from '../eval/generate-labelled.js';
import { sessionsToFlowRecords } from '../eval/labelled-capture.js';
import { generateScenario, SCALES } from '../eval/traffic-scenario.js';

export interface DemoBotnet {
  /** Flow records in time order, ending about now. */
  records: FlowRecord[];
  /** The scenario's darknet prefixes (live detection watches them in the demo). */
  darknetPrefixes: string[];
  /** What the scenario planted, for the log line: counts only. */
  planted: { c2: number; bots: number; scanners: number };
}

export function demoBotnet(now: number, seed = 1): DemoBotnet {
  const scale = SCALES.tiny;
  const { geo, cloudAs } = installedAddressData();
  const scenario = generateScenario({ seed, scale, startMs: now - scale.durationSec * 1000 - 60_000, geo, cloudAs });
  const records = sessionsToFlowRecords(scenario.sessions, new Set(scenario.labels.hosts)).sort((a, b) => a.end - b.end);
  const l = scenario.labels;
  return { records, darknetPrefixes: [...l.darknetPrefixes], planted: { c2: l.c2.length, bots: l.bots.length, scanners: l.scanners.length } };
}
