/**
 * Seed-peer detector ('seed-peer'): given seed lists of known bots (e.g. darknet scanners seen by
 * a NICTER-style sensor, seed 004), ranks the external endpoints the seeds talk to. An endpoint
 * contacted by several independent seeds (distinct hosts, better from distinct lists), rarely by
 * anyone else, with consistent flow sizes, is a C&C candidate: a botnet's bots share a C&C, while
 * shared services (DNS resolvers, NTP, CDNs) are contacted by everybody.
 * Direction: a seed's flow to ip:port counts; a flow from ip:port to a seed counts only when the
 * port is below the seed's port (a reply from a service port, as seen with one-way export), so a
 * scanner probing the seed never becomes its "peer". Endpoints are tracked from the first seed
 * contact on; non-seed contacts before it are not seen. State is bounded (LRU).
 *
 * With a population source (ServicePrevalence; c2-engine passes the beacon detector's pair table,
 * which counts every internal host of the endpoint over its window, also before the first seed
 * contact), rarity is an enrichment test instead of the ratio rule: if seeds were spread over the
 * internal hosts by chance, an endpoint with H internal hosts would have about H·p seeds among
 * them (p = active seeds / active hosts). The binomial tail P(X ≥ seeds | H, p) says how
 * surprising the seeds' concentration is; −log10 P from 2 (P = 1 %, nothing) to 5 (P = 10⁻⁵,
 * full) is the rarity. A web server many seeds visit, like everyone else, has P near 1. Flow size
 * Only seeds that came back count as concentrated (two flows or more: bots check in, visitors
 * need not), and a saturated host count (maxHostsPerEndpoint) is judged as if every active host
 * were on the endpoint. Flow size
 * consistency then needs at least 3 seed flows (one flow is always "consistent") and weighs more
 * (0.3 + 0.7 · consistency): bots check in alike, people browsing a site do not.
 * TCP flows with SYN but no ACK are connection attempts (a seed that scans probes random
 * addresses, and scanners of one botnet probe the same ones), not conversations: they are skipped.
 */
import { ChangedEntries } from './changed-entries.js';
import { clamp01 } from './robust-stats.js';
import { MAX_LISTED_BOTS, type Detection, type DetectionFlow, type Detector } from './detection.js';
import type { ServicePrevalence } from './service-prevalence.js';

export interface SeedPeerOptions {
  maxEndpoints: number;
  maxSeeds: number;
  /** Endpoints idle this long (flow time) are dropped. */
  windowMs: number;
  ttlMs: number;
  /** Distinct seed hosts needed before an endpoint is reported. */
  minSeeds: number;
  /** Independent seeds (hosts, plus half a seed per further list) for full seed score. */
  seedsForFull: number;
  /** Non-seed hosts per seed host up to which the endpoint is fully rare, and from which it is common. */
  rareRatio: number;
  commonRatio: number;
  /** Hosts remembered per endpoint (seed and non-seed each); counts saturate there. */
  maxHostsPerEndpoint: number;
  /** Enrichment test: −log10 of the binomial tail at which rarity starts, and at which it is full. */
  enrichmentFrom: number;
  enrichmentFull: number;
  /** Seeds count as active (the enrichment base rate) for this long after their last flow. */
  activeSeedMs: number;
  minScore: number;
}

export const SEED_PEER_DEFAULTS: SeedPeerOptions = Object.freeze({
  maxEndpoints: 200_000,
  maxSeeds: 1_000_000,
  windowMs: 24 * 3_600_000,
  ttlMs: 3_600_000,
  minSeeds: 2,
  seedsForFull: 3,
  rareRatio: 3,
  commonRatio: 30,
  maxHostsPerEndpoint: 256,
  enrichmentFrom: 2,
  enrichmentFull: 5,
  activeSeedMs: 6 * 3_600_000,
  minScore: 0.3,
});

interface SeedEndpoint {
  key: string;
  ip: string;
  port: number;
  proto: number;
  country: string;
  as: number;
  /** Seed host → its flows to the endpoint. */
  seedHosts: Map<string, number>;
  nonSeedHosts: Set<string>;
  /** Bit i: seed list i contributed. */
  sources: number;
  flows: number;
  /** Welford running moments of ln(1 + bytes per flow). */
  sizeN: number;
  sizeMean: number;
  sizeM2: number;
  firstSeen: number;
  lastSeen: number;
  changed: boolean;
}

export class SeedPeerDetector implements Detector {
  readonly name = 'seed-peer' as const;
  readonly #o: SeedPeerOptions;
  /** Seed address → bit mask of the lists naming it. */
  readonly #seeds = new Map<string, number>();
  readonly #sources: string[] = [];
  readonly #endpoints = new Map<string, SeedEndpoint>();
  /** Endpoints with new evidence since the last advance. */
  readonly #changed = new ChangedEntries<SeedEndpoint>();
  /** Seeds seen sending, in order of their last flow (re-appended per flow) → last flow time. */
  readonly #activeSeeds = new Map<string, number>();
  readonly #prevalence: ServicePrevalence | undefined;
  evicted = 0;

