import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { prng } from '../../src/demo/synthetic-flows.js';
import { pcapOfDatagrams } from '../helpers/pcap.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT });

const T0 = Date.parse('2026-06-01T00:00:00Z');
const C2 = '8.8.4.4';
const NTP = '8.8.8.8';
/** 1.0.16.0/20 is allocated to Japan: domestic hosts. */
const host = (i: number) => `1.0.16.${i + 1}`;
const BOTS = [3, 17, 29, 41, 55, 60].map(host);

/** 30 min: 6 bots beacon to C2:23 every 60 s ± 30 %; 50 hosts poll NTP every 64 s; 80 hosts browse. */
function traffic(): FlowRecord[] {
  const rnd = prng(42);
  const out: FlowRecord[] = [];
  const f = (src: string, dst: string, dstPort: number, proto: number, start: number, octets: number, packets: number): void => {
    const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
    Object.assign(r, { src, dst, dstPort, proto, srcPort: 32768 + Math.floor(rnd() * 28000), start: Math.round(start), end: Math.round(start) + 150, octets, packets, sampledOctets: octets, sampledPackets: packets });
    out.push(r);
  };
  const end = T0 + 30 * 60_000;
  for (const b of BOTS) for (let t = T0 + rnd() * 60_000; t < end; t += 60_000 * (0.7 + 0.6 * rnd())) f(b, C2, 23, 6, t, 64, 1);
  for (let i = 70; i < 120; i++) for (let t = T0 + rnd() * 64_000; t < end; t += 64_000) f(host(i), NTP, 123, 17, t, 76, 1);
  for (let i = 0; i < 80; i++) for (let k = 0; k < 20; k++) f(host(i), `104.16.${i}.${k + 1}`, 443, 6, T0 + rnd() * 30 * 60_000, Math.round(2000 + rnd() * 60_000), 10 + Math.floor(rnd() * 40));
  return out.sort((a, b) => a.start - b.start);
}

function writeCapture(dir: string, flows: FlowRecord[]): string {
  const enc = new IpfixEncoder({ domain: 1 });
  const capture = join(dir, 'ipfix.pcap');
  const messages: Uint8Array[] = [enc.templateMessage(T0 / 1000)];
  for (let i = 0; i < flows.length; i += 300) messages.push(...enc.dataMessages(flows.slice(i, i + 300), Math.floor(flows[Math.min(i + 299, flows.length - 1)].end / 1000)));
  writeFileSync(capture, pcapOfDatagrams(messages, T0 / 1000));
  return capture;
}

interface Line {
  kind: string;
  ip: string;
  port: number;
  proto: number;
  score: number;
  detectors: string[];
  peers: number;
  seedPeers: number;
  flows: number;
  firstSeen: string;
  lastSeen: string;
  detectedAt: string;
  country: string;
  as: number;
  family: string | null;
}

