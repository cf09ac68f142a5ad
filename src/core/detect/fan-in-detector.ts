/**
 * Fan-in detector ('fan-in'): many domestic hosts talking, within a window, to one foreign
 * endpoint ip:port/proto that only a small share of the active domestic hosts talk to, with flows
 * of near-identical shape (bytes and packets per flow): the picture of a botnet subset checking in
 * with its C&C. Popular services fail the share test, ordinary rare services the shape test.
 * Shares are judged twice: within the fan-in window (hosts on the endpoint / active hosts), and,
 * when a ServicePrevalence is given (c2-engine passes the beacon detector's pair table), over the
 * beacon window per service (IPv4 /24, port, proto): NTP, update and telemetry endpoints are
 * contacted by 10 % or more of the internal hosts over hours, even when a 10-minute window sees
 * only a few of them; a botnet's C&C by a small subset. The lower of the two rarities counts.
 * Hosts count only when they recur: a host checking in twice or more within the window (flows at
 * least `repeatGapMs` apart). Bots check in every few minutes; a long-period service (hourly
 * update checks) brings a stream of hosts that each appear once, and while its prevalence over
 * the beacon window is still building up (the first hours) it would otherwise look like a rare
 * endpoint with many same-shape hosts.
 * State: one entry per foreign endpoint (one host inline, a host map only from the second host
 * on), bounded by `maxEndpoints`; active hosts bounded by `maxHosts` (oldest appended evicted first).
 */
import { ChangedEntries } from './changed-entries.js';
import { clamp01 } from './robust-stats.js';
import { MAX_LISTED_BOTS, type Detection, type DetectionFlow, type Detector } from './detection.js';
import { servicePrior } from './service-priors.js';
import { prevalenceShare, type ServicePrevalence } from './service-prevalence.js';

export interface FanInOptions {
  windowMs: number;
  ttlMs: number;
  maxEndpoints: number;
  maxHosts: number;
  /** Hosts remembered per endpoint; counts saturate there. */
  maxHostsPerEndpoint: number;
  /** Distinct domestic hosts needed, and the count for full host score. */
  minHosts: number;
  fullHosts: number;
  /** Share of active domestic hosts up to which the endpoint is rare, and from which it is shared. */
  rareShare: number;
  sharedShare: number;
  /** Shares are taken of at least this many hosts (a small or still-unknown population makes any endpoint look popular or rare). */
  minPopulation: number;
  /** Standard deviation of ln(bytes per flow) and ln(packets per flow) for "same shape", and for "unrelated". */
  shapeTight: number;
  shapeLoose: number;
  /**
   * Service prevalence (beacon window): share of active internal hosts up to which the service is
   * rare, and from which it is shared (rarity 0); judged once the service has `prevalenceMinHosts`.
   */
  prevalenceRare: number;
  prevalenceShared: number;
  prevalenceMinHosts: number;
  /** A host recurs when two of its flows to the endpoint start this far apart within the window; only recurring hosts count (0: every host counts). */
  repeatGapMs: number;
  minScore: number;
}

export const FAN_IN_DEFAULTS: FanInOptions = Object.freeze({
  windowMs: 10 * 60_000,
  ttlMs: 3_600_000,
  maxEndpoints: 500_000,
  maxHosts: 1_000_000,
  maxHostsPerEndpoint: 1024,
  minHosts: 4,
  fullHosts: 12,
  rareShare: 0.05,
  sharedShare: 0.3,
  minPopulation: 50,
  shapeTight: 0.25,
  shapeLoose: 1.0,
  prevalenceRare: 0.02,
  prevalenceShared: 0.1,
  prevalenceMinHosts: 8,
  repeatGapMs: 10_000,
  minScore: 0.5,
});

interface FanInEndpoint {
  key: string;
  ip: string;
  port: number;
  proto: number;
  country: string;
  as: number;
  firstHost: string;
  firstHostSeen: number;
  /** Host → last flow time; created at the second distinct host. */
  hosts: Map<string, number> | undefined;
  /** Hosts seen twice or more (repeatGapMs apart) and still in the window; created at the first repeat. */
  recurring: Set<string> | undefined;
  flows: number;
  n: number;
  bytesMean: number;
  bytesM2: number;
  pktsMean: number;
  pktsM2: number;
  firstSeen: number;
  lastSeen: number;
  /** Flow time at which the entry was (re)appended to the table's order. */
  orderTime: number;
  changed: boolean;
}

