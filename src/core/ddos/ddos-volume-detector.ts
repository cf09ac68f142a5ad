/**
 * 'ddos-volume': volumetric attacks on critical assets (重要電子計算機), seen directly in flow
 * records. Per destination address inside the configured asset prefixes, traffic is summed in
 * fixed buckets (10 s); each closed bucket is compared with that destination's own baseline: an
 * EWMA of packets/s, bits/s and flows/s with an EWMA of the absolute deviation (a robust spread:
 * one spike moves it by α·|x − mean|, not by the square). A bucket above
 * max(floor, mean + k · max(deviation, mean/4)) on any of the three is anomalous and is kept out
 * of the baseline, so an attack cannot teach the baseline to accept it.
 *
 * Latency: a bucket closes `latenessMs` after its end (flow time, driven by `advance(now)`), so a
 * flood starting at t is reported by t + bucketMs + latenessMs (15 s by default), well inside
 * 60 s, provided the exporter's active timeout is short enough that flows end within it (a flow is
 * counted in the bucket of its end time).
 *
 * Shapes (from the anomalous bucket): UDP reflection/amplification (UDP mostly from source ports
 * 53 DNS, 123 NTP, 1900 SSDP, 11211 memcached, 389 CLDAP), UDP flood, TCP SYN flood (flows whose
 * cumulative flags have SYN without ACK), HTTP flood (many sources, many small completed TCP flows
 * to 80/443), TCP flood, ICMP flood, else 'volumetric'.
 *
 * State bound: at most `maxDestinations` destinations (least recently seen evicted), ~1.5 KiB each.
 */
import type { Detection, DetectionFlow, Detector } from '../detect/detection.js';
import { SakimoriError } from '../errors.js';
import { CidrSet } from '../selection/cidr-set.js';
import { parseCidr } from '../selection/address-text.js';
import { DistinctCounter, hashText } from '../darknet/distinct-counter.js';
import { SourceTable } from '../darknet/source-table.js';

export interface DdosVolumeSettings {
  /** Critical assets: IPv4/IPv6 prefixes whose addresses are watched. */
  assets: string[];
  bucketMs: number;
  /** Time after a bucket's end before it is judged (late flows). */
  latenessMs: number;
  /** EWMA weight of one bucket. */
  alpha: number;
  /** Deviations above the mean that make a bucket anomalous. */
  k: number;
  /** Absolute floors: below them nothing is an attack, whatever the baseline. */
  minPacketsPerSecond: number;
  minBitsPerSecond: number;
  minFlowsPerSecond: number;
  /** Buckets of baseline before relative thresholds apply; until then only 10 × the floors alert. */
  warmupBuckets: number;
  /** Distinct sources in a bucket for an HTTP flood. */
  minHttpSources: number;
  maxDestinations: number;
  /** A detection expires this long after its last anomalous bucket. */
  idleMs: number;
}

export const DEFAULT_DDOS_VOLUME_SETTINGS: Readonly<Omit<DdosVolumeSettings, 'assets'>> = Object.freeze({
  bucketMs: 10_000,
  latenessMs: 5_000,
  alpha: 0.05,
  k: 6,
  minPacketsPerSecond: 2_000,
  minBitsPerSecond: 20_000_000,
  minFlowsPerSecond: 200,
  warmupBuckets: 12,
  minHttpSources: 50,
  maxDestinations: 100_000,
  idleMs: 300_000,
});

/** Reflection/amplification source ports (US-CERT TA14-017A). */
export const REFLECTION_PORTS: Readonly<Record<number, string>> = Object.freeze({ 53: 'dns', 123: 'ntp', 1900: 'ssdp', 11211: 'memcached', 389: 'cldap' });
const REFLECTION_LIST = Object.keys(REFLECTION_PORTS).map(Number);

export type DdosShape = 'udp-reflection' | 'udp-flood' | 'syn-flood' | 'http-flood' | 'tcp-flood' | 'icmp-flood' | 'volumetric';

