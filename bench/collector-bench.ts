/**
 * npm run bench:collector
 * 1. Decode throughput on one core for NetFlow v5, v9 and IPFIX (records/s).
 * 2. Lossless ingest on loopback, side by side with nfdump's nfcapd in the same run: the same
 *    IPFIX stream at rising datagram rates to each; for each the highest rate with < 0.1% records
 *    lost; last line `ratio=<sakimori/nfcapd>`. Steady-state RSS of both.
 * Options (env): BENCH_RATES=10000,25000,... BENCH_SECONDS=4 BENCH_SKIP_INGEST=1 BENCH_ROLE=cyber-office BENCH_DETECT=1
 *   BENCH_CIDRS=N (cyber-office: the approval also names N random IPv4 CIDRs, a threat list every address is looked up in)
 *   BENCH_YOUNG_MB=N (collector.decoderYoungGenerationMb of the Sakimori under test)
 *   BENCH_SENDER=node (the Node traffic source instead of the C one compiled from bench/udp-sender.c)
 *   BENCH_WARMUP_SECONDS=2 BENCH_WARMUP_RATE=30000 (traffic a fresh Sakimori gets before each measured
 *   step, while V8 compiles its hot code; 0 measures from a cold start as before)
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeGeoIo } from '../src/classify/node-geo-io.js';
import { loadGeoDatabase } from '../src/core/classify/geo-loader.js';
import { CounterRegistry } from '../src/core/flow/exporter-counters.js';
import { signApproval, type ApprovalBody } from '../src/core/selection/approval.js';
import { criteriaHash } from '../src/core/selection/criteria.js';
import { ExportDecoder } from '../src/core/flow/export-decoder.js';
import type { FlowRecord } from '../src/core/flow/flow-record.js';
import { encodeNetflowV5, IpfixEncoder, NetflowV9Encoder } from '../src/core/flow/encoders/export-encoder.js';
import { syntheticFlows } from '../src/demo/synthetic-flows.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const NODE_SENDER = join(ROOT, 'dist/bench/udp-sender.js');

/**
 * The traffic source shares the two cores with the collector under test. The Node sender
 * (udp-sender.ts) takes about a core at 25k datagrams/s, starving whichever collector runs; the
 * C one (udp-sender.c, sendmmsg) sends the same stream for about a quarter of a core, most of it
 * the kernel's loopback delivery. It is compiled here when a C compiler is present;
 * BENCH_SENDER=node forces the Node one. Both collectors always get the same sender.
 */