  /** `prevalence`: the shared per-service host counter (BeaconDetector.prevalence) that enables the enrichment test. */
  constructor(options: Partial<SeedPeerOptions> = {}, prevalence?: ServicePrevalence) {
    this.#o = { ...SEED_PEER_DEFAULTS, ...options };
    this.#prevalence = prevalence;
  }

  /** Adds seed entries of any number of lists (grouped by their source name); returns how many were new. */
  addSeedEntries(entries: Iterable<{ ip: string; source: string }>): number {
    const bySource = new Map<string, string[]>();
    for (const e of entries) {
      const list = bySource.get(e.source);
      if (list) list.push(e.ip);
      else bySource.set(e.source, [e.ip]);
    }
    let added = 0;
    for (const [source, ips] of bySource) added += this.addSeeds(ips, source);
    return added;
  }

  /** Adds seed addresses (textual, as flow records spell them) from one list; returns how many were new. */
  addSeeds(ips: Iterable<string>, source: string): number {
    let bit = this.#sources.indexOf(source);
    if (bit < 0) {
      // 31 distinct lists are distinguished; further lists share the last bit.
      bit = Math.min(this.#sources.length, 30);
      if (this.#sources.length <= 30) this.#sources.push(source);
    }
    let added = 0;
    for (const ip of ips) {
      const had = this.#seeds.get(ip);
      if (had === undefined) {
        if (this.#seeds.size >= this.#o.maxSeeds) continue;
        added++;
      }
      this.#seeds.set(ip, (had ?? 0) | (1 << bit));
    }
    return added;
  }

  isSeed(ip: string): boolean {
    return this.#seeds.has(ip);
  }

  get seedCount(): number {
    return this.#seeds.size;
  }

  observe(flow: DetectionFlow): void {
    const r = flow.record;
    if (r.proto === 6 && (r.tcpFlags & 0x12) === 0x02) return;
    const srcSeed = this.#seeds.get(r.src);
    const dstSeed = this.#seeds.get(r.dst);
    if (srcSeed !== undefined && this.#prevalence !== undefined && flow.srcDomestic) {
      this.#activeSeeds.delete(r.src);
      this.#activeSeeds.set(r.src, r.end > r.start ? r.end : r.start);
    }
    if (srcSeed !== undefined && dstSeed === undefined) {
      this.#seedContact(r.dst, r.dstPort, r.proto, flow.dstCountry, flow.dstAs, r.src, srcSeed, r.octets, r.start, r.end);
    } else if (dstSeed !== undefined && srcSeed === undefined) {
      if (r.srcPort < r.dstPort) this.#seedContact(r.src, r.srcPort, r.proto, flow.srcCountry, flow.srcAs, r.dst, dstSeed, r.octets, r.start, r.end);
    } else if (srcSeed === undefined && dstSeed === undefined) {
      const e = this.#endpoints.get(`${r.dst}|${r.dstPort}|${r.proto}`);
      if (e !== undefined && e.nonSeedHosts.size < this.#o.maxHostsPerEndpoint && !e.nonSeedHosts.has(r.src)) {
        e.nonSeedHosts.add(r.src);
        this.#changed.mark(e);
      }
    }
  }

  #seedContact(ip: string, port: number, proto: number, country: string, as: number, seed: string, mask: number, octets: number, start: number, end: number): void {
    const key = `${ip}|${port}|${proto}`;
    let e = this.#endpoints.get(key);
    if (e === undefined) {
      if (this.#endpoints.size >= this.#o.maxEndpoints) {
        const first = this.#endpoints.keys().next();
        if (!first.done) {
          this.#endpoints.delete(first.value);
          this.evicted++;
        }
      }
      e = { key, ip, port, proto, country, as, seedHosts: new Map(), nonSeedHosts: new Set(), sources: 0, flows: 0, sizeN: 0, sizeMean: 0, sizeM2: 0, firstSeen: start, lastSeen: end, changed: false };
    } else this.#endpoints.delete(key);
    this.#endpoints.set(key, e);
    const had = e.seedHosts.get(seed);
    if (had !== undefined || e.seedHosts.size < this.#o.maxHostsPerEndpoint) e.seedHosts.set(seed, (had ?? 0) + 1);
    e.sources |= mask;
    e.flows++;
    const x = Math.log1p(octets);
    e.sizeN++;
    const d = x - e.sizeMean;
    e.sizeMean += d / e.sizeN;
    e.sizeM2 += d * (x - e.sizeMean);
    if (start < e.firstSeen) e.firstSeen = start;
    if (end > e.lastSeen) e.lastSeen = end;
    this.#changed.mark(e);
  }

  advance(now: number): Detection[] {
    const cutoff = now - this.#o.windowMs;
    for (const e of this.#endpoints.values()) {
      if (e.lastSeen >= cutoff) break;
      this.#endpoints.delete(e.key);
    }
    const seedCutoff = now - this.#o.activeSeedMs;
    for (const [ip, t] of this.#activeSeeds) {
      if (t >= seedCutoff) break;
      this.#activeSeeds.delete(ip);
    }
    const out: Detection[] = [];
    for (const e of this.#changed.take()) {
      if (this.#endpoints.get(e.key) !== e) continue;
      const d = this.#detection(e);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  /** Score of an endpoint now (0 when untracked or below the reporting rules). */
  endpointScore(ip: string, port: number, proto: number): number {
    const e = this.#endpoints.get(`${ip}|${port}|${proto}`);
    return e === undefined ? 0 : this.#score(e).score;
  }

  stateSize(): { entries: number; approxBytes: number } {
    let hosts = 0;
    for (const e of this.#endpoints.values()) hosts += e.seedHosts.size + e.nonSeedHosts.size;
    return { entries: this.#endpoints.size + this.#seeds.size, approxBytes: this.#endpoints.size * 420 + hosts * 64 + this.#seeds.size * 90 + this.#activeSeeds.size * 80 };
  }

  #score(e: SeedEndpoint): { score: number; seedScore: number; rarity: number; consistency: number; lists: number; enrichment?: number } {
    const seeds = e.seedHosts.size;
    const lists = popcount(e.sources);
    const seedScore = clamp01((seeds + 0.5 * (lists - 1)) / this.#o.seedsForFull);
    const sd = e.sizeN > 1 ? Math.sqrt(e.sizeM2 / (e.sizeN - 1)) : 0;
    let rarity: number;
    let consistency = clamp01((1.5 - sd) / (1.5 - 0.3));
    let enrichment: number | undefined;
    const p = this.#prevalence;
    if (p !== undefined && p.activeHosts > 0 && e.proto !== 0) {
      // Hosts on the endpoint: the population counter's, or ours if it has not seen them (domestic endpoints, replies).
      // A saturated count says only "many": judged as if every active host were on it.
      const saturated = e.nonSeedHosts.size >= this.#o.maxHostsPerEndpoint || seeds >= this.#o.maxHostsPerEndpoint;
      const hosts = Math.max(p.endpointHosts(e.ip, e.port, e.proto), seeds + e.nonSeedHosts.size, saturated ? p.activeHosts : 0);
      const base = Math.min(0.5, Math.max(this.#activeSeeds.size, seeds) / Math.max(p.activeHosts, hosts));
      // Seeds that came back (two flows or more): a check-in recurs, a visit need not.
      let recurring = 0;
      for (const n of e.seedHosts.values()) if (n >= 2) recurring++;
      // At or below the expected count there is no concentration (P ≥ ½); skip the sum (up to H terms).
      enrichment = recurring <= hosts * base ? 0 : -Math.log10(Math.max(1e-300, binomialTail(recurring, hosts, base)));
      rarity = clamp01((enrichment - this.#o.enrichmentFrom) / (this.#o.enrichmentFull - this.#o.enrichmentFrom));
      if (e.sizeN < 3) consistency = 0;
    } else {
      const ratio = e.nonSeedHosts.size / Math.max(1, seeds);
      // Log-scale fall from rareRatio to commonRatio, with a small floor.
      rarity = ratio <= this.#o.rareRatio ? 1 : Math.max(0.02, 1 - Math.log(ratio / this.#o.rareRatio) / Math.log(this.#o.commonRatio / this.#o.rareRatio));
    }
    const weight = enrichment !== undefined ? 0.3 + 0.7 * consistency : 0.7 + 0.3 * consistency;
    const score = seeds < this.#o.minSeeds ? 0 : seedScore * rarity * weight;
    return { score: Math.round(score * 1000) / 1000, seedScore, rarity, consistency, lists, ...(enrichment !== undefined ? { enrichment } : {}) };
  }

  #detection(e: SeedEndpoint): Detection | undefined {
    const s = this.#score(e);
    if (s.score < this.#o.minScore) return undefined;
    const bots = [...e.seedHosts.keys()].slice(0, MAX_LISTED_BOTS);
    return {
      kind: 'c2',
      ip: e.ip,
      port: e.port,
      proto: e.proto,
      score: s.score,
      detectors: ['seed-peer'],
      country: e.country,
      as: e.as,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      expiresAt: e.lastSeen + this.#o.ttlMs,
      evidence: {
        flows: e.flows,
        peers: e.seedHosts.size + e.nonSeedHosts.size,
        seedPeers: e.seedHosts.size,
        scores: { 'seed-peer': s.score },
        facts: { seedLists: s.lists, nonSeedHosts: e.nonSeedHosts.size, rarity: Math.round(s.rarity * 1000) / 1000, sizeConsistency: Math.round(s.consistency * 1000) / 1000, ...(s.enrichment !== undefined ? { enrichment: Math.round(s.enrichment * 100) / 100 } : {}) },
      },
      bots,
    };
  }
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space from k up (terms fall fast once k > n·p). */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  // ln C(n, k) + k ln p + (n − k) ln(1 − p)
  let lnC = 0;
  for (let i = 1; i <= k; i++) lnC += Math.log((n - k + i) / i);
  let lnTerm = lnC + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let sum = 0;
  for (let j = k; j <= n; j++) {
    const t = Math.exp(lnTerm);
    sum += t;
    if (t < sum * 1e-12) break;
    lnTerm += Math.log((n - j) / (j + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return Math.min(1, sum);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
