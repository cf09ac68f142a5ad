/**
 * The labelled traffic scenario: a domestic (JP) subscriber network watched at its border, with
 * bots beaconing to churning foreign C&C servers, benign periodic services that look like beacons
 * (NTP, update checks, cloud telemetry), irregular web/DNS background, darknet scanners (Mirai
 * fingerprint: TCP sequence number = destination address), DDoS (UDP reflection, SYN flood) and
 * backscatter into the darknet. Deterministic: a function of the scale, the seed and the CSV text.
 * Only one direction of each conversation is generated (the one that carries the behaviour).
 */
import { prng } from '../demo/synthetic-flows.js';
import { formatIPv4Number } from '../core/flow/ip-address.js';
import { AddressAllocator, type CountryRanges } from './address-plan.js';
import type { BenignPeriodicLabel, BotLabel, C2Label, DdosVictimLabel, GenerationLabels, ScannerLabel } from './labels.js';

export type SessionRole =
  | 'web'
  | 'dns'
  | 'ntp'
  | 'update'
  | 'telemetry'
  | 'beacon'
  | 'bot-scan'
  | 'scan'
  | 'reflection'
  | 'syn-flood'
  | 'backscatter';

/** One generated conversation in one direction: one flow record, or a train of packets. */
export interface GeneratedSession {
  start: number;
  end: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: 6 | 17;
  packets: number;
  /** IP total length of every packet of the session. */
  ipLength: number;
  /** Cumulative TCP flags; 0x02 SYN-only, 0x12 SYN-ACK and 0x04 RST sessions repeat that flag per packet. */
  tcpFlags: number;
  /** TCP sequence number of every packet (Mirai sets it to the destination address). */
  seq?: number;
  role: SessionRole;
}

export interface ScenarioScale {
  name: string;
  durationSec: number;
  hosts: number;
  bots: number;
  c2Servers: number;
  /** Beacon interval jitter as a fraction of the base interval (0.2 → ±20 %). */
  beaconJitter: number;
  scanners: number;
  /** Share of foreign scanners with the Mirai fingerprint. */
  miraiShare: number;
  probesPerScanner: number;
  /** Direct DDoS victims (half UDP reflection, half SYN flood) and backscatter victims. */
  ddosVictims: number;
  backscatterVictims: number;
  /** Average background web sessions per host per hour (DNS adds half as many). */
  webPerHostHour: number;
  synFloodFlowsPerSec: number;
  darknetPrefixLength: number;
}

export const SCALES: Readonly<Record<string, ScenarioScale>> = Object.freeze({
  tiny: { name: 'tiny', durationSec: 1800, hosts: 40, bots: 8, c2Servers: 6, beaconJitter: 0.2, scanners: 6, miraiShare: 0.5, probesPerScanner: 40, ddosVictims: 2, backscatterVictims: 1, webPerHostHour: 20, synFloodFlowsPerSec: 0.5, darknetPrefixLength: 24 },
  small: { name: 'small', durationSec: 7200, hosts: 400, bots: 20, c2Servers: 8, beaconJitter: 0.2, scanners: 20, miraiShare: 0.5, probesPerScanner: 300, ddosVictims: 2, backscatterVictims: 2, webPerHostHour: 20, synFloodFlowsPerSec: 5, darknetPrefixLength: 22 },
  default: { name: 'default', durationSec: 6 * 3600, hosts: 2000, bots: 60, c2Servers: 16, beaconJitter: 0.2, scanners: 40, miraiShare: 0.5, probesPerScanner: 1500, ddosVictims: 4, backscatterVictims: 3, webPerHostHour: 15, synFloodFlowsPerSec: 10, darknetPrefixLength: 22 },
  large: { name: 'large', durationSec: 24 * 3600, hosts: 20000, bots: 400, c2Servers: 60, beaconJitter: 0.25, scanners: 200, miraiShare: 0.5, probesPerScanner: 5000, ddosVictims: 10, backscatterVictims: 10, webPerHostHour: 10, synFloodFlowsPerSec: 30, darknetPrefixLength: 20 },
});

export interface ScenarioOptions {
  seed: number;
  scale: ScenarioScale;
  /** Scenario start, ms since the Unix epoch. */
  startMs: number;
  geo: CountryRanges;
  /** Ranges of the cloud providers' ASes (asRangesFromCsv) for telemetry/update endpoints. */
  cloudAs: Map<number, { start: number; end: number }[]>;
  /**
   * Share of bots listed in seeds.json as known bots from imported intelligence (a NOTICE-style
   * survey, a partner's list); default 0.3. Scanning bots are seen by the darknet sensor as well.
   */
  seededBotShare?: number;
}