test('detect: C&C and bots from an IPFIX capture, ranked JSON lines, summary on stderr; RITA method for comparison', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-detect-'));
  try {
    const flows = traffic();
    const capture = writeCapture(dir, flows);
    const seeds = join(dir, 'seeds.txt');
    writeFileSync(seeds, `# darknet sensor\n${BOTS[0]}\n${BOTS[1]} nicter\n${BOTS[2]}\n\n`);
    const r = run(['detect', capture, '--seeds', seeds, '--data-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    const c2 = lines[0];
    assert.equal(c2.kind, 'c2', r.stdout);
    assert.equal(c2.ip, C2);
    assert.equal(c2.port, 23);
    assert.equal(c2.proto, 6);
    assert.equal(c2.family, 'mirai');
    assert.equal(c2.country, 'US');
    assert.ok(c2.score >= 0.8, String(c2.score));
    assert.ok(c2.detectors.includes('beacon') && c2.detectors.includes('seed-peer'), c2.detectors.join());
    assert.equal(c2.seedPeers, 3);
    assert.equal(c2.peers, 6);
    assert.ok(c2.flows >= 100);
    // Flow time, not wall-clock time: the candidate appeared during the capture's half hour, within minutes.
    const detectedAt = Date.parse(c2.detectedAt);
    assert.ok(detectedAt > Date.parse(c2.firstSeen) && detectedAt < T0 + 15 * 60_000, c2.detectedAt);
    assert.ok(Date.parse(c2.lastSeen) <= T0 + 31 * 60_000);
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i - 1].score >= lines[i].score, 'ranked by score');
    const c2s = lines.filter((l) => l.kind === 'c2').map((l) => `${l.ip}:${l.port}`);
    assert.deepEqual(c2s, [`${C2}:23`], 'NTP and browsing are not C&C candidates');
    assert.deepEqual(lines.filter((l) => l.kind === 'bot').map((l) => l.ip).sort(), [...BOTS].sort());
    const summaryLine = r.stderr.trim().split('\n').at(-1)!;
    assert.match(summaryLine, /^detect summary /);
    const summary = JSON.parse(summaryLine.slice('detect summary '.length)) as Record<string, number | string>;
    assert.equal(summary.flows, flows.length);
    assert.equal(summary.c2, 1);
    assert.equal(summary.bots, 6);
    assert.equal(summary.seeds, 3);
    assert.equal(summary.method, 'sakimori');
    assert.ok(Number(summary.flowsPerSecond) > 0);

    // The RITA-method baseline on the same capture: NTP polled by 50 hosts every 64 s is a perfect beacon to it.
    const rita = run(['detect', capture, '--method', 'rita', '--data-dir', dir]);
    assert.equal(rita.status, 0, rita.stderr);
    const ritaC2 = rita.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line).filter((l) => l.kind === 'c2').map((l) => `${l.ip}:${l.port}`);
    assert.ok(ritaC2.includes(`${NTP}:123`), ritaC2.join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect --asset: a UDP reflection flood toward a critical-asset prefix is a ddos-victim line; other servers of the prefix are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-detect-'));
  try {
    const rnd = prng(7);
    const victim = '1.0.17.10';
    const other = '1.0.17.20';
    const flows = traffic();
    const f = (src: string, dst: string, srcPort: number, dstPort: number, proto: number, start: number, packets: number, size: number) => {
      const r = emptyFlowRecord('ipfix', '127.0.0.1', 1);
      Object.assign(r, { src, dst, srcPort, dstPort, proto, start: Math.round(start), end: Math.round(start) + 5_000, octets: packets * size, packets, sampledOctets: packets * size, sampledPackets: packets, tcpFlags: proto === 6 ? 0x1b : 0 });
      flows.push(r);
    };
    // Both servers serve clients all along; from minute 20 to 25, 80 reflectors flood the victim (NTP, ~8000 packets/s).
    for (const srv of [victim, other]) for (let t = T0; t < T0 + 30 * 60_000; t += 15_000) f(`93.184.${Math.floor(rnd() * 200)}.${1 + Math.floor(rnd() * 250)}`, srv, 40000, 443, 6, t, 20, 800);
    for (let t = T0 + 20 * 60_000; t < T0 + 25 * 60_000; t += 10_000) for (let k = 0; k < 80; k++) f(`45.${k}.1.1`, victim, 123, 50000, 17, t + rnd() * 5_000, 1000, 468);
    flows.sort((a, b) => a.start - b.start);
    const capture = writeCapture(dir, flows);
    const r = run(['detect', capture, '--asset', '1.0.17.0/24', '--data-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line & { facts: Record<string, unknown> });
    const victims = lines.filter((l) => l.kind === 'ddos-victim');
    assert.deepEqual(victims.map((l) => l.ip), [victim]);
    assert.deepEqual(victims[0].detectors, ['ddos-volume']);
    assert.equal(victims[0].facts.shape, 'udp-reflection');
    const detected = Date.parse(victims[0].detectedAt);
    assert.ok(detected >= T0 + 20 * 60_000 && detected <= T0 + 21 * 60_000, victims[0].detectedAt);
    const summary = JSON.parse(/detect summary (.*)/.exec(r.stderr)![1]) as Record<string, unknown>;
    assert.equal(summary.assets, 1);
    assert.equal(summary.ddosVictims, 1);
    // Without --asset the detector does not run.
    const none = run(['detect', capture, '--data-dir', dir]);
    assert.equal(none.stdout.split('\n').filter((l) => l.includes('ddos-victim')).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('detect: bad input is refused with a coded error and no output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-detect-'));
  try {
    const missing = run(['detect', join(dir, 'nope.pcap'), '--data-dir', dir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /SAKI_ERR_CAPTURE_UNREADABLE/);
    assert.equal(missing.stdout, '');
    const capture = writeCapture(dir, traffic().slice(0, 10));
    const badSeeds = join(dir, 'seeds.txt');
    writeFileSync(badSeeds, '1.0.16.1\n1.0.16.999\n');
    const bad = run(['detect', capture, '--seeds', badSeeds, '--data-dir', dir]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SAKI_ERR_SEEDS_INVALID: .*seeds\.txt: line 2/);
    assert.equal(bad.stdout, '');
    const noSeeds = run(['detect', capture, '--seeds', join(dir, 'absent.txt'), '--data-dir', dir]);
    assert.equal(noSeeds.status, 1);
    assert.match(noSeeds.stderr, /SAKI_ERR_SEEDS_UNREADABLE/);
    const method = run(['detect', capture, '--method', 'magic', '--data-dir', dir]);
    assert.equal(method.status, 2);
    assert.match(method.stderr, /SAKI_ERR_CLI_USAGE/);
    assert.equal(run(['detect', '--data-dir', dir]).status, 2);
    const asset = run(['detect', capture, '--asset', '1.0.16.1/16', '--data-dir', dir]);
    assert.equal(asset.status, 1);
    assert.match(asset.stderr, /SAKI_ERR_DDOS_CONFIG/);
    assert.equal(asset.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