interface Bucket {
  start: number;
  firstFlow: number;
  packets: number;
  bytes: number;
  flows: number;
  udp: number;
  reflection: Float64Array;
  tcp: number;
  tcpFlows: number;
  syn: number;
  webFlows: number;
  webPackets: number;
  icmp: number;
  sources: DistinctCounter;
  dstPorts: Map<number, number>;
}

interface Ewma {
  mean: number;
  dev: number;
}

interface Attack {
  firstSeen: number;
  lastSeen: number;
  flows: number;
  buckets: number;
  peakPps: number;
  peakBps: number;
  shape: DdosShape;
  facts: Record<string, number | string | boolean>;
  score: number;
  peers: number;
}

interface Target {
  ip: string;
  country: string;
  as: number;
  pps: Ewma;
  bps: Ewma;
  fps: Ewma;
  closed: number;
  /** Start of the last closed bucket; -Infinity before the first. */
  lastClosed: number;
  cur: Bucket | undefined;
  attack: Attack | undefined;
  /** Whether the last closed bucket was anomalous. */
  active: boolean;
}

const newBucket = (start: number): Bucket => ({
  start,
  firstFlow: Number.POSITIVE_INFINITY,
  packets: 0,
  bytes: 0,
  flows: 0,
  udp: 0,
  reflection: new Float64Array(REFLECTION_LIST.length),
  tcp: 0,
  tcpFlows: 0,
  syn: 0,
  webFlows: 0,
  webPackets: 0,
  icmp: 0,
  sources: new DistinctCounter(),
  dstPorts: new Map(),
});

export class DdosVolumeDetector implements Detector {
  readonly name = 'ddos-volume' as const;
  readonly settings: DdosVolumeSettings;
  readonly #assets: CidrSet;
  readonly #table: SourceTable<Target>;
  /** Open buckets in opening order: [target, bucket start]. */
  #open: [Target, number][] = [];
  #openHead = 0;
  readonly #dirty = new Set<Target>();
  lateFlows = 0;

