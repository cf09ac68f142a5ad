/**
 * 'mirai-fingerprint': Mirai's scanner (and the many forks built on its source) writes the target
 * address into the TCP sequence number of every SYN it sends (scanner.c: `tcph->seq = iph->daddr`),
 * so for a Mirai SYN, seq == destination IPv4 address as a 32-bit number. A random sequence number
 * matches by chance with probability 2^-32 per packet: two matching SYNs from one source are proof.
 *
 * Only packet captures carry the sequence number (DetectionFlow.packet.tcpSeq); flow exports
 * (NetFlow, IPFIX, sFlow records) do not, so flows never trigger this detector.
 *
 * State bound: at most `maxSources` sources (least recently seen evicted first), ~100 bytes each.
 */
import type { Detection, DetectionFlow, Detector } from '../detect/detection.js';
import { parseIPv4 } from '../net/ip-text.js';
import type { DarknetPrefixes } from './darknet-prefixes.js';
import { round3 } from './darknet-scan-detector.js';
import { SourceTable } from './source-table.js';

export interface MiraiFingerprintSettings {
  /** Fingerprinted SYNs needed from one source. */
  minPackets: number;
  maxSources: number;
  idleMs: number;
}

export const DEFAULT_MIRAI_SETTINGS: Readonly<MiraiFingerprintSettings> = Object.freeze({ minPackets: 2, maxSources: 100_000, idleMs: 3_600_000 });

interface MiraiProfile {
  ip: string;
  firstSeen: number;
  lastSeen: number;
  syns: number;
  fingerprinted: number;
  ports: Set<number>;
  country: string;
  as: number;
  domestic: boolean;
}

/** SYN without ACK (TCP flags, RFC 9293 §3.1). */
const isSyn = (flags: number) => (flags & 0x12) === 0x02;

export class MiraiFingerprintDetector implements Detector {
  readonly name = 'mirai-fingerprint' as const;
  readonly settings: MiraiFingerprintSettings;
  readonly #darknet: DarknetPrefixes;
  readonly #table: SourceTable<MiraiProfile>;
  readonly #dirty = new Set<MiraiProfile>();

  constructor(darknet: DarknetPrefixes, settings: Partial<MiraiFingerprintSettings> = {}) {
    this.#darknet = darknet;
    this.settings = { ...DEFAULT_MIRAI_SETTINGS, ...settings };
    this.#table = new SourceTable(this.settings.maxSources);
  }

  observe(flow: DetectionFlow): void {
    const r = flow.record;
    const seq = flow.packet?.tcpSeq ?? -1;
    if (seq < 0 || r.proto !== 6 || r.ipVersion !== 4 || !isSyn(r.tcpFlags) || !this.#darknet.contains(r.dst)) return;
    const match = seq === parseIPv4(r.dst);
    const existing = this.#table.get(r.src);
    // Only sources that have shown the fingerprint take a slot: plain scanners do not evict Mirai bots.
    if (!match && existing === undefined) return;
    const p = this.#table.touch(r.src, () => ({ ip: r.src, firstSeen: r.start, lastSeen: r.end, syns: 0, fingerprinted: 0, ports: new Set(), country: flow.srcCountry, as: flow.srcAs, domestic: flow.srcDomestic }));
    if (r.start < p.firstSeen) p.firstSeen = r.start;
    if (r.end > p.lastSeen) p.lastSeen = r.end;
    p.syns++;
    if (match) {
      p.fingerprinted++;
      if (p.ports.size < 16) p.ports.add(r.dstPort);
      this.#dirty.add(p);
    }
  }

  advance(now: number): Detection[] {
    const idle = this.settings.idleMs;
    this.#table.dropStale((p) => p.lastSeen + idle <= now);
    const out: Detection[] = [];
    for (const p of this.#dirty) {
      if (this.#table.get(p.ip) !== p || p.fingerprinted < this.settings.minPackets || p.lastSeen + idle <= now) continue;
      // Chance of k random matches is 2^-32k; the score saturates fast and stays below 1 for one packet.
      const score = p.fingerprinted >= 3 ? 0.99 : p.fingerprinted === 2 ? 0.95 : 0.8;
      out.push({
        kind: 'scanner',
        ip: p.ip,
        port: 0,
        proto: 0,
        score,
        detectors: ['mirai-fingerprint'],
        family: 'mirai',
        country: p.country,
        as: p.as,
        firstSeen: p.firstSeen,
        lastSeen: p.lastSeen,
        expiresAt: p.lastSeen + idle,
        evidence: {
          flows: p.syns,
          peers: p.fingerprinted,
          scores: { 'mirai-fingerprint': score },
          facts: {
            fingerprintedSyns: p.fingerprinted,
            synsSinceFirstMatch: p.syns,
            matchRatio: round3(p.fingerprinted / p.syns),
            ports: [...p.ports].sort((a, b) => a - b).join(','),
            domestic: p.domestic,
          },
        },
      });
    }
    this.#dirty.clear();
    return out;
  }

  stateSize(): { entries: number; approxBytes: number } {
    return { entries: this.#table.size, approxBytes: this.#table.size * 160 };
  }
}