interface ActiveHost {
  last: number;
  orderTime: number;
}

export class FanInDetector implements Detector {
  readonly name = 'fan-in' as const;
  readonly #o: FanInOptions;
  readonly #endpoints = new Map<string, FanInEndpoint>();
  /**
   * Active domestic hosts. Both tables keep append order and are not reordered per flow (a
   * delete+set per flow dominated the cost); the window sweep gives entries still active a
   * second chance by re-appending them, at most once per window.
   */
  readonly #active = new Map<string, ActiveHost>();
  /** Endpoints with new evidence since the last advance (no scan of the whole table). */
  readonly #changed = new ChangedEntries<FanInEndpoint>();
  evicted = 0;

  readonly #prevalence: ServicePrevalence | undefined;

  /** `prevalence`: the shared per-service host counter (BeaconDetector.prevalence); without it only the window share is judged. */
  constructor(options: Partial<FanInOptions> = {}, prevalence?: ServicePrevalence) {
    this.#o = { ...FAN_IN_DEFAULTS, ...options };
    this.#prevalence = prevalence;
  }

  get activeHosts(): number {
    return this.#active.size;
  }

  observe(flow: DetectionFlow): void {
    // Special-purpose destinations (private, CGN, multicast …) are never a foreign C&C.
    if (!flow.srcDomestic || flow.dstDomestic || flow.dstCountry === 'special') return;
    const r = flow.record;
    const t = r.end > r.start ? r.end : r.start;
    const a = this.#active.get(r.src);
    if (a !== undefined) {
      if (t > a.last) a.last = t;
    } else {
      if (this.#active.size >= this.#o.maxHosts) {
        const first = this.#active.keys().next();
        if (!first.done) this.#active.delete(first.value);
      }
      this.#active.set(r.src, { last: t, orderTime: t });
    }

    const key = `${r.dst}|${r.dstPort}|${r.proto}`;
    let e = this.#endpoints.get(key);
    if (e === undefined) {
      if (this.#endpoints.size >= this.#o.maxEndpoints) {
        const first = this.#endpoints.keys().next();
        if (!first.done) {
          this.#endpoints.delete(first.value);
          this.evicted++;
        }
      }
      e = { key, ip: r.dst, port: r.dstPort, proto: r.proto, country: flow.dstCountry, as: flow.dstAs, firstHost: r.src, firstHostSeen: t, hosts: undefined, recurring: undefined, flows: 0, n: 0, bytesMean: 0, bytesM2: 0, pktsMean: 0, pktsM2: 0, firstSeen: r.start, lastSeen: t, orderTime: t, changed: false };
      this.#endpoints.set(key, e);
    }
    const gap = this.#o.repeatGapMs;
    if (r.src === e.firstHost && e.hosts === undefined) {
      if (gap > 0 && t - e.firstHostSeen >= gap) this.#recur(e, r.src);
      e.firstHostSeen = t;
    } else {
      if (e.hosts === undefined) e.hosts = new Map([[e.firstHost, e.firstHostSeen]]);
      const last = e.hosts.get(r.src);
      if (last !== undefined || e.hosts.size < this.#o.maxHostsPerEndpoint) {
        if (last === undefined) this.#changed.mark(e);
        else if (gap > 0 && t - last >= gap && !(e.recurring?.has(r.src) ?? false)) this.#recur(e, r.src);
        e.hosts.set(r.src, t);
      }
    }
    e.flows++;
    e.n++;
    const b = Math.log1p(r.octets);
    const db = b - e.bytesMean;
    e.bytesMean += db / e.n;
    e.bytesM2 += db * (b - e.bytesMean);
    const p = Math.log1p(r.packets);
    const dp = p - e.pktsMean;
    e.pktsMean += dp / e.n;
    e.pktsM2 += dp * (p - e.pktsMean);
    if (r.start < e.firstSeen) e.firstSeen = r.start;
    if (t > e.lastSeen) e.lastSeen = t;
    if (e.hosts !== undefined && e.hosts.size >= this.#o.minHosts) this.#changed.mark(e);
  }

  #recur(e: FanInEndpoint, host: string): void {
    e.recurring ??= new Set();
    e.recurring.add(host);
    this.#changed.mark(e);
  }