export interface Scenario {
  sessions: GeneratedSession[];
  labels: GenerationLabels;
  /** Seed list handed to the detector: known bots (imported intelligence), never a C&C. */
  seeds: { ip: string; source: string }[];
}

const DOMESTIC = 'JP';
const C2_COUNTRIES = ['US', 'NL', 'RU', 'DE', 'SG', 'FR', 'BG', 'HK', 'VN', 'UA'];
const SCANNER_COUNTRIES = ['CN', 'US', 'RU', 'BR', 'VN', 'IN', 'KR', 'TW', 'IR', 'ID', 'TR', 'EG'];
const REFLECTOR_COUNTRIES = ['US', 'CN', 'BR', 'RU', 'KR', 'IN', 'DE', 'MX', 'TR', 'TH'];
const SERVER_COUNTRIES = ['US', 'US', 'US', 'IE', 'DE', 'SG', 'NL', 'GB'];
export const CLOUD_ASES = { amazon: 16509, google: 15169, microsoft: 8075 } as const;

interface Family {
  name: string;
  proto: 6;
  port: number | 'random-high';
  intervalSec: number;
  packets: number;
  ipLength: number;
  scans: boolean;
}

const FAMILIES: readonly Family[] = [
  { name: 'mirai', proto: 6, port: 23, intervalSec: 60, packets: 4, ipLength: 62, scans: true },
  { name: 'gafgyt-irc', proto: 6, port: 6667, intervalSec: 120, packets: 5, ipLength: 84, scans: false },
  { name: 'mirai-48101', proto: 6, port: 48101, intervalSec: 180, packets: 4, ipLength: 70, scans: true },
  { name: 'rat-https', proto: 6, port: 'random-high', intervalSec: 300, packets: 8, ipLength: 180, scans: false },
];

