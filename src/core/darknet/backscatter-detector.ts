/**
 * 'backscatter': a spoofed-source DDoS seen from the darknet. An attacker flooding a victim with
 * forged random source addresses makes the victim answer (SYN-ACK, RST, ICMP echo reply) or
 * routers on the way report (ICMP unreachable, time exceeded) to those forged addresses; the
 * share that falls into the darknet arrives here. The victim is the answering source, or for an
 * ICMP error quoting the offending packet (packet captures only), that packet's destination.
 *
 * Attack-rate estimate (Moore et al., USENIX Security 2001, §3): if the attacker draws spoofed
 * sources uniformly over the IPv4 space, each answer lands in the darknet with probability
 * p = darknet IPv4 addresses / 2^32, so the victim's answer rate — a lower bound of the attack
 * rate it receives — is the observed rate / p. A /16 darknet sees 1 in 65 536. Not estimated for
 * IPv6 victims (no uniform spoofing over 2^128 reaches a darknet).
 *
 * State bound: at most `maxVictims` victims (least recently seen evicted first), ≤ ~1.4 KiB each.
 */
import type { Detection, DetectionFlow, Detector } from '../detect/detection.js';
import type { DarknetPrefixes } from './darknet-prefixes.js';
import { backscatterKind, classifyDarknetTraffic } from './darknet-traffic.js';
import { round3, scoreOf } from './darknet-scan-detector.js';
import { DistinctCounter, hashText } from './distinct-counter.js';
import { SourceTable } from './source-table.js';

export interface BackscatterSettings {
  /** Backscatter packets needed for a victim. */
  minPackets: number;
  /** Distinct darknet addresses they must reach: one address answered many times is a conversation, not spoofing. */
  minAddresses: number;
  maxVictims: number;
  idleMs: number;
}

export const DEFAULT_BACKSCATTER_SETTINGS: Readonly<BackscatterSettings> = Object.freeze({ minPackets: 10, minAddresses: 4, maxVictims: 100_000, idleMs: 900_000 });

/** Country and origin AS of an address (the classifier's), for victims that are not the packet's source. */
export type AddressLocator = (ip: string) => { country: string; as: number };

interface VictimProfile {
  ip: string;
  ipVersion: number;
  firstSeen: number;
  lastSeen: number;
  flows: number;
  packets: number;
  addresses: DistinctCounter;
  kinds: Map<string, number>;
  ports: Map<number, number>;
  country: string;
  as: number;
}

export class BackscatterDetector implements Detector {
  readonly name = 'backscatter' as const;
  readonly settings: BackscatterSettings;
  readonly #darknet: DarknetPrefixes;
  readonly #locate: AddressLocator | undefined;
  readonly #table: SourceTable<VictimProfile>;
  readonly #dirty = new Set<VictimProfile>();

  constructor(darknet: DarknetPrefixes, settings: Partial<BackscatterSettings> = {}, locate?: AddressLocator) {
    this.#darknet = darknet;
    this.settings = { ...DEFAULT_BACKSCATTER_SETTINGS, ...settings };
    this.#locate = locate;
    this.#table = new SourceTable(this.settings.maxVictims);
  }

  observe(flow: DetectionFlow): void {
    const r = flow.record;
    if (!this.#darknet.contains(r.dst) || classifyDarknetTraffic(r) !== 'backscatter') return;
    const quoted = flow.packet?.quotedDst;
    const victim = quoted !== undefined && !this.#darknet.contains(quoted) ? quoted : r.src;
    const p = this.#table.touch(victim, () => {
      const where = victim === r.src ? { country: flow.srcCountry, as: flow.srcAs } : (this.#locate?.(victim) ?? { country: 'unknown', as: 0 });
      return { ip: victim, ipVersion: r.ipVersion, firstSeen: r.start, lastSeen: r.end, flows: 0, packets: 0, addresses: new DistinctCounter(), kinds: new Map(), ports: new Map(), country: where.country, as: where.as };
    });
    if (r.start < p.firstSeen) p.firstSeen = r.start;
    if (r.end > p.lastSeen) p.lastSeen = r.end;
    p.flows++;
    p.packets += r.packets;
    p.addresses.add(hashText(r.dst));
    const kind = backscatterKind(r);
    p.kinds.set(kind, (p.kinds.get(kind) ?? 0) + r.packets);
    // The victim's answering port is the attacked service (TCP); ICMP has none.
    if (r.proto === 6 && (p.ports.has(r.srcPort) || p.ports.size < 16)) p.ports.set(r.srcPort, (p.ports.get(r.srcPort) ?? 0) + r.packets);
    this.#dirty.add(p);
  }

  advance(now: number): Detection[] {
    const idle = this.settings.idleMs;
    this.#table.dropStale((p) => p.lastSeen + idle <= now);
    const out: Detection[] = [];
    for (const p of this.#dirty) {
      if (this.#table.get(p.ip) !== p || p.lastSeen + idle <= now) continue;
      const addresses = p.addresses.estimate();
      if (p.packets < this.settings.minPackets || addresses < this.settings.minAddresses) continue;
      out.push(this.#detection(p, addresses));
    }
    this.#dirty.clear();
    return out;
  }

  #detection(p: VictimProfile, addresses: number): Detection {
    const spanS = Math.max(1, (p.lastSeen - p.firstSeen) / 1000);
    const observedPps = p.packets / spanS;
    const fraction = this.#darknet.ipv4Fraction;
    const score = scoreOf(1 - Math.exp(-addresses / (2 * this.settings.minAddresses)));
    const topPort = [...p.ports].sort((a, b) => b[1] - a[1])[0]?.[0];
    const facts: Record<string, number | string | boolean> = {
      backscatterPackets: p.packets,
      observedPacketsPerSecond: round3(observedPps),
      darknetAddresses: addresses,
      kinds: [...p.kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}:${n}`).join(','),
    };
    if (topPort !== undefined) facts.attackedPort = topPort;
    if (p.ipVersion === 4 && fraction > 0) {
      facts.darknetFraction = fraction;
      facts.estimatedAttackPacketsPerSecond = Math.round(observedPps / fraction);
    }
    return {
      kind: 'ddos-victim',
      ip: p.ip,
      port: 0,
      proto: 0,
      score,
      detectors: ['backscatter'],
      country: p.country,
      as: p.as,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      expiresAt: p.lastSeen + this.settings.idleMs,
      evidence: { flows: p.flows, peers: addresses, scores: { backscatter: score }, facts },
    };
  }

  stateSize(): { entries: number; approxBytes: number } {
    let bytes = 0;
    for (const p of this.#table.values()) bytes += 240 + p.addresses.approxBytes() + 40 * (p.ports.size + p.kinds.size);
    return { entries: this.#table.size, approxBytes: bytes };
  }
}