  constructor(settings: Partial<DdosVolumeSettings> & { assets: string[] }) {
    const s = { ...DEFAULT_DDOS_VOLUME_SETTINGS, ...settings };
    if (s.assets.length === 0) throw new SakimoriError('SAKI_ERR_DDOS_CONFIG', 'no critical asset prefix');
    for (const key of ['bucketMs', 'alpha', 'k', 'maxDestinations'] as const) {
      if (!(s[key] > 0)) throw new SakimoriError('SAKI_ERR_DDOS_CONFIG', `${key} must be positive`);
    }
    if (s.alpha > 1) throw new SakimoriError('SAKI_ERR_DDOS_CONFIG', 'alpha must be in (0, 1]');
    this.#assets = CidrSet.compile(
      s.assets.map((t) => {
        const cidr = parseCidr(t.trim());
        if (!cidr) throw new SakimoriError('SAKI_ERR_DDOS_CONFIG', `asset "${t}" is not an IPv4/IPv6 CIDR with host bits clear`);
        return { cidr, tag: 1 };
      }),
    );
    this.settings = s;
    this.#table = new SourceTable(s.maxDestinations);
  }

  observe(flow: DetectionFlow): void {
    const r = flow.record;
    if (this.#assets.lookupId(r.dst) === 0) return;
    const t = this.#table.touch(r.dst, () => ({
      ip: r.dst,
      country: flow.dstCountry,
      as: flow.dstAs,
      pps: { mean: 0, dev: 0 },
      bps: { mean: 0, dev: 0 },
      fps: { mean: 0, dev: 0 },
      closed: 0,
      lastClosed: Number.NEGATIVE_INFINITY,
      cur: undefined,
      attack: undefined,
      active: false,
    }));
    const bms = this.settings.bucketMs;
    const start = Math.floor(r.end / bms) * bms;
    if (t.cur && start > t.cur.start) this.#close(t);
    if (!t.cur) {
      if (start <= t.lastClosed) {
        // The bucket was already judged: count the flow in the next open one rather than lose it.
        this.lateFlows++;
        t.cur = newBucket(t.lastClosed + bms);
      } else t.cur = newBucket(start);
      this.#open.push([t, t.cur.start]);
    } else if (start < t.cur.start) this.lateFlows++;
    const b = t.cur;
    b.flows++;
    b.packets += r.packets;
    b.bytes += r.octets;
    if (r.start < b.firstFlow) b.firstFlow = r.start;
    b.sources.add(hashText(r.src));
    if (b.dstPorts.has(r.dstPort) || b.dstPorts.size < 32) b.dstPorts.set(r.dstPort, (b.dstPorts.get(r.dstPort) ?? 0) + r.packets);
    if (r.proto === 17) {
      b.udp += r.packets;
      const i = REFLECTION_LIST.indexOf(r.srcPort);
      if (i >= 0) b.reflection[i] += r.packets;
    } else if (r.proto === 6) {
      b.tcp += r.packets;
      b.tcpFlows++;
      if ((r.tcpFlags & 0x12) === 0x02) b.syn += r.packets;
      else if ((r.dstPort === 80 || r.dstPort === 443) && (r.tcpFlags & 0x10) !== 0) {
        b.webFlows++;
        b.webPackets += r.packets;
      }
    } else if (r.proto === 1 || r.proto === 58) b.icmp += r.packets;
  }

  advance(now: number): Detection[] {
    const horizon = this.settings.bucketMs + this.settings.latenessMs;
    while (this.#openHead < this.#open.length) {
      const [t, start] = this.#open[this.#openHead];
      if (start + horizon > now) break;
      this.#openHead++;
      if (t.cur && t.cur.start === start && this.#table.get(t.ip) === t) this.#close(t);
    }
    if (this.#openHead > 1024 && this.#openHead * 2 > this.#open.length) {
      this.#open = this.#open.slice(this.#openHead);
      this.#openHead = 0;
    }
    this.#table.dropStale((t) => t.cur === undefined && t.lastClosed + this.settings.bucketMs + this.settings.idleMs <= now);
    const out: Detection[] = [];
    for (const t of this.#dirty) if (t.attack && this.#table.get(t.ip) === t) out.push(this.#detection(t, t.attack));
    this.#dirty.clear();
    return out;
  }

  #close(t: Target): void {
    const b = t.cur!;
    t.cur = undefined;
    const s = this.settings;
    const secs = s.bucketMs / 1000;
    // Buckets without any flow since the last one are zeros for the baseline (capped: a long silence
    // decays it to ~0 anyway), and end a running attack.
    if (t.lastClosed > Number.NEGATIVE_INFINITY) {
      const gaps = Math.min(64, Math.round((b.start - t.lastClosed) / s.bucketMs) - 1);
      for (let i = 0; i < gaps; i++) {
        const a = weight(s.alpha, t.closed);
        update(t.pps, 0, a);
        update(t.bps, 0, a);
        update(t.fps, 0, a);
        t.closed++;
        t.active = false;
      }
    }
    t.lastClosed = b.start;
    const pps = b.packets / secs;
    const bps = (b.bytes * 8) / secs;
    const fps = b.flows / secs;
    const warm = t.closed >= s.warmupBuckets;
    const limit = (e: Ewma, floor: number) => (warm ? Math.max(floor, e.mean + s.k * Math.max(e.dev, e.mean / 4)) : 10 * floor);
    const lp = limit(t.pps, s.minPacketsPerSecond);
    const lb = limit(t.bps, s.minBitsPerSecond);
    const lf = limit(t.fps, s.minFlowsPerSecond);
    const ratio = Math.max(pps / lp, bps / lb, fps / lf);
    if (ratio <= 1) {
      const a = weight(s.alpha, t.closed);
      t.closed++;
      update(t.pps, pps, a);
      update(t.bps, bps, a);
      update(t.fps, fps, a);
      t.active = false;
      return;
    }
    t.closed++;
    const shape = classify(b, s.minHttpSources);
    const sources = b.sources.estimate();
    const score = Math.round(Math.min(0.99, Math.max(0.5, 1 - 0.5 / ratio)) * 1000) / 1000;
    const topPort = [...b.dstPorts].sort((x, y) => y[1] - x[1])[0]?.[0] ?? 0;
    const facts: Record<string, number | string | boolean> = {
      shape,
      packetsPerSecond: Math.round(pps),
      bitsPerSecond: Math.round(bps),
      flowsPerSecond: Math.round(fps),
      baselinePacketsPerSecond: Math.round(t.pps.mean),
      baselineBitsPerSecond: Math.round(t.bps.mean),
      thresholdPacketsPerSecond: Math.round(lp),
      sourcesInBucket: sources,
      topDstPort: topPort,
      warm,
    };
    if (shape === 'udp-reflection') {
      let best = 0;
      for (let i = 1; i < REFLECTION_LIST.length; i++) if (b.reflection[i] > b.reflection[best]) best = i;
      facts.reflectionPort = REFLECTION_LIST[best];
      facts.reflectionProtocol = REFLECTION_PORTS[REFLECTION_LIST[best]];
    }
    const a = t.active && t.attack ? t.attack : undefined;
    const end = b.start + s.bucketMs;
    if (a) {
      a.lastSeen = end;
      a.flows += b.flows;
      a.buckets++;
      a.peakPps = Math.max(a.peakPps, pps);
      a.peakBps = Math.max(a.peakBps, bps);
      a.shape = shape;
      a.score = Math.max(a.score, score);
      a.peers = Math.max(a.peers, sources);
      a.facts = facts;
    } else {
      t.attack = { firstSeen: Math.max(b.start, Math.min(b.firstFlow, end)), lastSeen: end, flows: b.flows, buckets: 1, peakPps: pps, peakBps: bps, shape, facts, score, peers: sources };
    }
    t.active = true;
    this.#dirty.add(t);
  }

  #detection(t: Target, a: Attack): Detection {
    return {
      kind: 'ddos-victim',
      ip: t.ip,
      port: 0,
      proto: 0,
      score: a.score,
      detectors: ['ddos-volume'],
      country: t.country,
      as: t.as,
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      expiresAt: a.lastSeen + this.settings.idleMs,
      evidence: {
        flows: a.flows,
        peers: a.peers,
        scores: { 'ddos-volume': a.score },
        facts: { ...a.facts, peakPacketsPerSecond: Math.round(a.peakPps), peakBitsPerSecond: Math.round(a.peakBps), anomalousBuckets: a.buckets },
      },
    };
  }

  stateSize(): { entries: number; approxBytes: number } {
    let bytes = 0;
    for (const t of this.#table.values()) bytes += 260 + (t.cur ? 400 + t.cur.sources.approxBytes() + 40 * t.cur.dstPorts.size : 0);
    return { entries: this.#table.size, approxBytes: bytes };
  }
}

/** The running mean of the first buckets, then the EWMA weight: a new baseline is not biased towards 0. */
function weight(alpha: number, closed: number): number {
  return Math.max(alpha, 1 / (closed + 1));
}

function update(e: Ewma, x: number, alpha: number): void {
  const d = Math.abs(x - e.mean);
  e.mean += alpha * (x - e.mean);
  e.dev += alpha * (d - e.dev);
}

function classify(b: Bucket, minHttpSources: number): DdosShape {
  const total = Math.max(1, b.packets);
  if (b.udp >= 0.5 * total) {
    const refl = b.reflection.reduce((x, y) => x + y, 0);
    return refl >= 0.5 * b.udp ? 'udp-reflection' : 'udp-flood';
  }
  if (b.tcp >= 0.5 * total) {
    if (b.syn >= 0.5 * b.tcp) return 'syn-flood';
    // HTTP flood: completed connections (ACK seen) to web ports, many sources, few packets each.
    if (b.webFlows >= 0.5 * b.tcpFlows && b.sources.estimate() >= minHttpSources && b.webPackets / Math.max(1, b.webFlows) <= 20) return 'http-flood';
    return 'tcp-flood';
  }
  if (b.icmp >= 0.5 * total) return 'icmp-flood';
  return 'volumetric';
}