function ipNumber(s: string): number {
  const p = s.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

export function generateScenario(options: ScenarioOptions): Scenario {
  const { scale, startMs, seed } = options;
  const rnd = prng(seed);
  const alloc = new AddressAllocator(options.geo, prng(seed ^ 0x5a17));
  const endMs = startMs + scale.durationSec * 1000;
  const sessions: GeneratedSession[] = [];
  const countries: Record<string, string> = {};
  const note = (ip: string, cc: string) => (countries[ip] = cc);
  const between = (a: number, b: number) => a + rnd() * (b - a);
  const int = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const ephemeral = new Map<string, number>();
  const srcPort = (host: string) => {
    const p = ephemeral.get(host) ?? int(32768, 60999);
    ephemeral.set(host, p >= 60999 ? 32768 : p + 1);
    return p;
  };
  const push = (s: GeneratedSession) => {
    if (s.start >= startMs && s.start < endMs) sessions.push(s);
  };

  // Address plan: darknet first (a whole domestic prefix), then subscriber blocks of ~50 hosts.
  const darknetBase = alloc.prefixBlock(DOMESTIC, scale.darknetPrefixLength);
  const darknetSize = 2 ** (32 - scale.darknetPrefixLength);
  const darknetPrefix = `${formatIPv4Number(darknetBase)}/${scale.darknetPrefixLength}`;
  const darknetAddress = () => formatIPv4Number((darknetBase + Math.floor(rnd() * darknetSize)) >>> 0);
  const hosts: string[] = [];
  let block = 0;
  for (let i = 0; i < scale.hosts; i++) {
    if (i % 50 === 0) block = alloc.block24([DOMESTIC]);
    const h = alloc.hostIn(block);
    hosts.push(h);
    note(h, DOMESTIC);
  }

  // Background servers with a Zipf-like popularity; resolvers of the domestic ISP and one public one abroad.
  const servers: { ip: string; weight: number }[] = [];
  for (let i = 0; i < Math.max(20, Math.round(scale.hosts / 5)); i++) {
    const domestic = rnd() < 0.35;
    const cc = domestic ? DOMESTIC : pick(SERVER_COUNTRIES);
    const ip = alloc.host([cc]);
    note(ip, alloc.geo.countryOf(ipNumber(ip)) ?? cc);
    servers.push({ ip, weight: 1 / (i + 1) });
  }
  const totalWeight = servers.reduce((n, s) => n + s.weight, 0);
  const server = () => {
    let x = rnd() * totalWeight;
    for (const s of servers) if ((x -= s.weight) <= 0) return s.ip;
    return servers[servers.length - 1].ip;
  };
  const resolverBlock = alloc.block24([DOMESTIC]);
  const resolvers = [alloc.hostIn(resolverBlock), alloc.hostIn(resolverBlock)];
  resolvers.forEach((r) => note(r, DOMESTIC));
  const publicResolver = alloc.hostInAs(options.cloudAs.get(CLOUD_ASES.google) ?? [], DOMESTIC) ?? alloc.host(['US']);
  note(publicResolver, alloc.geo.countryOf(ipNumber(publicResolver)) ?? 'US');

  // Irregular background: Poisson arrivals at a per-host rate drawn around the scale's mean.
  for (const h of hosts) {
    const rate = (scale.webPerHostHour * between(0.3, 1.7)) / 3600;
    for (let t = startMs + (-Math.log(1 - rnd()) / rate) * 1000; t < endMs; t += (-Math.log(1 - rnd()) / rate) * 1000) {
      const packets = int(6, 120);
      push({ start: Math.round(t), end: Math.round(t + between(0.2, 30) * 1000), src: h, dst: server(), srcPort: srcPort(h), dstPort: rnd() < 0.85 ? 443 : 80, proto: 6, packets, ipLength: int(80, 1400), tcpFlags: 0x1b, role: 'web' });
      if (rnd() < 0.5) {
        const ts = Math.round(t - between(5, 50));
        push({ start: ts, end: ts, src: h, dst: rnd() < 0.9 ? pick(resolvers) : publicResolver, srcPort: srcPort(h), dstPort: 53, proto: 17, packets: 1, ipLength: int(55, 90), tcpFlags: 0, role: 'dns' });
      }
    }
  }
  const benignServers = [...servers.map((s) => s.ip), ...resolvers, publicResolver];

  // Benign periodic services: the false-positive traps.
  const benignPeriodic: BenignPeriodicLabel[] = [];
  const periodic = (ip: string, port: number, proto: 6 | 17, service: BenignPeriodicLabel['service'], intervalSec: number, jitter: number, clients: string[], packets: () => number, ipLength: () => number) => {
    let active = 0;
    for (const h of clients) {
      let t = startMs + rnd() * intervalSec * 1000;
      if (t < endMs) active++;
      for (; t < endMs; t += intervalSec * 1000 * (1 + jitter * (2 * rnd() - 1))) {
        const n = packets();
        push({ start: Math.round(t), end: Math.round(t + (proto === 17 ? 0 : between(0.1, 2) * 1000)), src: h, dst: ip, srcPort: srcPort(h), dstPort: port, proto, packets: n, ipLength: ipLength(), tcpFlags: proto === 6 ? 0x1b : 0, role: service });
      }
    }
    benignPeriodic.push({ ip, port, proto, service, intervalSec, hosts: active, country: countries[ip] });
  };
  const sample = (share: number) => hosts.filter(() => rnd() < share);
  const cloudHost = (asn: number) => {
    const ip = alloc.hostInAs(options.cloudAs.get(asn) ?? [], DOMESTIC) ?? alloc.host(['US']);
    note(ip, alloc.geo.countryOf(ipNumber(ip)) ?? 'US');
    return ip;
  };
  const ntpServers = [alloc.host([DOMESTIC]), alloc.host([DOMESTIC]), alloc.host(['US']), alloc.host(['DE'])];
  ntpServers.forEach((ip, i) => note(ip, i < 2 ? DOMESTIC : i === 2 ? 'US' : 'DE'));
  const ntpClients = sample(0.7);
  ntpServers.forEach((ip, i) => {
    const mine = ntpClients.filter((_, k) => k % ntpServers.length === i);
    periodic(ip, 123, 17, 'ntp', i % 2 === 0 ? 1024 : 256, 0.02, mine, () => 1, () => 76);
  });
  for (let i = 0; i < 3; i++) periodic(cloudHost(CLOUD_ASES.microsoft), 443, 6, 'update', i === 0 ? 3600 : 4 * 3600, 0.05, sample(0.4), () => int(12, 16), () => int(600, 700));
  periodic(cloudHost(CLOUD_ASES.amazon), 443, 6, 'telemetry', 300, 0.01, sample(0.3), () => 6, () => 120);
  periodic(cloudHost(CLOUD_ASES.google), 443, 6, 'telemetry', 60, 0.005, sample(0.1), () => 5, () => 90);
  periodic(cloudHost(CLOUD_ASES.amazon), 8883, 6, 'telemetry', 900, 0.02, sample(0.1), () => 4, () => 110);

  // Bots and their C&C servers, with churn: each family's servers take turns over the duration.
  const families = FAMILIES.slice(0, Math.max(1, Math.min(FAMILIES.length, scale.c2Servers)));
  const c2ByFamily = new Map<string, { ip: string; port: number; from: number; to: number; label?: C2Label }[]>();
  families.forEach((f, fi) => {
    const count = Math.floor(scale.c2Servers / families.length) + (fi < scale.c2Servers % families.length ? 1 : 0);
    const cuts = [startMs, ...Array.from({ length: count - 1 }, () => startMs + between(0.1, 0.9) * (endMs - startMs)).sort((a, b) => a - b), endMs];
    const list = [];
    for (let k = 0; k < count; k++) {
      const cc = pick(C2_COUNTRIES);
      const ip = alloc.host([cc]);
      note(ip, cc);
      list.push({ ip, port: f.port === 'random-high' ? int(20000, 65000) : f.port, from: cuts[k], to: cuts[k + 1] });
    }
    c2ByFamily.set(f.name, list);
  });
  const botHosts = hosts.filter((_, i) => i % Math.max(1, Math.floor(hosts.length / scale.bots)) === 0).slice(0, scale.bots);
  const bots: BotLabel[] = [];
  const c2Labels = new Map<string, C2Label>();
  const scanners: ScannerLabel[] = [];
  botHosts.forEach((h, bi) => {
    const f = families[bi % families.length];
    const infected = bi % 5 === 4 ? startMs + between(0.2, 0.6) * (endMs - startMs) : startMs;
    const switchDelay = between(0, 600) * 1000;
    const servers = c2ByFamily.get(f.name)!;
    let first = Infinity;
    let last = -Infinity;
    const counted = new Set<string>();
    for (let t = infected + rnd() * f.intervalSec * 1000; t < endMs; t += f.intervalSec * 1000 * (1 + scale.beaconJitter * (2 * rnd() - 1))) {
      // A bot follows a churn a little late: it keeps beaconing to the old server for switchDelay.
      const c = servers.find((s) => t - switchDelay >= s.from && t - switchDelay < s.to) ?? servers[0];
      const start = Math.round(t);
      const key = `${c.ip}|${c.port}|6`;
      let l = c2Labels.get(key);
      if (!l) c2Labels.set(key, (l = { ip: c.ip, port: c.port, proto: 6, family: f.name, from: start, to: start, bots: 0 }));
      l.from = Math.min(l.from, start);
      l.to = Math.max(l.to, start);
      counted.add(key);
      push({ start, end: Math.round(start + between(0.1, 1.5) * 1000), src: h, dst: c.ip, srcPort: srcPort(h), dstPort: c.port, proto: 6, packets: f.packets + int(0, 1), ipLength: f.ipLength + int(-4, 4), tcpFlags: 0x1b, role: 'beacon' });
      first = Math.min(first, start);
      last = Math.max(last, start);
    }
    for (const k of counted) c2Labels.get(k)!.bots++;
    const scans = f.scans && bi % 2 === 0;
    bots.push({ ip: h, family: f.name, scans, seeded: false, from: first, to: last });
    if (scans) {
      // Mirai-infected subscriber: slow telnet scanning abroad and into the darknet.
      const probes = Math.round(scale.probesPerScanner / 4);
      let sFirst = Infinity;
      let sLast = -Infinity;
      for (let k = 0; k < probes; k++) {
        const start = Math.round(between(infected, endMs));
        const dst = rnd() < 0.5 ? darknetAddress() : alloc.anyAllocated();
        push({ start, end: start, src: h, dst, srcPort: int(1024, 65535), dstPort: rnd() < 0.9 ? 23 : 2323, proto: 6, packets: 1, ipLength: 40, tcpFlags: 0x02, seq: ipNumber(dst), role: 'bot-scan' });
        sFirst = Math.min(sFirst, start);
        sLast = Math.max(sLast, start);
      }
      scanners.push({ ip: h, family: 'mirai', domestic: true, probes, from: sFirst, to: sLast });
    }
  });
  // Seeds: a share of the bots is known from imported intelligence (NOTICE-style survey, partner
  // lists). Drawn from a PRNG of its own, so that the share changes nothing else in the scenario.
  const seedRnd = prng(seed ^ 0x5eed);
  const seededBots = Math.round(bots.length * Math.min(1, Math.max(0, options.seededBotShare ?? 0.3)));
  const order = bots.map((b) => ({ b, k: seedRnd() })).sort((x, y) => x.k - y.k);
  for (const { b } of order.slice(0, seededBots)) b.seeded = true;

  // Foreign scanners hitting the darknet (70 %) and live domestic hosts (30 %).
  for (let i = 0; i < scale.scanners; i++) {
    const family: ScannerLabel['family'] = rnd() < scale.miraiShare ? 'mirai' : rnd() < 0.7 ? 'masscan' : 'udp-probe';
    const cc = pick(SCANNER_COUNTRIES);
    const ip = alloc.host([cc]);
    note(ip, cc);
    const from = startMs + between(0, 0.6) * (endMs - startMs);
    const to = Math.min(endMs, from + between(0.2, 0.6) * (endMs - startMs));
    const probes = Math.max(5, Math.round(scale.probesPerScanner * between(0.5, 1.5)));
    const ports = family === 'masscan' ? [22, 80, 443, 445, 3389, 5900, 8080, 8443, 6379, 9200] : [53, 123, 161, 1900, 5060, 11211];
    const srcP = int(1024, 65535);
    let first = Infinity;
    let last = -Infinity;
    for (let k = 0; k < probes; k++) {
      const start = Math.round(between(from, to));
      const dst = rnd() < 0.7 ? darknetAddress() : pick(hosts);
      first = Math.min(first, start);
      last = Math.max(last, start);
      if (family === 'mirai') push({ start, end: start, src: ip, dst, srcPort: int(1024, 65535), dstPort: rnd() < 0.9 ? 23 : 2323, proto: 6, packets: 1, ipLength: 40, tcpFlags: 0x02, seq: ipNumber(dst), role: 'scan' });
      else if (family === 'masscan') push({ start, end: start, src: ip, dst, srcPort: srcP, dstPort: pick(ports), proto: 6, packets: 1, ipLength: 44, tcpFlags: 0x02, seq: int(0, 0x7fffffff), role: 'scan' });
      else push({ start, end: start, src: ip, dst, srcPort: srcP, dstPort: pick(ports), proto: 17, packets: 1, ipLength: int(40, 80), tcpFlags: 0, role: 'scan' });
    }
    scanners.push({ ip, family, domestic: false, probes, from: first, to: last });
  }

  // DDoS against domestic victims: UDP reflection (many foreign reflectors, big responses) and SYN floods (spoofed sources).
  const ddosVictims: DdosVictimLabel[] = [];
  const reflectors = Array.from({ length: Math.max(20, Math.min(500, scale.hosts / 4)) }, () => {
    const cc = pick(REFLECTOR_COUNTRIES);
    const ip = alloc.host([cc]);
    note(ip, cc);
    return ip;
  });
  const window = () => {
    const len = between(600, 1800) * 1000;
    const from = startMs + between(0.1, 0.8) * (endMs - startMs - len);
    return { from, to: from + len };
  };
  // Each victim is a server in an operator's registered range (a /24 "critical asset" prefix)
  // that also holds normal servers; all of them serve ordinary clients before, during and after.
  const criticalAssets: string[] = [];
  const assetServers: string[] = [];
  for (let v = 0; v < scale.ddosVictims; v++) {
    const block = alloc.block24([DOMESTIC]);
    criticalAssets.push(`${formatIPv4Number(block)}/24`);
    const ip = alloc.hostIn(block);
    note(ip, DOMESTIC);
    const normal = [alloc.hostIn(block), alloc.hostIn(block)];
    for (const srv of normal) {
      note(srv, DOMESTIC);
      assetServers.push(srv);
    }
    for (const srv of [ip, ...normal]) {
      for (let t = startMs + rnd() * 20_000; t < endMs; t += -Math.log(1 - rnd()) * 20_000) {
        const client = alloc.anyAllocated();
        push({ start: Math.round(t), end: Math.round(t + between(0.2, 20) * 1000), src: client, dst: srv, srcPort: int(1024, 65535), dstPort: 443, proto: 6, packets: int(6, 40), ipLength: int(80, 1400), tcpFlags: 0x1b, role: 'web' });
      }
    }
    const w = window();
    let first = Infinity;
    let last = -Infinity;
    const seen = new Set<string>();
    if (v % 2 === 0) {
      const amp = pick([{ port: 123, len: 468 }, { port: 53, len: 1400 }, { port: 1900, len: 320 }, { port: 11211, len: 1400 }]);
      const victimPort = int(1024, 65535);
      const used = reflectors.filter(() => rnd() < 0.6);
      for (const r of used) {
        for (let t = w.from + rnd() * 60_000; t < w.to; t += 60_000) {
          const start = Math.round(t);
          // 30–300 packets/s per reflector, over tens of reflectors: thousands of packets/s, tens of Mbit/s at the victim.
          push({ start, end: start + 59_000, src: r, dst: ip, srcPort: amp.port, dstPort: victimPort, proto: 17, packets: int(2000, 20000), ipLength: amp.len, tcpFlags: 0, role: 'reflection' });
          first = Math.min(first, start);
          last = Math.max(last, start);
          seen.add(r);
        }
      }
      ddosVictims.push({ ip, port: victimPort, proto: 17, kind: 'reflection', peers: seen.size, from: first, to: last });
    } else {
      // A botnet's SYN flood: each record is one attacking source's burst of SYNs (100–1000 in up
      // to 10 s), from a pool of sources that recur: thousands of packets/s at the victim.
      const port = rnd() < 0.5 ? 80 : 443;
      const flows = Math.round(((w.to - w.from) / 1000) * scale.synFloodFlowsPerSec);
      const attackers = Array.from({ length: Math.max(50, Math.round(flows / 20)) }, () => alloc.anyAllocated());
      for (let k = 0; k < flows; k++) {
        const start = Math.round(between(w.from, w.to));
        const src = pick(attackers);
        seen.add(src);
        push({ start, end: start + int(1000, 10000), src, dst: ip, srcPort: int(1024, 65535), dstPort: port, proto: 6, packets: int(100, 1000), ipLength: 40, tcpFlags: 0x02, seq: int(0, 0x7fffffff), role: 'syn-flood' });
        first = Math.min(first, start);
        last = Math.max(last, start);
      }
      ddosVictims.push({ ip, port, proto: 6, kind: 'syn-flood', peers: seen.size, from: first, to: last });
    }
  }
  // Backscatter: foreign servers under a spoofed SYN flood elsewhere answer into the darknet.
  for (let v = 0; v < scale.backscatterVictims; v++) {
    const cc = pick(C2_COUNTRIES);
    const ip = alloc.host([cc]);
    note(ip, cc);
    const w = window();
    const port = pick([80, 443, 53, 25]);
    const flows = Math.round(((w.to - w.from) / 1000) * Math.max(0.2, scale.synFloodFlowsPerSec / 5));
    const seen = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    for (let k = 0; k < flows; k++) {
      const start = Math.round(between(w.from, w.to));
      const dst = darknetAddress();
      seen.add(dst);
      push({ start, end: start, src: ip, dst, srcPort: port, dstPort: int(1024, 65535), proto: 6, packets: 1, ipLength: 40, tcpFlags: rnd() < 0.8 ? 0x12 : 0x04, seq: int(0, 0x7fffffff), role: 'backscatter' });
      first = Math.min(first, start);
      last = Math.max(last, start);
    }
    ddosVictims.push({ ip, port, proto: 6, kind: 'backscatter', peers: seen.size, from: first, to: last });
  }

  sessions.sort((a, b) => a.start - b.start);
  const perRole: Record<string, number> = {};
  for (const s of sessions) perRole[s.role] = (perRole[s.role] ?? 0) + 1;
  const c2 = [...c2Labels.values()].sort((a, b) => a.from - b.from);
  const labels: GenerationLabels = {
    format: 'sakimori-labels/1',
    seed,
    scale: scale.name,
    start: startMs,
    end: endMs,
    domesticCountry: DOMESTIC,
    c2,
    bots,
    scanners,
    miraiScanners: scanners.filter((s) => s.family === 'mirai'),
    ddosVictims,
    benignPeriodic,
    darknetPrefixes: [darknetPrefix],
    criticalAssets,
    hosts,
    benignServers: [...benignServers, ...assetServers],
    countries,
    sessions: perRole,
  };
  const seeds = bots.filter((b) => b.seeded).map((b) => ({ ip: b.ip, source: 'notice' }));
  return { sessions, labels, seeds };
}