function chooseSender(): { command: string; args: string[]; name: string } {
  if (process.env.BENCH_SENDER !== 'node') {
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'bench-sender-')), 'udp-sender');
      execFileSync('cc', ['-O2', '-o', out, join(ROOT, 'bench/udp-sender.c')], { stdio: 'ignore' });
      return { command: out, args: [], name: 'C (bench/udp-sender.c, sendmmsg)' };
    } catch {
      // No compiler: the Node sender, said so in the output.
    }
  }
  return { command: process.execPath, args: [NODE_SENDER], name: 'Node (bench/udp-sender.ts)' };
}
let sender: ReturnType<typeof chooseSender> | undefined;
// 5k steps from 25k to 85k datagrams/s: both collectors' lossless rates fall in that range (the
// cyber-office role near 35k, the carrier role and nfcapd at 65–85k), and a coarse ladder
// understated whichever fell between two steps.
const RATES = (process.env.BENCH_RATES ?? '10000,25000,30000,35000,40000,45000,50000,55000,60000,65000,70000,75000,80000,85000,100000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
// A fresh Node process runs its first second of traffic in V8's interpreter and baseline code
// while the optimizing compiler catches up: a one-time cost of the process (nfcapd, compiled C, has
// none). Before each measured step Sakimori gets this much traffic, the queue drains, and the step
// counts from there.
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const WARMUP_RATE = Number(process.env.BENCH_WARMUP_RATE ?? 30000);
const LOSS_LIMIT = 0.001;
const BUFFER = 32 * 1024 * 1024;

function log(s: string): void {
  process.stdout.write(s + '\n');
}

function decodeThroughput(): void {
  const flows = syntheticFlows(300_000, { seed: 42, startMs: Date.UTC(2026, 10, 1) });
  const unix = Math.floor(Date.UTC(2026, 10, 1, 0, 5) / 1000);
  const ipfix = new IpfixEncoder({ domain: 1 });
  const v9 = new NetflowV9Encoder({ domain: 1 });
  const streams: [string, Uint8Array[]][] = [
    ['netflow-v5', encodeNetflowV5(flows, unix, 3_600_000)],
    ['netflow-v9', [v9.templatePacket(unix, 3_600_000), ...v9.dataPackets(flows, unix, 3_600_000)]],
    ['ipfix', [ipfix.templateMessage(unix), ...ipfix.dataMessages(flows, unix)]],
  ];
  log('## decode throughput (one core, 300k records per pass, 3 warm-up passes, best of 5 measured)');
  for (const [name, datagrams] of streams) {
    let best = 0;
    for (let pass = 0; pass < 8; pass++) {
      const decoder = new ExportDecoder({ counters: new CounterRegistry(), templateHoldMs: 60_000, maxHeldSetsPerExporter: 100 });
      const out: FlowRecord[] = [];
      const t0 = process.hrtime.bigint();
      let n = 0;
      for (const payload of datagrams) {
        n += decoder.decode({ receivedAt: unix * 1000, exporter: '192.0.2.1', exporterPort: 2055, payload }, out);
        if (out.length > 10_000) out.length = 0;
      }
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (n !== flows.length) throw new Error(`${name}: decoded ${n} of ${flows.length} records`);
      if (pass >= 3) best = Math.max(best, n / s);
    }
    log(`decode ${name}: ${(best / 1e6).toFixed(2)} M records/s`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ticks (user + system) per thread of a process, with the thread's name; empty when /proc is not there. */
function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesized name: state is 3rd, utime 14th, stime 15th.
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      out.set(tid, { name: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(f[11]) + Number(f[12]) });
    }
  } catch {
    // The process or thread ended meanwhile.
  }
  return out;
}

/** Machine-wide CPU ticks: all, and steal (time the hypervisor gave the virtual CPUs to others). */
function machineTicks(): { all: number; idle: number; softirq: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { all: f.reduce((a, b) => a + b, 0), idle: (f[3] ?? 0) + (f[4] ?? 0), softirq: f[6] ?? 0, steal: f[7] ?? 0 };
}

/**
 * Where the CPU went while the sender ran, in % of one core: the collector's threads (each above
 * 2 %, busiest first), the sender (its system time includes the kernel's loopback delivery), and the
 * machine's steal in % of all its cores. On a 2-core machine the three share 200 %.
 */
export interface CpuShare {
  collector: number;
  /** Every thread above 2 %, busiest first ("name pct"). */
  threads: string[];
  sender: number;
  stealPercent: number;
  /** Idle (with I/O wait) and softirq time of the machine, in % of all its cores. */
  idlePercent: number;
  softirqPercent: number;
}

const TICKS_PER_SECOND = 100;

function cpuText(c: CpuShare | undefined): string {
  if (!c) return '';
  return ` cpu: collector=${c.collector.toFixed(0)}% (threads: ${c.threads.join(', ')}) sender=${c.sender.toFixed(0)}% steal=${c.stealPercent.toFixed(0)}% idle=${c.idlePercent.toFixed(0)}% softirq=${c.softirqPercent.toFixed(0)}%`;
}

async function runSender(file: string, port: number, rate: number, collectorPid?: number, seconds = SECONDS): Promise<{ sentData: number; achievedRate: number; cpu?: CpuShare }> {
  sender ??= chooseSender();
  const before = collectorPid !== undefined ? threadTicks(collectorPid) : undefined;
  const m0 = machineTicks();
  const t0 = performance.now();
  // Not execFileSync: the Sakimori step samples the collector's status while the sender runs.
  const { stdout: out } = await promisify(execFile)(sender.command, [...sender.args, file, String(port), String(rate), String(seconds)], { encoding: 'utf8' });
  const elapsed = (performance.now() - t0) / 1000;
  const m1 = machineTicks();
  const sent = JSON.parse(out.trim()) as { sentData: number; achievedRate: number; cpuSeconds?: number };
  if (!before || collectorPid === undefined) return sent;
  const after = threadTicks(collectorPid);
  let total = 0;
  const threads: { name: string; ticks: number }[] = [];
  for (const [tid, a] of after) {
    const d = a.ticks - (before.get(tid)?.ticks ?? 0);
    total += d;
    threads.push({ name: `${a.name}${Number(tid) === collectorPid ? '(main)' : ''}`, ticks: d });
  }
  threads.sort((x, y) => y.ticks - x.ticks);
  const pct = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / elapsed;
  return {
    ...sent,
    cpu: {
      collector: pct(total),
      threads: threads.filter((t) => pct(t.ticks) > 2).map((t) => `${t.name} ${pct(t.ticks).toFixed(0)}%`),
      sender: sent.cpuSeconds !== undefined ? (100 * sent.cpuSeconds) / elapsed : Number.NaN,
      stealPercent: m1.all > m0.all ? (100 * (m1.steal - m0.steal)) / (m1.all - m0.all) : 0,
      idlePercent: m1.all > m0.all ? (100 * (m1.idle - m0.idle)) / (m1.all - m0.all) : 0,
      softirqPercent: m1.all > m0.all ? (100 * (m1.softirq - m0.softirq)) / (m1.all - m0.all) : 0,
    },
  };
}

interface StepResult {
  rate: number;
  achievedRate: number;
  sentRecords: number;
  received: number;
  loss: number;
  rssKiB: number;
  /** Sakimori only: datagrams refused by its full decode queue (the rest of any loss is the kernel's). */
  queueDropped?: number;
  /** Cyber-office role: records through selection, kept, erased. */
  selection?: { in: number; selected: number; erased: number };
  /** Sakimori only: longest event-loop delay of its socket thread during the step (ms). */
  socketDelayMs?: number;
  /** With live detection on: flows it observed and flows it shed while decoding was behind. */
  detection?: { flows: number; shed: number };
  /** Where the CPU went while the sender ran (Linux /proc). */
  cpu?: CpuShare;
  /** Sakimori only, sampled every 100 ms while the sender ran: fullest decode queue (share of capacity) and when it first refused a datagram (ms after the start; -1 never). */
  queueTrace?: { peakShare: number; firstDropMs: number };
}

/** BENCH_DETECT=1 runs live detection in the decode worker too (nfcapd does no detection, so it is off by default). */
const DETECT = process.env.BENCH_DETECT === '1';
/**
 * BENCH_ROLE=cyber-office: the end-to-end path of the selection issue — decode, classify, select
 * under a signed approval (ports 23/2323/445/3389 on the foreign→foreign channel, all fields, domestic
 * addresses pseudonymized), store the selected records in SQLite, erase the rest — against nfcapd
 * decoding and writing every record.
 */
const ROLE = process.env.BENCH_ROLE === 'cyber-office' ? 'cyber-office' : 'carrier';
/**
 * BENCH_CIDRS=N (cyber-office role): the approval also has a criterion of N random IPv4 CIDRs (hosts
 * to /21 and a few wider, as a threat list), so every flow's two addresses are looked up in them.
 */
const CIDRS = Number(process.env.BENCH_CIDRS ?? 0);

/** N random IPv4 CIDRs, deterministic (mulberry32), network addresses only. */
function threatList(n: number): string[] {
  let seed = 0x7e11a;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const w = rand();
    const prefix = w < 0.001 ? 12 + Math.floor(rand() * 9) : 21 + Math.floor(rand() * 12);
    const a = (Math.floor(rand() * 2 ** 32) & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${prefix}`;
  });
}

let geoDir: string | undefined;
async function geoSnapshotDir(): Promise<string> {
  if (geoDir) return geoDir;
  const d = mkdtempSync(join(tmpdir(), 'bench-geo-'));
  await loadGeoDatabase(nodeGeoIo(d));
  return (geoDir = d);
}

/** Approval, criteria and key of the cyber-office run. */
let officeSetup: { dir: string; config: Record<string, unknown> } | undefined;
async function cyberOfficeSetup(): Promise<{ dir: string; config: Record<string, unknown> }> {
  if (officeSetup) return officeSetup;
  const dir = mkdtempSync(join(tmpdir(), 'bench-office-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'bench-key.public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const criteria = {
    version: 1,
    criteria: [
      { id: 'remote-access', description: 'bench: telnet, SMB, RDP', match: { dstPorts: [23, 2323, 445, 3389] } },
      ...(CIDRS > 0 ? [{ id: 'threat-list', description: `bench: ${CIDRS} random CIDRs`, match: { anyCidrs: threatList(CIDRS) } }] : []),
    ],
    fields: ['start', 'end', 'src', 'dst', 'srcPort', 'dstPort', 'proto', 'packets', 'octets', 'direction'],
    allowDomesticAddresses: false,
  };
  const body: ApprovalBody = {
    id: 'bench-office',
    channel: 'foreign-foreign',
    scope: { feeds: ['127.0.0.1'] },
    criteriaHash: criteriaHash(criteria),
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validTo: new Date(Date.now() + 86_400_000).toISOString(),
    approvers: ['bench-key'],
  };
  writeFileSync(join(dir, 'bench.criteria.json'), JSON.stringify(criteria));
  writeFileSync(join(dir, 'bench.approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'bench-key')] }));
  officeSetup = {
    dir,
    config: {
      role: 'cyber-office',
      selection: {
        commissionKeys: [{ keyId: 'bench-key', publicKeyFile: join(dir, 'bench-key.public.pem') }],
        approvals: [{ approvalFile: join(dir, 'bench.approval.json'), criteriaFile: join(dir, 'bench.criteria.json') }],
        watchApprovals: false,
      },
    },
  };
  return officeSetup;
}

async function sakimoriStep(file: string, rate: number, recordsPerDatagram: number): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'saki-bench-'));
  const udp = await freePort();
  const http = await freePort();
  const office = ROLE === 'cyber-office' ? await cyberOfficeSetup() : undefined;
  // A compiled geo snapshot, as a running installation has after its first start: the first-time
  // compile (≈ 6 s of the decode worker's CPU) is not what the benchmark measures.
  if (office || DETECT) cpSync(await geoSnapshotDir(), dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ log: { level: 'warn' }, collector: { storeFlows: false, receiveBufferBytes: BUFFER, ...(process.env.BENCH_YOUNG_MB ? { decoderYoungGenerationMb: Number(process.env.BENCH_YOUNG_MB) } : {}) }, detections: { enabled: DETECT }, ...office?.config }));
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), CLI, 'serve', '--config', join(dir, 'config.json'), '--data-dir', dir, '--http-port', String(http), '--netflow-port', String(udp), '--sflow-port', '0'], { stdio: ['ignore', process.env.BENCH_CHILD_STDOUT === '1' ? 'inherit' : 'ignore', 'inherit'] });
  const status = async () =>
    (await (await fetch(`http://127.0.0.1:${http}/api/v1/collector/status`)).json()) as { decoder?: string; totals: { records: number; queueDropped: number }; queue: { depth: number }; detection?: { flows: number; shed: number }; socketThreadDelayMs?: { max: number } };
  for (let i = 0; i < 100; i++) {
    try {
      await status();
      break;
    } catch {
      await sleep(100);
    }
  }
  // The sockets listen before the decode worker has loaded its code (0.3–0.6 s here):
  // datagrams of that time wait in the queue, which at 80k datagrams/s is full in 0.6 s. A long-
  // running collector is past that; the step starts when the worker reads the queue, as nfcapd's
  // starts once it listens.
  for (let i = 0; i < 100 && (await status()).decoder !== 'running'; i++) await sleep(50);
  // Live detection starts once the worker has loaded the snapshot.
  if (DETECT) await sleep(1500);
  if (office) {
    // The worker verifies the approval and loads the geo snapshot before it selects.
    for (let i = 0; i < 100; i++) {
      const st = (await (await fetch(`http://127.0.0.1:${http}/api/v1/selection/status`)).json()) as { approvals: unknown[] };
      if (st.approvals.length > 0) break;
      await sleep(100);
    }
  }
  // Settled when the queue is empty and the decoded count has not moved for a second: the worker
  // reports every 250 ms and may still be working through its last drain (up to 2,048 datagrams)
  // after the queue looks empty, so two equal readings 200 ms apart are not enough.
  const settled = async () => {
    let s = await status();
    let records = -1;
    let stableSince = Date.now();
    for (let i = 0; i < 100; i++) {
      await sleep(200);
      s = await status();
      if (s.totals.records !== records || s.queue.depth !== 0) {
        records = s.totals.records;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 1000) break;
    }
    return s;
  };
  const selectionTotals = async () =>
    ((await (await fetch(`http://127.0.0.1:${http}/api/v1/selection/status`)).json()) as { totals?: { in: number; selected: number; erased: number } }).totals;
  let base = { records: 0, dropped: 0, detection: { flows: 0, shed: 0 }, selection: undefined as { in: number; selected: number; erased: number } | undefined };
  if (WARMUP_SECONDS > 0) {
    await runSender(file, udp, WARMUP_RATE, undefined, WARMUP_SECONDS);
    const s = await settled();
    base = { records: s.totals.records, dropped: s.totals.queueDropped, detection: s.detection ?? { flows: 0, shed: 0 }, selection: office ? await selectionTotals() : undefined };
  }
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssKiB(child.pid!))), 250);
  // Whether the queue fills at the start (warm-up) or throughout: sampled while the sender runs.
  const trace = { peakShare: 0, firstDropMs: -1 };
  let sending = true;
  const t0 = Date.now();
  const sampling = (async () => {
    const dropped0 = (await status()).totals.queueDropped;
    while (sending) {
      const s = (await status()) as { totals: { queueDropped: number }; queue: { depth: number; capacity?: number } };
      trace.peakShare = Math.max(trace.peakShare, s.queue.capacity ? s.queue.depth / s.queue.capacity : 0);
      if (trace.firstDropMs < 0 && s.totals.queueDropped > dropped0) trace.firstDropMs = Date.now() - t0;
      await sleep(100);
    }
  })();
  const sent = await runSender(file, udp, rate, child.pid);
  sending = false;
  await sampling;
  const end = await settled();
  const received = end.totals.records - base.records;
  const queueDropped = end.totals.queueDropped - base.dropped;
  const detection: StepResult['detection'] = end.detection && { flows: end.detection.flows - base.detection.flows, shed: end.detection.shed - base.detection.shed };
  const socketDelayMs = end.socketThreadDelayMs?.max ?? 0;
  let selection: StepResult['selection'];
  if (office) {
    const t = await selectionTotals();
    const b = base.selection;
    selection = t && b ? { in: t.in - b.in, selected: t.selected - b.selected, erased: t.erased - b.erased } : t;
  }
  clearInterval(rssTimer);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  const sentRecords = sent.sentData * recordsPerDatagram;
  return { rate, achievedRate: sent.achievedRate, sentRecords, received, loss: 1 - received / sentRecords, rssKiB: peakRss, queueDropped, socketDelayMs, queueTrace: trace, ...(selection ? { selection } : {}), ...(detection ? { detection } : {}), ...(sent.cpu ? { cpu: sent.cpu } : {}) };
}

