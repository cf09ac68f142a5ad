/**
 * npm run bench:selection
 * Pure selection throughput on one core: 100k random IPv4/IPv6 CIDRs spread over 1 000 criteria
 * plus 1 000 port rules (dstPorts + protocol), 1M random classified flows (about a fifth inside
 * some CIDR), all fields output with domestic addresses pseudonymized. Reports compile time and
 * records/s (best and median of BENCH_RUNS passes over the same flows). Flows carry the numeric
 * addresses the classifier passes on (IPv4 numbers, IPv6 words), as in the collector
 * (BENCH_NUMERIC=0: text only). Run with the
 * decode worker's nursery (`--max-semi-space-size=64`, collector.decoderYoungGenerationMb 192).
 * Options (env): BENCH_NUMERIC=1 BENCH_HIT=0.1 BENCH_FLOWS=1000000 BENCH_CIDRS=100000 BENCH_PORT_RULES=1000 BENCH_RUNS=5
 *   BENCH_BATCH=5000 BENCH_FIELDS=start,end,src,dst (default: every output field) BENCH_ALLOW_DOMESTIC=1 (no pseudonyms)
 *   BENCH_NATIVE=0 (pseudonyms and IPv4 CIDR lookups in TypeScript even when the native accelerators are built)
 *   BENCH_OUTPUT=blocks (selectBlocks: the kept flows encoded into stored blocks, as the collector's
 *   stage does, instead of select()'s minimized record objects)
 *   BENCH_CPU_PROFILE=FILE (a V8 CPU profile of the timed runs only, for Chrome DevTools)
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { emptyFlowRecord } from '../src/core/flow/flow-record.js';
import { parseIPv6 } from '../src/core/net/ip-text.js';
import { parseIPv4 } from '../src/core/selection/address-text.js';
import { signApproval, verifyApproval, type ApprovalBody } from '../src/core/selection/approval.js';
import type { ClassifiedFlow } from '../src/core/selection/classified-flow.js';
import { ClassifiedBatch } from '../src/core/selection/classified-batch.js';
import { criteriaHash, OUTPUT_FIELDS } from '../src/core/selection/criteria.js';
import { Pseudonymizer } from '../src/core/selection/pseudonym.js';
import { compileSelector } from '../src/core/selection/selector.js';
import { nativeAddon } from '../src/native/native-addon.js';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const CIDRS = Number(process.env.BENCH_CIDRS ?? 100_000);
const PORT_RULES = Number(process.env.BENCH_PORT_RULES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Fraction of endpoint addresses drawn from inside a criterion CIDR (the rest are uniform random).
const HIT = Number(process.env.BENCH_HIT ?? 0.1);
// Flows carry srcV4/dstV4 as the collector's classifier passes them on (BENCH_NUMERIC=0: text only).
const NUMERIC = process.env.BENCH_NUMERIC !== '0';
const CIDR_CRITERIA = 1000;
// The collector's pipeline hands selection batches of 5,000 records (FlowPipeline's default).
const BATCH = Number(process.env.BENCH_BATCH ?? 5000);
const FIELDS = process.env.BENCH_FIELDS ? process.env.BENCH_FIELDS.split(',') : [...OUTPUT_FIELDS];
const ALLOW_DOMESTIC = process.env.BENCH_ALLOW_DOMESTIC === '1';
const BLOCKS = process.env.BENCH_OUTPUT === 'blocks';
const NATIVE = process.env.BENCH_NATIVE === '0' ? undefined : nativeAddon();

let seed = 0x5a4b1;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const u32 = () => Math.floor(rand() * 2 ** 32) >>> 0;
const hex = () => Math.floor(rand() * 65536).toString(16);

function randomCidr(): string {
  if (rand() < 0.9) {
    // Threat lists are mostly hosts and small blocks; a few wide /8–/12 overlap everything under them.
    const w = rand();
    const prefix = w < 0.0001 ? 8 + Math.floor(rand() * 5) : w < 0.005 ? 13 + Math.floor(rand() * 8) : 21 + Math.floor(rand() * 12);
    const mask = (0xffffffff << (32 - prefix)) >>> 0;
    return `${v4((u32() & mask) >>> 0)}/${prefix}`;
  }
  return `2001:db8:${hex()}::/48`;
}

/** The classifier's IPv6 twin: the four words of an IPv6 address that is not IPv4-mapped, else null. */
function v6Words(a: string): number[] | null {
  const w = new Uint32Array(4);
  if (!parseIPv6(a, w) || (w[0] === 0 && w[1] === 0 && w[2] === 0xffff)) return null;
  return [...w];
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const criteria: { id: string; description: string; match: Record<string, unknown> }[] = [];
  const perCrit = Math.ceil(CIDRS / CIDR_CRITERIA);
  for (let i = 0, left = CIDRS; left > 0; i++, left -= perCrit) {
    const cidrs = Array.from({ length: Math.min(perCrit, left) }, randomCidr);
    criteria.push({ id: `cidr-${i}`, description: 'bench CIDR set', match: i % 2 ? { dstCidrs: cidrs } : { anyCidrs: cidrs } });
  }
  for (let i = 0; i < PORT_RULES; i++) {
    criteria.push({ id: `port-${i}`, description: 'bench port rule', match: { dstPorts: [1 + Math.floor(rand() * 65535)], protocols: [rand() < 0.5 ? 6 : 17] } });
  }
  const doc = { version: 1, criteria, fields: FIELDS, allowDomesticAddresses: ALLOW_DOMESTIC };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const body: ApprovalBody = {
    id: 'bench',
    channel: 'foreign-domestic',
    scope: { feeds: ['192.0.2.1'] },
    criteriaHash: criteriaHash(doc),
    validFrom: '2000-01-01T00:00:00Z',
    validTo: '2100-01-01T00:00:00Z',
    approvers: ['bench'],
  };
  const v = verifyApproval({ ...body, signatures: [signApproval(body, privateKey, 'k')] }, doc, new Map([['k', publicKey]]), Date.now(), { minSignatures: 1 });
  if (!v.ok) throw v.error;
  const t1 = performance.now();
  const selector = compileSelector(doc, v.approval, { pseudonymizer: new Pseudonymizer('p1', Buffer.alloc(32, 9), NATIVE), cidrAccelerator: NATIVE });
  const t2 = performance.now();
  const cidrSample = criteria.slice(0, CIDR_CRITERIA).flatMap((c) => (c.match.anyCidrs ?? c.match.dstCidrs) as string[]);
  const inside = (): string => {
    const c = cidrSample[Math.floor(rand() * cidrSample.length)];
    const [a, p] = c.split('/');
    if (a.includes(':')) return `${a.slice(0, -1)}${hex()}`;
    const base = a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    return v4((base + Math.floor(rand() * 2 ** (32 - Number(p)))) >>> 0);
  };
  const flows: ClassifiedFlow[] = new Array(FLOWS);
  for (let i = 0; i < FLOWS; i++) {
    const r = emptyFlowRecord('ipfix', '192.0.2.1', 0);
    const six = rand() < 0.1;
    r.ipVersion = six ? 6 : 4;
    r.src = rand() < HIT ? inside() : six ? `2001:db8:${hex()}::${hex()}` : v4(u32());
    r.dst = rand() < HIT ? inside() : six ? `2001:db8:${hex()}::${hex()}` : v4(u32());
    r.srcPort = Math.floor(rand() * 65536);
    r.dstPort = rand() < 0.5 ? [80, 443, 53, 22, 23][Math.floor(rand() * 5)] : Math.floor(rand() * 65536);
    r.proto = rand() < 0.7 ? 6 : 17;
    r.start = 1_700_000_000_000;
    r.end = r.start + 1000;
    const sd = rand() < 0.3;
    const dd = !sd && rand() < 0.5;
    flows[i] = { record: r, direction: sd ? 'domestic-foreign' : dd ? 'foreign-domestic' : 'foreign-foreign', srcCountry: sd ? 'JP' : 'US', dstCountry: dd ? 'JP' : 'US', srcDomestic: sd, dstDomestic: dd };
    if (NUMERIC) {
      // As the classifier passes them on: IPv4 as a number, IPv6 as four words (-1 / null otherwise).
      flows[i].srcV4 = parseIPv4(r.src);
      flows[i].dstV4 = parseIPv4(r.dst);
      flows[i].srcV6 = v6Words(r.src);
      flows[i].dstV6 = v6Words(r.dst);
    }
  }
  const now = Date.now();
  // The batches in columns, as the selection stage hands them over after classification
  // (classified-batch.ts); building them is the stage's work, not the selector's.
  const batches: ClassifiedBatch[] = [];
  for (let off = 0; off < FLOWS; off += BATCH) {
    const b = ClassifiedBatch.of(flows.slice(off, off + BATCH));
    b.flows = undefined;
    batches.push(b);
  }
  // Warm-up so the JIT has compiled the hot path before timing.
  const selectOne = BLOCKS ? (b: ClassifiedBatch) => selector.selectBlocks(b, now) : (b: ClassifiedBatch) => selector.select(b, now);
  for (let k = 0; k < batches.length && k * BATCH < 100_000; k++) selectOne(batches[k]);
  const rates: number[] = [];
  // Records per CPU-second of this process (the select calls and the GC they cause): on a shared
  // machine the wall clock also measures the neighbours.
  const cpuRates: number[] = [];
  let last: { counts: { in: number; selected: number; erased: number } } = selector.select([], now);
  // Garbage collection during the timed runs only (the flows' generation above collects too).
  const gcEntries: { startTime: number; duration: number }[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcEntries.push({ startTime: e.startTime, duration: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const profileFile = process.env.BENCH_CPU_PROFILE;
  const profiler = profileFile ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const timedStart = performance.now();
  for (let run = 0; run < RUNS; run++) {
    const s = performance.now();
    const c0 = process.cpuUsage();
    for (const b of batches) last = selectOne(b);
    const cpu = process.cpuUsage(c0);
    const secs = (performance.now() - s) / 1000;
    rates.push(FLOWS / secs);
    cpuRates.push(FLOWS / ((cpu.user + cpu.system) / 1e6));
  }
  const timedEnd = performance.now();
  if (profiler && profileFile) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    profiler.disconnect();
  }
  const timedMs = timedEnd - timedStart;
  // GC entries arrive asynchronously: give them time, then keep those that began in the timed runs.
  await new Promise((r) => setTimeout(r, 200));
  gcObserver.disconnect();
  const timedGc = gcEntries.filter((e) => e.startTime >= timedStart && e.startTime < timedEnd);
  const gcMs = timedGc.reduce((t, e) => t + e.duration, 0);
  const gcCount = timedGc.length;
  rates.sort((a, b) => a - b);
  cpuRates.sort((a, b) => a - b);
  const c = last.counts;
  process.stdout.write(
    [
      `output=${BLOCKS ? 'blocks' : 'records'} numeric=${NUMERIC} batch=${BATCH} hit=${HIT} fields=${FIELDS.length} pseudonyms=${ALLOW_DOMESTIC ? 'none' : NATIVE ? `native(${NATIVE.sha256Accelerated() ? 'sha-extensions' : 'portable'})` : 'typescript'} cidr-lookups=${NATIVE ? 'native' : 'typescript'} criteria=${criteria.length} cidrs=${CIDRS} portRules=${PORT_RULES} flows=${FLOWS} runs=${RUNS}`,
      `build criteria+verify ${(t1 - t0).toFixed(0)} ms, compile selector ${(t2 - t1).toFixed(0)} ms`,
      `last batch: in=${c.in} selected=${c.selected} erased=${c.erased}`,
      `rss=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB; garbage collection during the timed runs: ${gcCount} pauses, ${gcMs.toFixed(0)} ms of ${timedMs.toFixed(0)} ms`,
      `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; records per CPU-second best=${cpuRates[cpuRates.length - 1].toFixed(0)} median=${cpuRates[Math.floor(cpuRates.length / 2)].toFixed(0)}`,
      `records/s best=${rates[rates.length - 1].toFixed(0)} median=${rates[Math.floor(rates.length / 2)].toFixed(0)} (goal ≥ 3000000)`,
      '',
    ].join('\n'),
  );
}

await main();
