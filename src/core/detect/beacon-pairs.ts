/**
 * Per-pair connection history for the beacon scorers: one entry per (internal host, external
 * ip:port, proto), holding the start time and size of its last K connections in a shared slab
 * (no per-pair typed arrays: their headers would cost more than the samples). Bounded: entries
 * idle longer than the window are swept, and beyond `maxPairs` the least recently used entry is
 * evicted. Also counts, per endpoint, how many internal hosts it has (prevalence) and how many
 * internal hosts are active at all.
 */
import type { DetectionFlow } from './detection.js';

export interface BeaconPair {
  key: string;
  host: string;
  ip: string;
  port: number;
  proto: number;
  endpointKey: string;
  /** Shared counter of internal hosts on the same service (IPv4 /24, port, proto). */
  service: ServiceHosts;
  country: string;
  as: number;
  /** Slab slot of the sample ring. */
  slot: number;
  /** Samples stored (≤ capacity) and the next write position. */
  count: number;
  head: number;
  /** Connections and flow records seen (records that continue a connection are not connections). */
  connections: number;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  lastSrcPort: number;
  lastEnd: number;
  /** New samples since the last evaluation. */
  dirty: boolean;
  /** Flow time at which the entry was (re)appended to the table's order. */
  orderTime: number;
  /** Seen again since it was last (re)appended: earns a second chance at eviction. */
  touched: boolean;
  /** Waiting in the detector's evaluation queue. */
  queued: boolean;
  /** Last score given by the scorer (for the selector hook). */
  score: number;
  /** Median interval at the last scoring, seconds. */
  intervalS: number;
}

/** Internal hosts with a live pair to any address of one service prefix. */
export interface ServiceHosts {
  hosts: number;
}

/**
 * The prevalence key of an endpoint: its IPv4 /24 with port and protocol. A large service answers
 * from many addresses of one block (DNS load balancing, anycast pools), so counting per address
 * would make each address look rare; a botnet's C&C is one address. IPv6 is keyed per address.
 */
export function serviceKey(ip: string, port: number, proto: number): string {
  const dot = ip.lastIndexOf('.');
  return `${dot > 0 && !ip.includes(':') ? ip.slice(0, dot) : ip}|${port}|${proto}`;
}

export interface BeaconPairsOptions {
  /** Connection samples kept per pair. */
  capacity: number;
  maxPairs: number;
  /** Entries untouched for this long (flow time) are swept. */
  idleMs: number;
  /** A record with the same client port starting within this gap after the previous end continues a connection (active-timeout split). */
  continuationGapMs: number;
  /** Called for every entry that leaves the table (idle sweep or capacity eviction). */
  onEvict?: (p: BeaconPair) => void;
}

/** Slab chunk size in pairs. */
const CHUNK = 4096;
/** Sample times are stored as 100 ms ticks after the table's base time (Uint32: ~13 years). */
const TICK_MS = 100;

export class BeaconPairs {
  readonly #pairs = new Map<string, BeaconPair>();
  readonly #endpointHosts = new Map<string, number>();
  readonly #services = new Map<string, ServiceHosts>();
  readonly #hostPairs = new Map<string, number>();
  readonly #times: Uint32Array[] = [];
  readonly #sizes: Float32Array[] = [];
  readonly #free: number[] = [];
  #nextSlot = 0;
  #base = Number.NaN;
  /** Latest flow start seen: the order time of appended entries. */
  #clock = Number.NEGATIVE_INFINITY;
  evicted = 0;

  constructor(readonly options: BeaconPairsOptions) {}

  get size(): number {
    return this.#pairs.size;
  }

  /** Distinct internal hosts with at least one live pair. */
  get activeHosts(): number {
    return this.#hostPairs.size;
  }

  /** Distinct internal hosts with a live pair to this endpoint. */
  endpointHosts(endpointKey: string): number {
    return this.#endpointHosts.get(endpointKey) ?? 0;
  }

  /** Distinct internal hosts with a live pair to the service (IPv4 /24, port, proto) of ip:port/proto. */
  serviceHosts(ip: string, port: number, proto: number): number {
    return this.#services.get(serviceKey(ip, port, proto))?.hosts ?? 0;
  }

  get(key: string): BeaconPair | undefined {
    return this.#pairs.get(key);
  }

  values(): IterableIterator<BeaconPair> {
    return this.#pairs.values();
  }