async function nfcapdStep(file: string, rate: number, recordsPerDatagram: number): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'nfcapd-bench-'));
  const udp = await freePort();
  const child = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(udp), '-w', dir, '-t', '3600', '-B', String(BUFFER)], { stdio: ['ignore', 'ignore', 'ignore'] });
  await sleep(500);
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssKiB(child.pid!))), 250);
  const sent = await runSender(file, udp, rate, child.pid);
  await sleep(1000);
  clearInterval(rssTimer);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const files = readdirSync(dir).filter((f) => f.startsWith('nfcapd.'));
  let received = 0;
  for (const f of files) {
    const info = execFileSync('nfdump', ['-r', join(dir, f), '-I'], { encoding: 'utf8' });
    const m = /^Flows:\s+(\d+)/m.exec(info);
    received += m ? Number(m[1]) : 0;
  }
  rmSync(dir, { recursive: true, force: true });
  const sentRecords = sent.sentData * recordsPerDatagram;
  return { rate, achievedRate: sent.achievedRate, sentRecords, received, loss: 1 - received / sentRecords, rssKiB: peakRss, ...(sent.cpu ? { cpu: sent.cpu } : {}) };
}

function highestLossless(results: StepResult[]): number {
  let best = 0;
  for (const r of results) if (r.loss < LOSS_LIMIT) best = Math.max(best, r.rate);
  return best;
}

