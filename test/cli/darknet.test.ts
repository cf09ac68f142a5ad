import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcapBuffer, type SyntheticPacket } from '../../src/core/capture/pcap-writer.js';
import { encodeNetflowV5 } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { formatIPv4Number } from '../../src/core/flow/ip-address.js';
import { prng } from '../../src/demo/synthetic-flows.js';
import { parseSeedList } from '../../src/core/detect/seed-list.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { backscatter, darknetAddress, miraiScanner, normalTraffic, plainScanner, sorted, T0 } from '../core/darknet/darknet-fixtures.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT });

/**
 * End to end on the real geolocation data: 126.0.0.0/8 is SoftBank (JP, AS 17676) and
 * 153.120.0.0/13 is in Japan too; 8.8.4.4 is Google (US). One data directory for the whole file,
 * so the geo snapshot is compiled once.
 */
const dir = mkdtempSync(join(tmpdir(), 'saki-darknet-cli-'));
const dataDir = join(dir, 'data');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface JsonDetection {
  kind: string;
  ip: string;
  family?: string;
  detectors: string[];
  country: string;
  as: number;
  firstSeen: string;
  evidence: { facts: Record<string, unknown> };
}

const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonDetection);
const summaryOf = (stderr: string) => JSON.parse(/darknet summary (.*)/.exec(stderr)![1]) as Record<string, unknown>;

