/**
 * The detection engine: feeds every flow to its detectors, merges their detections by
 * detectionKey into candidates with a combined score, marks the internal hosts that talk to a
 * C&C candidate as bots, and drops candidates whose time-to-live has passed without new evidence.
 * Pure and clock-free like the detectors: time is flow time, given to `advance(now)`.
 *
 * Combined score (docs/reference/detection.md): noisy-OR of the detectors' scores,
 * 1 − Π(1 − s_d), so independent methods agreeing raise confidence and one detector alone gives
 * its own score. A bot's score is its strongest C&C's score × 0.9 (an infected host is inferred,
 * not observed). Only strong candidates (combined score ≥ `botMinScore`, 0.6) make bots: a weak
 * candidate is worth ranking for an analyst, but marking every host that talks to it as infected
 * multiplies one false C&C into hundreds of false bots.
 */
import { suspectedFamily } from './c2-family.js';
import { detectionKey, MAX_LISTED_BOTS, type Detection, type DetectionFlow, type Detector, type DetectorName } from './detection.js';

export interface DetectionEngineOptions {
  /** Candidates (and bots) expire this long after their last evidence unless a detector sets later. */
  ttlMs: number;
  /** Bound on C&C candidates and on bots; beyond it the lowest-scoring entry is dropped. */
  maxCandidates: number;
  maxBots: number;
  /** A C&C candidate marks the hosts talking to it as bots only from this combined score on. */
  botMinScore: number;
}

export const ENGINE_DEFAULTS: DetectionEngineOptions = Object.freeze({ ttlMs: 3_600_000, maxCandidates: 100_000, maxBots: 1_000_000, botMinScore: 0.6 });

const BOT_FACTOR = 0.9;

interface Candidate {
  detection: Detection;
  perDetector: Map<DetectorName, Detection>;
}

interface Bot {
  ip: string;
  country: string;
  as: number;
  /** C&C candidate keys it talks to (bounded). */
  c2: Set<string>;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  detection: Detection | undefined;
}

export class DetectionEngine {
  readonly detectors: readonly Detector[];
  readonly #o: DetectionEngineOptions;
  readonly #candidates = new Map<string, Candidate>();
  readonly #bots = new Map<string, Bot>();
  readonly #changedBots = new Set<Bot>();

  constructor(detectors: readonly Detector[], options: Partial<DetectionEngineOptions> = {}) {
    this.detectors = detectors;
    this.#o = { ...ENGINE_DEFAULTS, ...options };
  }

  detector<T extends Detector>(name: DetectorName): T | undefined {
    return this.detectors.find((d) => d.name === name) as T | undefined;
  }