async function ingest(): Promise<void> {
  const flows = syntheticFlows(30_000, { seed: 7, startMs: Date.now() - 60_000 });
  const enc = new IpfixEncoder({ domain: 1, recordsPerMessage: 30 });
  const unix = Math.floor(Date.now() / 1000);
  const datagrams = [enc.templateMessage(unix), ...enc.dataMessages(flows, unix)];
  const dir = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  const file = join(dir, 'ipfix.stream');
  const framed = datagrams.map((d) => {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(d.length);
    return Buffer.concat([h, Buffer.from(d)]);
  });
  writeFileSync(file, Buffer.concat(framed));
  sender ??= chooseSender();
  log(`traffic source: ${sender.name}`);
  log(`## lossless ingest on loopback, Sakimori role ${ROLE}${ROLE === 'cyber-office' ? ` (decode → classify → select → store selected, erase the rest${CIDRS > 0 ? `; criteria include ${CIDRS} random CIDRs` : ''})` : ''} (IPFIX, 30 records/datagram, ${datagrams[1].length} bytes, ${SECONDS}s per step, socket buffer ${BUFFER} requested; net.core.rmem_max=${readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim()}; ${WARMUP_SECONDS > 0 ? `each Sakimori step after ${WARMUP_SECONDS}s of warm-up traffic at ${WARMUP_RATE}/s, not counted` : 'Sakimori from a cold start'})`);
  const saki: StepResult[] = [];
  const nf: StepResult[] = [];
  for (const rate of RATES) {
    const a = await nfcapdStep(file, rate, 30);
    nf.push(a);
    log(`nfcapd   rate=${rate}/s achieved=${Math.round(a.achievedRate)}/s records sent=${a.sentRecords} received=${a.received} loss=${(a.loss * 100).toFixed(3)}% rss=${(a.rssKiB / 1024).toFixed(0)}MiB${cpuText(a.cpu)}`);
    const b = await sakimoriStep(file, rate, 30);
    saki.push(b);
    const sel =
      (b.selection ? ` selection in=${b.selection.in} selected=${b.selection.selected} erased=${b.selection.erased}` : '') +
      (b.detection ? ` detection observed=${b.detection.flows} shed=${b.detection.shed}` : '') +
      ` socket-thread-max-delay=${(b.socketDelayMs ?? 0).toFixed(0)}ms` +
      (b.queueTrace ? ` queue-peak=${(b.queueTrace.peakShare * 100).toFixed(0)}%${b.queueTrace.firstDropMs >= 0 ? ` first-drop-at=${b.queueTrace.firstDropMs}ms` : ''}` : '') +
      cpuText(b.cpu);
    log(`sakimori rate=${rate}/s achieved=${Math.round(b.achievedRate)}/s records sent=${b.sentRecords} received=${b.received} loss=${(b.loss * 100).toFixed(3)}% (queue-dropped datagrams=${b.queueDropped}) rss=${(b.rssKiB / 1024).toFixed(0)}MiB${sel}`);
  }
  rmSync(dir, { recursive: true, force: true });
  if (officeSetup) rmSync(officeSetup.dir, { recursive: true, force: true });
  if (geoDir) rmSync(geoDir, { recursive: true, force: true });
  const s = highestLossless(saki);
  const n = highestLossless(nf);
  log(`highest lossless rate (<0.1% records lost): sakimori=${s} datagrams/s (${s * 30} records/s), nfcapd=${n} datagrams/s (${n * 30} records/s)`);
  log(`ratio=${n > 0 ? (s / n).toFixed(2) : 'n/a'}`);
}

decodeThroughput();
if (!process.env.BENCH_SKIP_INGEST) await ingest();
