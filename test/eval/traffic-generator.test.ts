import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/core/capture/capture-reader.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { ExportDecoder } from '../../src/core/flow/export-decoder.js';
import type { FlowRecord } from '../../src/core/flow/flow-record.js';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { generateLabelled, installedAddressData, prefixMatcher } from '../../src/eval/generate-labelled.js';
import type { GenerationLabels } from '../../src/eval/labels.js';
import { darknetSessions, ipfixExportPcap, packetPcap, sessionsToFlowRecords, sessionsToPackets } from '../../src/eval/labelled-capture.js';
import { generateScenario, SCALES } from '../../src/eval/traffic-scenario.js';

const START = Date.UTC(2026, 10, 1);

function scenario(seed: number) {
  const { geo, cloudAs } = installedAddressData();
  return generateScenario({ seed, scale: SCALES.tiny, startMs: START, geo, cloudAs });
}

function decode(pcap: Uint8Array): { records: FlowRecord[]; malformed: number; unknown: number } {
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 60_000, maxHeldSetsPerExporter: 1000 });
  const records: FlowRecord[] = [];
  for (const d of readCapture(pcap)) decoder.decode({ receivedAt: d.timestamp, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, records);
  decoder.expire(Number.POSITIVE_INFINITY);
  const t = counters.totals();
  return { records, malformed: t.malformed, unknown: t.unknownTemplateExpired };
}

/** tshark's own count of IPFIX/NetFlow data records (one source address per record). */
function tsharkRecordCount(file: string): number {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'cflow.srcaddr', '-E', 'occurrence=a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  return out.split(/[\n,]/).filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x)).length;
}

const key = (r: { src: string; dst: string; srcPort: number; dstPort: number; proto: number }) => `${r.src} ${r.dst} ${r.srcPort} ${r.dstPort} ${r.proto}`;

test('determinism: the same seed gives the same bytes; another seed does not', () => {
  const a = scenario(7);
  const b = scenario(7);
  const c = scenario(8);
  const bytes = (s: ReturnType<typeof scenario>) => {
    const records = sessionsToFlowRecords(s.sessions, new Set(s.labels.hosts));
    return [Buffer.from(JSON.stringify(s.labels)), ipfixExportPcap(records).pcap, packetPcap(sessionsToPackets(s.sessions, { maxPacketsPerSession: 16 }))];
  };
  const [la, ea, pa] = bytes(a);
  const [lb, eb, pb] = bytes(b);
  const [lc, ec] = bytes(c);
  assert.ok(la.equals(lb) && ea.equals(eb) && pa.equals(pb), 'same seed, different bytes');
  assert.ok(!la.equals(lc) && !ea.equals(ec), 'different seeds, same bytes');
  assert.ok(a.sessions.length > 1000, `only ${a.sessions.length} sessions`);
});