  observe(flow: DetectionFlow): void {
    for (const d of this.detectors) d.observe(flow);
    if (this.#candidates.size === 0) return;
    const r = flow.record;
    // A host talking to a current C&C candidate is a bot: to its service port, or (one-way
    // export of the other direction) from it.
    const toC2 = this.#candidates.get(`c2|${r.dst}|${r.dstPort}|${r.proto}`);
    if (toC2 !== undefined) {
      if (flow.srcDomestic && toC2.detection.score >= this.#o.botMinScore) this.#botFlow(r.src, flow.srcCountry, flow.srcAs, toC2, r.start, r.end);
    } else if (flow.dstDomestic) {
      const fromC2 = this.#candidates.get(`c2|${r.src}|${r.srcPort}|${r.proto}`);
      if (fromC2 !== undefined && fromC2.detection.score >= this.#o.botMinScore) this.#botFlow(r.dst, flow.dstCountry, flow.dstAs, fromC2, r.start, r.end);
    }
  }

  /** Closes detector windows up to `now`; returns the candidates that are new or changed (C&Cs first, then bots). */
  advance(now: number): Detection[] {
    const changed = new Map<string, Candidate>();
    for (const det of this.detectors) {
      for (const d of det.advance(now)) {
        const key = detectionKey(d);
        let c = this.#candidates.get(key);
        if (c === undefined) {
          if (this.#candidates.size >= this.#o.maxCandidates) this.#dropWeakestCandidate();
          c = { detection: d, perDetector: new Map() };
          this.#candidates.set(key, c);
        }
        c.perDetector.set(det.name, d);
        changed.set(key, c);
      }
    }
    for (const [key, c] of changed) {
      c.detection = this.#merge(c);
      if (c.detection.score >= this.#o.botMinScore) for (const b of c.detection.bots ?? []) this.#botListed(b, key, c);
    }
    this.#expire(now);
    const out: Detection[] = [];
    for (const [key, c] of changed) if (this.#candidates.get(key) === c) out.push(c.detection);
    for (const b of this.#changedBots) {
      if (this.#bots.get(b.ip) !== b) continue;
      b.detection = this.#botDetection(b);
      // A bot whose C&Cs have all fallen below botMinScore is not reported again until one is strong.
      if (b.detection.score > 0) out.push(b.detection);
    }
    this.#changedBots.clear();
    return out;
  }

  /** All current candidates, C&Cs and bots, ranked by score (highest first). */
  current(): Detection[] {
    const out: Detection[] = [];
    for (const c of this.#candidates.values()) out.push(c.detection);
    for (const b of this.#bots.values()) {
      b.detection = this.#botDetection(b);
      if (b.detection.score > 0) out.push(b.detection);
    }
    return out.sort((a, b) => b.score - a.score || a.kind.localeCompare(b.kind) || a.ip.localeCompare(b.ip) || a.port - b.port);
  }

  /** The current C&C candidate at ip:port/proto, if any. */
  c2(ip: string, port: number, proto: number): Detection | undefined {
    return this.#candidates.get(`c2|${ip}|${port}|${proto}`)?.detection;
  }

  /** The current bot detection of an address, if any. */
  bot(ip: string): Detection | undefined {
    const b = this.#bots.get(ip);
    if (b === undefined) return undefined;
    b.detection = this.#botDetection(b);
    return b.detection;
  }

  /** Whether the address is a current bot (talks to a current C&C candidate). */
  isBot(ip: string): boolean {
    return this.#bots.has(ip);
  }

  /** Keys `ip|port|proto` of current C&C candidates with at least `minScore`. */
  c2Endpoints(minScore = 0): Set<string> {
    const out = new Set<string>();
    for (const c of this.#candidates.values()) if (c.detection.score >= minScore) out.add(`${c.detection.ip}|${c.detection.port}|${c.detection.proto}`);
    return out;
  }

  stateSize(): { entries: number; approxBytes: number } {
    let entries = this.#candidates.size + this.#bots.size;
    let approxBytes = this.#candidates.size * 1500 + this.#bots.size * 400;
    for (const d of this.detectors) {
      const s = d.stateSize();
      entries += s.entries;
      approxBytes += s.approxBytes;
    }
    return { entries, approxBytes };
  }

  #merge(c: Candidate): Detection {
    const parts = [...c.perDetector.values()];
    const first = parts[0];
    let miss = 1;
    const detectors: DetectorName[] = [];
    const scores: Partial<Record<DetectorName, number>> = {};
    const facts: Record<string, number | string | boolean> = {};
    let flows = 0;
    let peers = 0;
    let seedPeers: number | undefined;
    let firstSeen = Number.POSITIVE_INFINITY;
    let lastSeen = 0;
    let expiresAt = 0;
    const bots = new Set<string>();
    for (const [name, d] of c.perDetector) {
      miss *= 1 - d.score;
      detectors.push(name);
      scores[name] = d.score;
      for (const [k, v] of Object.entries(d.evidence.facts ?? {})) facts[`${name}.${k}`] = v;
      // Detectors count the same flows their own way: the largest count is the evidence.
      flows = Math.max(flows, d.evidence.flows);
      peers = Math.max(peers, d.evidence.peers);
      if (d.evidence.seedPeers !== undefined) seedPeers = Math.max(seedPeers ?? 0, d.evidence.seedPeers);
      firstSeen = Math.min(firstSeen, d.firstSeen);
      lastSeen = Math.max(lastSeen, d.lastSeen);
      expiresAt = Math.max(expiresAt, d.expiresAt, d.lastSeen + this.#o.ttlMs);
      for (const b of d.bots ?? []) if (bots.size < MAX_LISTED_BOTS) bots.add(b);
    }
    detectors.sort();
    const family = first.kind === 'c2' ? suspectedFamily(first.proto, first.port) : undefined;
    const country = parts.find((d) => d.country !== 'unknown')?.country ?? first.country;
    const as = parts.find((d) => d.as !== 0)?.as ?? 0;
    return {
      kind: first.kind,
      ip: first.ip,
      port: first.port,
      proto: first.proto,
      score: Math.round((1 - miss) * 1000) / 1000,
      detectors,
      ...(family !== undefined ? { family } : {}),
      country,
      as,
      firstSeen,
      lastSeen,
      expiresAt,
      evidence: { flows, peers, ...(seedPeers !== undefined ? { seedPeers } : {}), scores, facts },
      bots: [...bots],
    };
  }

  #bot(ip: string): Bot {
    let b = this.#bots.get(ip);
    if (b === undefined) {
      if (this.#bots.size >= this.#o.maxBots) {
        const oldest = this.#bots.keys().next();
        if (!oldest.done) this.#bots.delete(oldest.value);
      }
      b = { ip, country: 'unknown', as: 0, c2: new Set(), flows: 0, firstSeen: Number.POSITIVE_INFINITY, lastSeen: 0, detection: undefined };
      this.#bots.set(ip, b);
    }
    return b;
  }

  #botListed(ip: string, key: string, c: Candidate): void {
    const b = this.#bot(ip);
    if (b.c2.size < 16) b.c2.add(key);
    b.firstSeen = Math.min(b.firstSeen, c.detection.firstSeen);
    b.lastSeen = Math.max(b.lastSeen, c.detection.lastSeen);
    this.#changedBots.add(b);
  }

  #botFlow(ip: string, country: string, as: number, c: Candidate, start: number, end: number): void {
    const b = this.#bot(ip);
    if (b.c2.size < 16) b.c2.add(detectionKey(c.detection));
    b.country = country;
    b.as = as;
    b.flows++;
    b.firstSeen = Math.min(b.firstSeen, start);
    b.lastSeen = Math.max(b.lastSeen, end);
    this.#changedBots.add(b);
  }

  #botDetection(b: Bot): Detection {
    let best = 0;
    const detectors = new Set<DetectorName>();
    for (const key of b.c2) {
      const c = this.#candidates.get(key);
      if (c === undefined || c.detection.score < this.#o.botMinScore) continue;
      best = Math.max(best, c.detection.score);
      for (const d of c.detection.detectors) detectors.add(d);
    }
    return {
      kind: 'bot',
      ip: b.ip,
      port: 0,
      proto: 0,
      score: Math.round(best * BOT_FACTOR * 1000) / 1000,
      detectors: [...detectors].sort(),
      country: b.country,
      as: b.as,
      firstSeen: b.firstSeen,
      lastSeen: b.lastSeen,
      expiresAt: b.lastSeen + this.#o.ttlMs,
      evidence: { flows: b.flows, peers: b.c2.size, scores: {}, facts: { c2: [...b.c2].slice(0, 4).join(' ') } },
    };
  }

  /**
   * Drops what no detector has refreshed within its time-to-live: stale detector parts of a
   * candidate, candidates with no part left, and bots with no current C&C. O(candidates) per
   * call, plus O(bots) when a candidate went.
   */
  #expire(now: number): void {
    let deleted = false;
    for (const [key, c] of this.#candidates) {
      let dropped = false;
      for (const [name, d] of c.perDetector) {
        if (Math.max(d.expiresAt, d.lastSeen + this.#o.ttlMs) < now) {
          c.perDetector.delete(name);
          dropped = true;
        }
      }
      if (c.perDetector.size === 0) {
        this.#candidates.delete(key);
        deleted = true;
      } else if (dropped) c.detection = this.#merge(c);
    }
    if (!deleted) return;
    for (const [ip, b] of this.#bots) {
      for (const key of b.c2) if (!this.#candidates.has(key)) b.c2.delete(key);
      if (b.c2.size === 0) this.#bots.delete(ip);
    }
  }

  #dropWeakestCandidate(): void {
    let weakest: string | undefined;
    let low = Number.POSITIVE_INFINITY;
    for (const [key, c] of this.#candidates) {
      if (c.detection.score < low) {
        low = c.detection.score;
        weakest = key;
      }
    }
    if (weakest !== undefined) this.#candidates.delete(weakest);
  }
}
