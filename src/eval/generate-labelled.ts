/**
 * The IO edge of the labelled traffic generator: reads the ip-location-db CSV files of the
 * installed packages, runs the pure scenario, writes labels.json, seeds.json, the darknet packet
 * capture and the flow-export capture (direct IPFIX encoding, or packets through softflowd).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseIPv4 } from '../core/net/ip-text.js';
import { asRangesFromCsv, CountryRanges } from './address-plan.js';
import { darknetSessions, ipfixExportPcap, packetPcap, sessionsToFlowRecords, sessionsToPackets } from './labelled-capture.js';
import { softflowdExport } from './softflowd-export.js';
import { CLOUD_ASES, generateScenario, SCALES, type Scenario, type ScenarioScale } from './traffic-scenario.js';

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): string {
  return readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file), 'utf8');
}

let cachedGeo: { geo: CountryRanges; cloudAs: Map<number, { start: number; end: number }[]> } | undefined;

/** Country ranges and the cloud providers' AS ranges from the installed data packages (read once per process). */
export function installedAddressData(): { geo: CountryRanges; cloudAs: Map<number, { start: number; end: number }[]> } {
  cachedGeo ??= {
    geo: CountryRanges.fromCsv(packageFile('@ip-location-db/geo-whois-asn-country', 'geo-whois-asn-country-ipv4-num.csv')),
    cloudAs: asRangesFromCsv(packageFile('@ip-location-db/asn', 'asn-ipv4-num.csv'), Object.values(CLOUD_ASES)),
  };
  return cachedGeo;
}

export type GenerationMode = 'direct' | 'softflowd' | 'both';

export interface GenerateOptions {
  outDir: string;
  seed: number;
  scale: ScenarioScale | string;
  mode?: GenerationMode;
  /** Scenario start (ms); default 2026-11-01T00:00:00Z. */
  startMs?: number;
  /** Share of bots listed in seeds.json (ScenarioOptions.seededBotShare). */
  seededBotShare?: number;
  /** Packet mode caps a session's packet train at this many packets (volume attacks would be millions). */
  maxPacketsPerSession?: number;
}

export interface GenerateResult {
  scenario: Scenario;
  files: Record<string, string>;
  flows: number;
  /** Packets in darknet.pcap. */
  darknetPackets: number;
  directRecords?: number;
  softflowd?: { exportedRecords: number; datagrams: number; failures: number; packets: number };
}

export function prefixMatcher(cidr: string): (ip: string) => boolean {
  const [base, len] = cidr.split('/');
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (parseIPv4(base) & mask) >>> 0;
  return (ip: string) => {
    const n = parseIPv4(ip);
    return n >= 0 && ((n & mask) >>> 0) === net;
  };
}

export async function generateLabelled(options: GenerateOptions): Promise<GenerateResult> {
  const scale = typeof options.scale === 'string' ? SCALES[options.scale] : options.scale;
  if (!scale) throw new Error(`unknown scale "${String(options.scale)}" (${Object.keys(SCALES).join(', ')})`);
  const mode = options.mode ?? 'direct';
  const { geo, cloudAs } = installedAddressData();
  const scenario = generateScenario({ seed: options.seed, scale, startMs: options.startMs ?? Date.UTC(2026, 10, 1), geo, cloudAs, ...(options.seededBotShare !== undefined ? { seededBotShare: options.seededBotShare } : {}) });
  mkdirSync(options.outDir, { recursive: true });
  const files: Record<string, string> = {};
  const write = (name: string, data: string | Buffer) => {
    const p = join(options.outDir, name);
    writeFileSync(p, data);
    files[name] = p;
  };
  write('labels.json', JSON.stringify(scenario.labels, null, 1) + '\n');
  write('seeds.json', JSON.stringify(scenario.seeds, null, 1) + '\n');
  const inDarknet = prefixMatcher(scenario.labels.darknetPrefixes[0]);
  const darknetPackets = sessionsToPackets(darknetSessions(scenario.sessions, inDarknet));
  write('darknet.pcap', packetPcap(darknetPackets));
  const result: GenerateResult = { scenario, files, flows: scenario.sessions.length, darknetPackets: darknetPackets.length };
  if (mode === 'direct' || mode === 'both') {
    const records = sessionsToFlowRecords(scenario.sessions, new Set(scenario.labels.hosts));
    write('export-ipfix.pcap', ipfixExportPcap(records).pcap);
    result.directRecords = records.length;
  }
  if (mode === 'softflowd' || mode === 'both') {
    const packets = sessionsToPackets(scenario.sessions, { maxPacketsPerSession: options.maxPacketsPerSession ?? 16 });
    write('packets.pcap', packetPcap(packets));
    const sf = await softflowdExport(files['packets.pcap']);
    write('export-softflowd.pcap', sf.pcap);
    result.softflowd = { exportedRecords: sf.exportedRecords, datagrams: sf.datagrams, failures: sf.failures, packets: packets.length };
  }
  return result;
}