test('darknet on a packet capture: Mirai and plain scanners, backscatter victim, domestic scanners recorded', () => {
  const rnd = prng(41);
  const capture = join(dir, 'darknet.pcap');
  writeFileSync(capture, pcapBuffer(sorted([...miraiScanner('126.33.1.2', 30, rnd), ...plainScanner('153.120.5.6', 30, rnd), ...plainScanner('8.8.4.4', 30, rnd), ...backscatter('93.184.216.34', '93.184.216.1', 200, rnd), ...normalTraffic(100, rnd)])));
  const r = run(['darknet', capture, '--prefix', '198.18.0.0/15', '--prefix', '2001:db8:dead::/48', '--json', '--record', '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const ds = lines(r.stdout);
  const mirai = ds.find((d) => d.ip === '126.33.1.2')!;
  assert.equal(mirai.kind, 'scanner');
  assert.equal(mirai.family, 'mirai');
  assert.equal(mirai.country, 'JP');
  assert.equal(mirai.as, 17676);
  assert.ok(!Number.isNaN(Date.parse(mirai.firstSeen)));
  const plain = ds.find((d) => d.ip === '153.120.5.6')!;
  assert.equal(plain.family, undefined);
  assert.equal(plain.evidence.facts.domestic, true);
  assert.equal(ds.find((d) => d.ip === '8.8.4.4')!.evidence.facts.domestic, false);
  const victim = ds.find((d) => d.ip === '93.184.216.34')!;
  assert.equal(victim.kind, 'ddos-victim');
  assert.ok(Number(victim.evidence.facts.estimatedAttackPacketsPerSecond) > 10_000);
  assert.equal(ds.length, 4);
  const s = summaryOf(r.stderr);
  assert.equal(s.input, 'packets');
  assert.equal(s.frames, 30 + 30 + 30 + 200 + 120);
  assert.equal(s.mirai, 1);
  assert.deepEqual(s.recorded, { created: 2, refreshed: 0, reopened: 0 });
});

test('darknet --seeds-out writes the domestic scanners as a seed list that detect --seeds reads', () => {
  const rnd = prng(42);
  const capture = join(dir, 'darknet-seeds.pcap');
  writeFileSync(capture, pcapBuffer(sorted([...miraiScanner('126.33.1.2', 30, rnd), ...plainScanner('153.120.5.6', 30, rnd), ...plainScanner('8.8.4.4', 30, rnd), ...backscatter('93.184.216.34', '93.184.216.1', 200, rnd)])));
  const out = join(dir, 'darknet-seeds.json');
  const r = run(['darknet', capture, '--prefix', '198.18.0.0/15', '--seeds-out', out, '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { ip: string; source: string; firstSeen: string; lastSeen: string }[];
  // Domestic scanners only: not the foreign scanner, not the backscatter victim.
  assert.deepEqual(doc.map((e) => e.ip).sort(), ['126.33.1.2', '153.120.5.6']);
  for (const e of doc) {
    assert.equal(e.source, 'darknet');
    assert.ok(Date.parse(e.firstSeen) <= Date.parse(e.lastSeen));
  }
  assert.deepEqual(parseSeedList(readFileSync(out, 'utf8'), 'x').map((e) => e.source), ['darknet', 'darknet']);
  assert.equal(summaryOf(r.stderr).seedsWritten, 2);
  const bad = run(['darknet', capture, '--prefix', '198.18.0.0/15', '--seeds-out', join(dir, 'no-such-dir', 'x.json'), '--data-dir', dataDir]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /SAKI_ERR_CLI_USAGE: .*--seeds-out .* cannot be written/);
});

test('darknet on a flow-export capture: records addressed to the darknet are detected (no Mirai fingerprint from flows)', () => {
  const rnd = prng(42);
  const flows: FlowRecord[] = [];
  const rec = (src: string, dst: string, srcPort: number, dstPort: number, flags: number): FlowRecord => ({ ...emptyFlowRecord('netflow-v5', '127.0.0.1', 0), src, dst, srcPort, dstPort, proto: 6, tcpFlags: flags, start: T0, end: T0 + 1000, packets: 1, octets: 40, sampledPackets: 1, sampledOctets: 40 });
  for (let i = 0; i < 40; i++) flows.push(rec('126.40.1.1', formatIPv4Number(darknetAddress(rnd)), 50000 + i, 23, 0x02));
  for (let i = 0; i < 40; i++) flows.push(rec('93.184.216.34', formatIPv4Number(darknetAddress(rnd)), 443, 40000 + i, 0x12));
  for (let i = 0; i < 40; i++) flows.push(rec('126.40.1.2', `8.8.8.${i}`, 50000 + i, 443, 0x1b));
  const packets: SyntheticPacket[] = encodeNetflowV5(flows, T0 / 1000 + 2, 10_000).map((payload, i) => ({ time: T0 + 2000 + i, src: '127.0.0.1', dst: '127.0.0.1', proto: 17, srcPort: 50000, dstPort: 2055, ipLength: 28 + payload.length, payload }));
  const capture = join(dir, 'flows.pcap');
  writeFileSync(capture, pcapBuffer(packets));
  const r = run(['darknet', capture, '--prefix', '198.18.0.0/15', '--json', '--data-dir', dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const s = summaryOf(r.stderr);
  assert.equal(s.input, 'flows');
  assert.equal(s.records, 120);
  assert.equal(s.outsideDarknet, 40);
  const ds = lines(r.stdout);
  assert.deepEqual(ds.map((d) => `${d.kind} ${d.ip} ${d.family ?? '-'}`).sort(), ['ddos-victim 93.184.216.34 -', 'scanner 126.40.1.1 -']);
  // Forced to packets, the same capture is UDP to 127.0.0.1: nothing in the darknet.
  const p = run(['darknet', capture, '--prefix', '198.18.0.0/15', '--input', 'packets', '--json', '--data-dir', dataDir]);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout, '');
});

test('notify export (CSV, JSON, per AS) and status changes, refused ones with a coded error', () => {
  const csv = run(['notify', 'export', '--format', 'csv', '--data-dir', dataDir]);
  assert.equal(csv.status, 0, csv.stderr);
  const rows = csv.stdout.split('\r\n').filter(Boolean);
  assert.match(rows[0], /^as,ip,country,family,/);
  assert.equal(rows.length, 3);
  assert.ok(rows.some((l) => l.startsWith('17676,126.33.1.2,JP,mirai,')));
  assert.ok(rows.some((l) => /^\d+,153\.120\.5\.6,JP,,/.test(l)));
  const json = run(['notify', 'export', '--format', 'json', '--as', '17676', '--data-dir', dataDir]);
  assert.equal(json.status, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { lists: { as: number; entries: { ip: string; status: string }[] }[] };
  assert.deepEqual(doc.lists.map((l) => [l.as, l.entries.map((e) => `${e.ip} ${e.status}`)]), [[17676, ['126.33.1.2 new']]]);

  const refused = run(['notify', 'status', '126.33.1.2', 'remediated', '--data-dir', dataDir]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^SAKI_ERR_NOTIFY_TRANSITION: .*new → remediated/);
  const bogus = run(['notify', 'status', '126.33.1.2', 'fixed', '--data-dir', dataDir]);
  assert.equal(bogus.status, 1);
  assert.match(bogus.stderr, /^SAKI_ERR_NOTIFY_STATUS/);
  const ok = run(['notify', 'status', '126.33.1.2', 'notified', '--at', '2026-11-21T09:00:00Z', '--data-dir', dataDir]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, '126.33.1.2 AS17676 notified 2026-11-21T09:00:00.000Z\n');
  const after = JSON.parse(run(['notify', 'export', '--format', 'json', '--status', 'notified', '--data-dir', dataDir]).stdout) as { lists: { entries: { ip: string; notifiedAt: string }[] }[] };
  assert.deepEqual(after.lists.flatMap((l) => l.entries.map((e) => [e.ip, e.notifiedAt])), [['126.33.1.2', '2026-11-21T09:00:00.000Z']]);
});

test('darknet refuses a missing or invalid prefix before reading anything', () => {
  const capture = join(dir, 'darknet.pcap');
  for (const args of [[], ['--prefix', '198.18.0.1/15'], ['--prefix', 'dark']]) {
    const r = run(['darknet', capture, ...args, '--data-dir', dataDir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^SAKI_ERR_DARKNET_PREFIX/);
  }
  const u = run(['notify', 'export', '--data-dir', dataDir]);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /^SAKI_ERR_CLI_USAGE/);
});