test('direct mode: the IPFIX capture decodes to exactly the generated flows (project decoder and tshark agree)', () => {
  const s = scenario(3);
  const records = sessionsToFlowRecords(s.sessions, new Set(s.labels.hosts));
  const dir = mkdtempSync(join(tmpdir(), 'saki-gen-direct-'));
  try {
    const file = join(dir, 'export.pcap');
    const { pcap } = ipfixExportPcap(records);
    writeFileSync(file, pcap);
    const decoded = decode(pcap);
    assert.equal(decoded.malformed, 0);
    assert.equal(decoded.unknown, 0);
    assert.equal(decoded.records.length, s.sessions.length);
    assert.equal(tsharkRecordCount(file), s.sessions.length);
    const want = new Map<string, number>();
    for (const r of s.sessions) want.set(`${key(r)} ${r.start} ${r.packets}`, (want.get(`${key(r)} ${r.start} ${r.packets}`) ?? 0) + 1);
    for (const r of decoded.records) {
      const k = `${key(r)} ${r.start} ${r.packets}`;
      assert.ok((want.get(k) ?? 0) > 0, `decoded a flow that was not generated: ${k}`);
      want.set(k, want.get(k)! - 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('softflowd mode: softflowd exports the packet capture; every record it counts is decoded, tshark agrees', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-gen-sf-'));
  try {
    const r = await generateLabelled({ outDir: dir, seed: 5, scale: 'tiny', mode: 'softflowd' });
    assert.ok(r.softflowd, 'no softflowd result');
    assert.equal(r.softflowd.failures, 0);
    const pcap = readFileSync(r.files['export-softflowd.pcap']);
    const decoded = decode(pcap);
    assert.equal(decoded.malformed, 0);
    assert.equal(decoded.unknown, 0);
    assert.equal(decoded.records.length, r.softflowd.exportedRecords, 'decoded records ≠ softflowd exported records');
    assert.equal(tsharkRecordCount(r.files['export-softflowd.pcap']), r.softflowd.exportedRecords);
    // softflowd merges sessions that share a 5-tuple within its timeouts (a fixed-port scanner
    // probing the same address twice, a reflector every minute): never more records than sessions,
    // every record's 5-tuple generated, every generated 5-tuple exported.
    const generated = new Set(r.scenario.sessions.map(key));
    const exported = new Set(decoded.records.map(key));
    assert.ok(decoded.records.length <= r.scenario.sessions.length);
    for (const k of exported) assert.ok(generated.has(k), `exported a 5-tuple never generated: ${k}`);
    assert.equal(exported.size, generated.size);
    // With -a the flow times are pcap times.
    const { start, end } = r.scenario.labels;
    for (const rec of decoded.records) assert.ok(rec.start >= start - 1000 && rec.end <= end + 60_000, `times ${rec.start}..${rec.end}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('labels agree with the traffic: C&C lifetimes, bots, scanners, Mirai fingerprint, victims, benign endpoints', () => {
  const s = scenario(11);
  const L: GenerationLabels = s.labels;
  const decoded = decode(ipfixExportPcap(sessionsToFlowRecords(s.sessions, new Set(L.hosts))).pcap).records;
  const botIps = new Set(L.bots.map((b) => b.ip));
  assert.ok(L.c2.length >= 4 && L.bots.length >= 4 && L.scanners.length >= 4 && L.ddosVictims.length >= 2 && L.benignPeriodic.length >= 4);
  // Churn: at least one family has more than one C&C, and they do not share their whole lifetime.
  const byFamily = new Map<string, number>();
  for (const c of L.c2) byFamily.set(c.family, (byFamily.get(c.family) ?? 0) + 1);
  assert.ok([...byFamily.values()].some((n) => n > 1), 'no C&C churn');
  for (const c of L.c2) {
    const flows = decoded.filter((r) => r.dst === c.ip && r.dstPort === c.port && r.proto === c.proto);
    assert.ok(flows.length >= 2, `C&C ${c.ip}:${c.port} has ${flows.length} flows`);
    for (const f of flows) {
      assert.ok(botIps.has(f.src), `flow to C&C ${c.ip} from non-bot ${f.src}`);
      assert.ok(f.start >= c.from && f.start <= c.to, `C&C ${c.ip} flow at ${f.start} outside ${c.from}..${c.to}`);
    }
    assert.equal(new Set(flows.map((f) => f.src)).size, c.bots);
    assert.equal(Math.min(...flows.map((f) => f.start)), c.from);
  }
  const c2Ips = new Set(L.c2.map((c) => c.ip));
  for (const b of L.bots) assert.ok(decoded.some((r) => r.src === b.ip && c2Ips.has(r.dst)), `bot ${b.ip} never beacons`);
  // Beacons keep their base interval within the jitter: gaps of one bot to one C&C.
  for (const b of L.bots) {
    const times = decoded.filter((r) => r.src === b.ip && c2Ips.has(r.dst)).map((r) => r.start).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const median = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)];
    for (const g of gaps) assert.ok(g <= median * 2.2, `bot ${b.ip} gap ${g} vs median ${median}`);
  }
  const inDarknet = prefixMatcher(L.darknetPrefixes[0]);
  for (const sc of L.scanners) {
    const probes = s.sessions.filter((x) => x.src === sc.ip && (x.role === 'scan' || x.role === 'bot-scan'));
    assert.equal(probes.length, sc.probes);
    assert.ok(probes.some((p) => inDarknet(p.dst)), `scanner ${sc.ip} never hits the darknet`);
  }
  const mirai = new Set(L.miraiScanners.map((m) => m.ip));
  const dark = darknetSessions(s.sessions, inDarknet);
  for (const p of dark) {
    const isMirai = p.proto === 6 && p.tcpFlags === 0x02 && p.seq === ipv4Number(p.dst);
    if (mirai.has(p.src)) assert.ok(isMirai, `Mirai scanner ${p.src} without the fingerprint`);
    else assert.ok(!isMirai, `non-Mirai source ${p.src} with the fingerprint`);
  }
  // The darknet capture carries the fingerprint in its TCP headers.
  let fingerprinted = 0;
  const dpcap = packetPcap(sessionsToPackets(dark));
  for (let off = 24; off < dpcap.length; ) {
    const caplen = dpcap.readUInt32LE(off + 8);
    const ip = off + 16 + 14;
    if (dpcap[ip + 9] === 6 && dpcap.readUInt32BE(ip + 24) === dpcap.readUInt32BE(ip + 16)) fingerprinted++;
    off += 16 + caplen;
  }
  assert.equal(fingerprinted, dark.filter((p) => mirai.has(p.src)).length);
  for (const v of L.ddosVictims) {
    const flows = decoded.filter((r) => (v.kind === 'backscatter' ? r.src === v.ip : r.dst === v.ip));
    assert.ok(flows.length >= 10, `victim ${v.ip} has ${flows.length} flows`);
    if (v.kind === 'backscatter') for (const f of flows) assert.ok(inDarknet(f.dst) && (f.tcpFlags === 0x12 || f.tcpFlags === 0x04));
  }
  // Critical assets: operator /24s holding each domestic victim and normal servers, never a victim alone.
  const domesticVictims = L.ddosVictims.filter((v) => v.kind !== 'backscatter');
  assert.equal(L.criticalAssets.length, domesticVictims.length);
  for (const v of domesticVictims) {
    const asset = L.criticalAssets.find((c) => prefixMatcher(c)(v.ip));
    assert.ok(asset && asset.endsWith('/24'), `victim ${v.ip} in no asset prefix`);
    assert.ok(L.benignServers.filter((b) => prefixMatcher(asset)(b)).length >= 2, `asset ${asset} holds no normal server`);
    assert.ok(decoded.some((r) => r.dst === v.ip && r.start < v.from), `victim ${v.ip} has no traffic before the attack`);
  }
  for (const b of L.benignPeriodic) {
    const clients = new Set(decoded.filter((r) => r.dst === b.ip && r.dstPort === b.port).map((r) => r.src));
    assert.equal(clients.size, b.hosts, `${b.service} ${b.ip}`);
    for (const h of clients) assert.ok(L.hosts.includes(h));
  }
  assert.equal(decoded.filter((r) => inDarknet(r.src)).length, 0, 'darknet addresses never send');
});

function ipv4Number(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

test('the project classifier places every generated address in its intended country', { timeout: 120_000 }, async () => {
  const s = scenario(13);
  const geoDir = mkdtempSync(join(tmpdir(), 'saki-gen-geo-'));
  try {
    const geo = await loadGeoDatabase(nodeGeoIo(geoDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const entries = Object.entries(s.labels.countries);
    assert.ok(entries.length > 100);
    for (const [ip, cc] of entries) assert.equal(classifier.classifyAddress(ip).country, cc, ip);
    for (const h of s.labels.hosts) assert.equal(classifier.classifyAddress(h).side, 'domestic', h);
    for (const c of s.labels.c2) assert.equal(classifier.classifyAddress(c.ip).side, 'foreign', c.ip);
    for (const sc of s.labels.scanners) assert.equal(classifier.classifyAddress(sc.ip).side, sc.domestic ? 'domestic' : 'foreign', sc.ip);
    const [base] = s.labels.darknetPrefixes[0].split('/');
    assert.equal(classifier.classifyAddress(base).side, 'domestic');
    const last = ipv4Number(base) + 2 ** (32 - Number(s.labels.darknetPrefixes[0].split('/')[1])) - 1;
    assert.equal(classifier.classifyAddress(`${last >>> 24}.${(last >>> 16) & 255}.${(last >>> 8) & 255}.${last & 255}`).side, 'domestic');
  } finally {
    rmSync(geoDir, { recursive: true, force: true });
  }
});

test('seeds.json lists known bots (a configurable share), never a C&C server', () => {
  const { geo, cloudAs } = installedAddressData();
  const s = generateScenario({ seed: 5, scale: SCALES.small, startMs: START, geo, cloudAs });
  const bots = new Set(s.labels.bots.map((b) => b.ip));
  assert.equal(s.seeds.length, Math.round(0.3 * s.labels.bots.length));
  for (const e of s.seeds) {
    assert.ok(bots.has(e.ip), `${e.ip} is not a bot`);
    assert.equal(e.source, 'notice');
  }
  assert.deepEqual(s.seeds.map((e) => e.ip).sort(), s.labels.bots.filter((b) => b.seeded).map((b) => b.ip).sort());
  const none = generateScenario({ seed: 5, scale: SCALES.small, startMs: START, geo, cloudAs, seededBotShare: 0 });
  assert.equal(none.seeds.length, 0);
  // The share changes the seed list only, not the traffic.
  assert.equal(none.sessions.length, s.sessions.length);
});