  advance(now: number): Detection[] {
    const cutoff = now - this.#o.windowMs;
    for (const e of this.#endpoints.values()) {
      if (e.orderTime >= cutoff) break;
      this.#endpoints.delete(e.key);
      if (e.lastSeen >= cutoff) {
        e.orderTime = now;
        this.#endpoints.set(e.key, e);
      }
    }
    for (const [h, a] of this.#active) {
      if (a.orderTime >= cutoff) break;
      this.#active.delete(h);
      if (a.last >= cutoff) {
        a.orderTime = now;
        this.#active.set(h, a);
      }
    }
    const out: Detection[] = [];
    for (const e of this.#changed.take()) {
      if (e.hosts === undefined || this.#endpoints.get(e.key) !== e) continue;
      for (const [h, t] of e.hosts) {
        if (t >= cutoff) continue;
        e.hosts.delete(h);
        e.recurring?.delete(h);
      }
      const d = this.#detection(e);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  /** Fan-in score of an endpoint now (0 when untracked). */
  endpointScore(ip: string, port: number, proto: number): number {
    const e = this.#endpoints.get(`${ip}|${port}|${proto}`);
    return e === undefined ? 0 : this.#score(e).score;
  }

  stateSize(): { entries: number; approxBytes: number } {
    let hosts = 0;
    let maps = 0;
    for (const e of this.#endpoints.values()) {
      if (e.hosts !== undefined) {
        maps++;
        hosts += e.hosts.size + (e.recurring?.size ?? 0);
      }
    }
    return { entries: this.#endpoints.size + this.#active.size, approxBytes: this.#endpoints.size * 330 + maps * 120 + hosts * 50 + this.#active.size * 90 };
  }

  #score(e: FanInEndpoint): { score: number; hostScore: number; shape: number; rarity: number; share: number; serviceShare: number } {
    const o = this.#o;
    const h = o.repeatGapMs > 0 ? (e.recurring?.size ?? 0) : (e.hosts?.size ?? 1);
    const hostScore = h < o.minHosts ? 0 : clamp01((h - o.minHosts + 1) / (o.fullHosts - o.minHosts + 1));
    const sdBytes = e.n > 1 ? Math.sqrt(e.bytesM2 / (e.n - 1)) : 0;
    const sdPkts = e.n > 1 ? Math.sqrt(e.pktsM2 / (e.n - 1)) : 0;
    const tight = (sd: number) => clamp01((o.shapeLoose - sd) / (o.shapeLoose - o.shapeTight));
    const shape = 0.6 * tight(sdBytes) + 0.4 * tight(sdPkts);
    const active = this.#active.size;
    // Until the population is known (start-up, small networks), shares are taken of minPopulation.
    const share = h / Math.max(active, o.minPopulation);
    let rarity = clamp01((o.sharedShare - share) / (o.sharedShare - o.rareShare));
    let serviceShare = 0;
    if (this.#prevalence !== undefined) {
      const p = prevalenceShare(this.#prevalence, e.ip, e.port, e.proto);
      serviceShare = p.share;
      if (p.hosts >= o.prevalenceMinHosts) rarity = Math.min(rarity, clamp01((o.prevalenceShared - p.share) / (o.prevalenceShared - o.prevalenceRare)));
    }
    const score = hostScore * shape * rarity * servicePrior(e.proto, e.port);
    return { score: Math.round(score * 1000) / 1000, hostScore, shape, rarity, share, serviceShare };
  }

  #detection(e: FanInEndpoint): Detection | undefined {
    const s = this.#score(e);
    if (s.score < this.#o.minScore || e.hosts === undefined) return undefined;
    const bots: string[] = [];
    for (const h of e.hosts.keys()) {
      if (bots.length >= MAX_LISTED_BOTS) break;
      bots.push(h);
    }
    return {
      kind: 'c2',
      ip: e.ip,
      port: e.port,
      proto: e.proto,
      score: s.score,
      detectors: ['fan-in'],
      country: e.country,
      as: e.as,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      expiresAt: e.lastSeen + this.#o.ttlMs,
      evidence: {
        flows: e.flows,
        peers: e.hosts.size,
        scores: { 'fan-in': s.score },
        facts: { recurringHosts: e.recurring?.size ?? 0, share: Math.round(s.share * 10000) / 10000, serviceShare: Math.round(s.serviceShare * 10000) / 10000, shape: Math.round(s.shape * 1000) / 1000, activeHosts: this.#active.size },
      },
      bots,
    };
  }
}