  /**
   * Records an internal→external flow. Returns the pair, or undefined when the flow is not one
   * (only flows a domestic host initiates towards a non-domestic endpoint are beacon candidates).
   */
  observe(f: DetectionFlow): BeaconPair | undefined {
    const r = f.record;
    // Special-purpose destinations (private, CGN, multicast …) are never a foreign C&C.
    if (!f.srcDomestic || f.dstDomestic || f.dstCountry === 'special') return undefined;
    const endpointKey = `${r.dst}|${r.dstPort}|${r.proto}`;
    const key = `${r.src}|${endpointKey}`;
    let p = this.#pairs.get(key);
    if (p === undefined) {
      if (this.#pairs.size >= this.options.maxPairs) this.#evictOldest();
      const sk = serviceKey(r.dst, r.dstPort, r.proto);
      let service = this.#services.get(sk);
      if (service === undefined) {
        service = { hosts: 0 };
        this.#services.set(sk, service);
      }
      service.hosts++;
      p = {
        key,
        host: r.src,
        ip: r.dst,
        port: r.dstPort,
        proto: r.proto,
        endpointKey,
        service,
        country: f.dstCountry,
        as: f.dstAs,
        slot: this.#allocSlot(),
        count: 0,
        head: 0,
        connections: 0,
        flows: 0,
        firstSeen: r.start,
        lastSeen: r.end,
        lastSrcPort: -1,
        lastEnd: Number.NEGATIVE_INFINITY,
        dirty: false,
        orderTime: Math.max(r.start, this.#clock),
        touched: false,
        queued: false,
        score: 0,
        intervalS: 0,
      };
      this.#pairs.set(key, p);
      this.#endpointHosts.set(endpointKey, (this.#endpointHosts.get(endpointKey) ?? 0) + 1);
      this.#hostPairs.set(r.src, (this.#hostPairs.get(r.src) ?? 0) + 1);
    } else p.touched = true;
    p.flows++;
    if (r.start > this.#clock) this.#clock = r.start;
    if (r.start < p.firstSeen) p.firstSeen = r.start;
    if (r.end > p.lastSeen) p.lastSeen = r.end;
    if (Number.isNaN(this.#base)) this.#base = r.start - 3_600_000;
    const cap = this.options.capacity;
    const chunk = (p.slot / CHUNK) | 0;
    const at = (p.slot % CHUNK) * cap;
    const continues = r.srcPort === p.lastSrcPort && r.srcPort !== 0 && r.start <= p.lastEnd + this.options.continuationGapMs && r.start >= p.lastEnd - this.options.continuationGapMs;
    if (continues && p.count > 0) {
      const last = (p.head + cap - 1) % cap;
      this.#sizes[chunk][at + last] += r.octets;
    } else {
      this.#times[chunk][at + p.head] = Math.max(0, Math.round((r.start - this.#base) / TICK_MS));
      this.#sizes[chunk][at + p.head] = r.octets;
      p.head = (p.head + 1) % cap;
      if (p.count < cap) p.count++;
      p.connections++;
      p.dirty = true;
    }
    p.lastSrcPort = r.srcPort;
    if (r.end > p.lastEnd || continues) p.lastEnd = Math.max(r.end, r.start);
    return p;
  }

  /**
   * Copies the pair's samples that start at or after `since` into `times` (ms, unsorted) and
   * `sizes`; returns how many.
   */
  samples(p: BeaconPair, since: number, times: Float64Array, sizes: Float64Array): number {
    const cap = this.options.capacity;
    const chunk = (p.slot / CHUNK) | 0;
    const at = (p.slot % CHUNK) * cap;
    const t = this.#times[chunk];
    const s = this.#sizes[chunk];
    let n = 0;
    for (let i = 0; i < p.count; i++) {
      const ms = this.#base + t[at + i] * TICK_MS;
      if (ms < since) continue;
      times[n] = ms;
      sizes[n] = s[at + i];
      n++;
    }
    return n;
  }

  /**
   * Drops pairs idle since before `now - idleMs`. Map order is append order (orderTime
   * non-decreasing), and a pair is not moved when touched (a delete+set per flow costs more than
   * the whole rest of observe); instead the sweep moves a still-active pair from the front to the
   * back, at most once per window (CLOCK-style second chance).
   */
  sweep(now: number): void {
    const cutoff = now - this.options.idleMs;
    for (const p of this.#pairs.values()) {
      if (p.orderTime >= cutoff) break;
      if (p.lastSeen < cutoff) this.#remove(p);
      else this.#moveToBack(p, Math.max(now, this.#clock));
    }
  }

  #moveToBack(p: BeaconPair, now: number): void {
    this.#pairs.delete(p.key);
    p.orderTime = now;
    p.touched = false;
    this.#pairs.set(p.key, p);
  }

  /** Approximate bytes: slab, plus per-entry object, key and map overheads (measured by bench/detect-state-bench.ts). */
  approxBytes(): number {
    const slab = this.#times.length * CHUNK * this.options.capacity * 8;
    return slab + this.#pairs.size * 440 + this.#endpointHosts.size * 90 + this.#services.size * 110 + this.#hostPairs.size * 80;
  }

  /** Evicts from the front, giving up to 8 recently active pairs a second chance (approximate LRU). */
  #evictOldest(): void {
    for (let tries = 0; tries < 8; tries++) {
      const first = this.#pairs.values().next();
      if (first.done) return;
      const p = first.value;
      if (tries < 7 && p.touched) {
        this.#moveToBack(p, this.#clock);
        continue;
      }
      this.#remove(p);
      this.evicted++;
      return;
    }
  }

  #remove(p: BeaconPair): void {
    this.#pairs.delete(p.key);
    this.#free.push(p.slot);
    if (--p.service.hosts <= 0) this.#services.delete(serviceKey(p.ip, p.port, p.proto));
    const e = (this.#endpointHosts.get(p.endpointKey) ?? 1) - 1;
    if (e <= 0) this.#endpointHosts.delete(p.endpointKey);
    else this.#endpointHosts.set(p.endpointKey, e);
    const h = (this.#hostPairs.get(p.host) ?? 1) - 1;
    if (h <= 0) this.#hostPairs.delete(p.host);
    else this.#hostPairs.set(p.host, h);
    this.options.onEvict?.(p);
  }

  #allocSlot(): number {
    const s = this.#free.pop();
    if (s !== undefined) return s;
    const slot = this.#nextSlot++;
    if (slot % CHUNK === 0) {
      this.#times.push(new Uint32Array(CHUNK * this.options.capacity));
      this.#sizes.push(new Float32Array(CHUNK * this.options.capacity));
    }
    return slot;
  }
}
