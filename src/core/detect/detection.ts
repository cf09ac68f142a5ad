/**
 * The shared contract of every detector (C&C seed/beacon/fan-in, darknet scanners, backscatter,
 * DDoS): what goes in (flows with their classification) and what comes out (candidates with
 * evidence). Detectors are pure and clock-free: time comes from the records and from `advance(now)`.
 * Seed 004 (MIC programme): detection must be fast, automatic and driven by seed information.
 */
import type { FlowClassification } from '../classify/flow-direction.js';
import type { FlowRecord } from '../flow/flow-record.js';

/** What a detection says an address is. */
export type DetectionKind =
  /** A command-and-control server (C&C サーバ). */
  | 'c2'
  /** An infected host talking to a C&C or scanning (ボット / 感染端末). */
  | 'bot'
  /** A source scanning the darknet or many destinations (スキャナ). */
  | 'scanner'
  /** A destination under a volumetric attack, seen directly or as darknet backscatter. */
  | 'ddos-victim';

/** Names of the detectors, as they appear in `Detection.detectors`. */
export type DetectorName = 'seed-peer' | 'beacon' | 'fan-in' | 'darknet-scan' | 'mirai-fingerprint' | 'backscatter' | 'ddos-volume';

/** One flow as detectors see it: the record plus the classifier's view of both ends. */
export interface DetectionFlow {
  record: FlowRecord;
  /** ISO 3166-1 alpha-2, 'special' or 'unknown'. */
  srcCountry: string;
  dstCountry: string;
  srcDomestic: boolean;
  dstDomestic: boolean;
  /** Origin AS (record's when exported, else from the data); 0 when unknown. */
  srcAs: number;
  dstAs: number;
  /** Present only when the "flow" is one captured packet (darknet captures): header facts no flow export carries. */
  packet?: PacketFacts;
}

/** Transport-header facts of one captured packet (src/core/darknet/darknet-packet.ts). */
export interface PacketFacts {
  /** TCP sequence number (unsigned 32-bit); -1 when not TCP or not captured. */
  tcpSeq: number;
  /**
   * ICMP/ICMPv6 errors: the destination of the quoted offending packet (RFC 792, RFC 4443 §2.4),
   * i.e. the host the darknet address seemingly sent to; undefined when not an error or not captured.
   */
  quotedDst?: string;
}

/** Evidence behind a detection: counts and short facts, never communications content. */
export interface DetectionEvidence {
  /** Flows that contributed. */
  flows: number;
  /** Distinct peers (bots for a C&C, destinations for a scanner, sources for a victim). */
  peers: number;
  /** Of those peers, how many were on a seed list. */
  seedPeers?: number;
  /** Per-detector sub-scores in [0, 1], e.g. { beacon: 0.91, 'fan-in': 0.6 }. */
  scores: Partial<Record<DetectorName, number>>;
  /** Free-form, detector-specific numbers (interval median in s, packets/s, ports seen …). */
  facts?: Record<string, number | string | boolean>;
}

export interface Detection {
  kind: DetectionKind;
  /** The address the detection is about (textual, RFC 5952 for IPv6). */
  ip: string;
  /** Service port for a C&C (0 when not port-specific). */
  port: number;
  /** IP protocol number; 0 when not protocol-specific. */
  proto: number;
  /** Combined confidence in [0, 1]; candidates are ranked by it. */
  score: number;
  detectors: DetectorName[];
  /** Suspected family from port/behaviour ('mirai', 'gafgyt', …) when there is a basis for it. */
  family?: string;
  country: string;
  as: number;
  /** First and last flow time that contributed, ms since the Unix epoch. */
  firstSeen: number;
  lastSeen: number;
  /** After this time (ms) the candidate is dropped unless refreshed by new evidence. */
  expiresAt: number;
  evidence: DetectionEvidence;
  /**
   * For a C&C candidate: internal hosts seen talking to it that way (a bounded sample, at most
   * MAX_LISTED_BOTS); the engine turns them into 'bot' detections.
   */
  bots?: string[];
}

/** Bound on `Detection.bots`. */
export const MAX_LISTED_BOTS = 64;

/**
 * A streaming detector. `observe` must be O(1) amortised and allocation-light; state is bounded
 * (each detector documents its bound and evicts). `advance(now)` closes windows up to `now` and
 * returns the detections that are current (new or refreshed); expired ones are dropped.
 */
export interface Detector {
  readonly name: DetectorName;
  observe(flow: DetectionFlow): void;
  advance(now: number): Detection[];
  /** Approximate live state, for the ≤ 1 GiB at 1M active pairs goal. */
  stateSize(): { entries: number; approxBytes: number };
}

/** Stable identity of a candidate, used to merge detections from several detectors. */
export function detectionKey(d: Pick<Detection, 'kind' | 'ip' | 'port' | 'proto'>): string {
  return `${d.kind}|${d.ip}|${d.port}|${d.proto}`;
}

/** The detectors' view of a record from the classifier's (one place decides what "domestic" means here). */
export function detectionFlow(record: FlowRecord, c: FlowClassification, packet?: PacketFacts): DetectionFlow {
  const flow: DetectionFlow = {
    record,
    srcCountry: c.srcCountry,
    dstCountry: c.dstCountry,
    srcDomestic: c.direction.startsWith('domestic-'),
    dstDomestic: c.direction.endsWith('-domestic'),
    srcAs: c.srcAs,
    dstAs: c.dstAs,
  };
  if (packet) flow.packet = packet;
  return flow;
}
