/**
 * 'darknet-scan': per-source profiles of probes arriving at the darknet (スキャナ). A source that
 * probes several unused addresses is scanning: nothing there was ever announced to it. Domestic
 * scanners are mostly infected IoT devices (NICTER, seed 004): they feed the darknet seed list
 * and the NOTICE-style notification lists (darknet-seeds.ts, notification-list.ts).
 *
 * State bound: at most `maxSources` profiles (least recently seen evicted first), each a few
 * hundred bytes, growing to ~1.7 KiB for a source that hit more than 32 darknet addresses
 * (measured: 166 MiB for 100 000 such sources, bench/darknet-bench.ts).
 */
import type { Detection, DetectionFlow, Detector } from '../detect/detection.js';
import type { DarknetPrefixes } from './darknet-prefixes.js';
import { classifyDarknetTraffic } from './darknet-traffic.js';
import { DistinctCounter, hashText } from './distinct-counter.js';
import { SourceTable } from './source-table.js';

export interface DarknetScanSettings {
  /** Distinct darknet addresses a source must probe to count as a scanner. */
  minAddresses: number;
  /** Profiles kept at most. */
  maxSources: number;
  /** A profile not refreshed for this long is dropped; a detection expires this long after its last packet. */
  idleMs: number;
}

export const DEFAULT_DARKNET_SCAN_SETTINGS: Readonly<DarknetScanSettings> = Object.freeze({ minAddresses: 8, maxSources: 100_000, idleMs: 3_600_000 });

/** Ports remembered per source; further ports are counted, not named. */
const MAX_PORTS = 16;

interface ScanProfile {
  ip: string;
  firstSeen: number;
  lastSeen: number;
  flows: number;
  packets: number;
  addresses: DistinctCounter;
  ports: Map<number, number>;
  otherPorts: number;
  protocols: number;
  country: string;
  as: number;
  domestic: boolean;
}

const PROTO_BITS: Record<number, number> = { 6: 1, 17: 2, 1: 4, 58: 4 };

export class DarknetScanDetector implements Detector {
  readonly name = 'darknet-scan' as const;
  readonly settings: DarknetScanSettings;
  readonly #darknet: DarknetPrefixes;
  readonly #table: SourceTable<ScanProfile>;
  readonly #dirty = new Set<ScanProfile>();

  constructor(darknet: DarknetPrefixes, settings: Partial<DarknetScanSettings> = {}) {
    this.#darknet = darknet;
    this.settings = { ...DEFAULT_DARKNET_SCAN_SETTINGS, ...settings };
    this.#table = new SourceTable(this.settings.maxSources);
  }

  get evicted(): number {
    return this.#table.evicted;
  }

  observe(flow: DetectionFlow): void {
    const r = flow.record;
    if (!this.#darknet.contains(r.dst) || classifyDarknetTraffic(r) !== 'scan') return;
    const p = this.#table.touch(r.src, () => ({
      ip: r.src,
      firstSeen: r.start,
      lastSeen: r.end,
      flows: 0,
      packets: 0,
      addresses: new DistinctCounter(),
      ports: new Map(),
      otherPorts: 0,
      protocols: 0,
      country: flow.srcCountry,
      as: flow.srcAs,
      domestic: flow.srcDomestic,
    }));
    if (r.start < p.firstSeen) p.firstSeen = r.start;
    if (r.end > p.lastSeen) p.lastSeen = r.end;
    p.flows++;
    p.packets += r.packets;
    p.addresses.add(hashText(r.dst));
    p.protocols |= PROTO_BITS[r.proto] ?? 8;
    // Key proto × 65536 + port (ICMP: no port); formatted only when a detection is built.
    const port = r.proto === 6 || r.proto === 17 ? r.proto * 65536 + r.dstPort : r.proto === 58 ? 65536 : r.proto * 65536;
    const n = p.ports.get(port);
    if (n !== undefined) p.ports.set(port, n + r.packets);
    else if (p.ports.size < MAX_PORTS) p.ports.set(port, r.packets);
    else p.otherPorts += r.packets;
    this.#dirty.add(p);
  }

  advance(now: number): Detection[] {
    const idle = this.settings.idleMs;
    this.#table.dropStale((p) => p.lastSeen + idle <= now);
    const out: Detection[] = [];
    for (const p of this.#dirty) {
      if (this.#table.get(p.ip) !== p || p.lastSeen + idle <= now) continue;
      const addresses = p.addresses.estimate();
      if (addresses < this.settings.minAddresses) continue;
      out.push(this.#detection(p, addresses));
    }
    this.#dirty.clear();
    return out;
  }

  #detection(p: ScanProfile, addresses: number): Detection {
    const spanS = Math.max(1, (p.lastSeen - p.firstSeen) / 1000);
    // 0.63 at the threshold, → 1 as the source probes more of the darknet.
    const score = scoreOf(1 - Math.exp(-addresses / this.settings.minAddresses));
    const top = [...p.ports].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => portName(k));
    return {
      kind: 'scanner',
      ip: p.ip,
      port: 0,
      proto: 0,
      score,
      detectors: ['darknet-scan'],
      country: p.country,
      as: p.as,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      expiresAt: p.lastSeen + this.settings.idleMs,
      evidence: {
        flows: p.flows,
        peers: addresses,
        scores: { 'darknet-scan': score },
        facts: {
          packets: p.packets,
          packetsPerSecond: round3(p.packets / spanS),
          darknetAddresses: addresses,
          topPorts: top.join(','),
          distinctPorts: p.ports.size + (p.otherPorts > 0 ? 1 : 0),
          protocols: protocolNames(p.protocols),
          domestic: p.domestic,
        },
      },
    };
  }

  stateSize(): { entries: number; approxBytes: number } {
    let bytes = 0;
    for (const p of this.#table.values()) bytes += 400 + p.addresses.approxBytes() + 48 * p.ports.size;
    return { entries: this.#table.size, approxBytes: bytes };
  }
}

function portName(key: number): string {
  const proto = Math.floor(key / 65536);
  const port = key % 65536;
  return proto === 6 ? `tcp/${port}` : proto === 17 ? `udp/${port}` : proto === 1 ? 'icmp' : `proto/${proto}`;
}

function protocolNames(bits: number): string {
  return [bits & 1 ? 'tcp' : '', bits & 2 ? 'udp' : '', bits & 4 ? 'icmp' : '', bits & 8 ? 'other' : ''].filter(Boolean).join(',');
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A score in [0, 0.999], three decimals: no darknet evidence alone is certainty. */
export function scoreOf(x: number): number {
  return Math.min(0.999, Math.max(0, round3(x)));
}
