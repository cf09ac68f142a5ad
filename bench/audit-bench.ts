/**
 * npm run bench:audit
 * Transparency log on the embedded database, one process, one core:
 * 1. Batched appends per second (validation, canonical JSON, leaf and node hashes, SQLite commit).
 * 2. Bytes stored per entry (database file after a WAL checkpoint, and per table).
 * 3. Inclusion and consistency proof generation (from SQLite) and verification at the final size.
 * 4. Checkpoint signing, audit export, and offline verification of the whole bundle.
 * 5. Optional (BENCH_PROOF_SIZE=10000000): proof generation and verification over a tree of that
 *    size built straight into the node store from synthetic leaves (no entry validation, so it
 *    builds fast enough to try 10M): proof cost depends on the tree, not on what the leaves say.
 * Options (env): BENCH_ENTRIES=1000000 (alias AUDIT_BENCH_ENTRIES) BENCH_BATCH=10000 BENCH_PROOFS=2000
 *                BENCH_SKIP_VERIFY=1 BENCH_PROOF_SIZE=0 BENCH_DIR=/tmp/x
 * The real 10M-entry run (docs/benchmarks.md; ~5 GB of disk, several minutes):
 *   AUDIT_BENCH_ENTRIES=10000000 BENCH_SKIP_VERIFY=1 npm run bench:audit
 * Above 2M entries the per-table breakdown (a scan of the whole file) is skipped.
 * BENCH_APPEND_SECONDS=N stops appending after N seconds of append time and measures the rest
 * at the size reached (to bound the 10M run on a busy machine; the output says where it stopped).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryLeafHash, type LogEntryInput } from '../src/core/transparency/log-entry.js';
import { verifyConsistency, verifyInclusion } from '../src/core/transparency/merkle-proof.js';
import { MerkleTree } from '../src/core/transparency/merkle-tree.js';
import { openSqlite } from '../src/storage/sqlite/sqlite-database.js';
import { SqliteMerkleNodeStore } from '../src/storage/sqlite/sqlite-merkle-node-store.js';
import { exportBundle } from '../src/transparency/audit-export.js';
import { verifyBundle } from '../src/transparency/audit-verify.js';
import { openTransparencyLog } from '../src/transparency/open-transparency-log.js';
import type { TransparencyLog } from '../src/transparency/transparency-log.js';

const ENTRIES = Number(process.env.AUDIT_BENCH_ENTRIES ?? process.env.BENCH_ENTRIES ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const PROOFS = Number(process.env.BENCH_PROOFS ?? 2000);
const SKIP_VERIFY = process.env.BENCH_SKIP_VERIFY === '1';
const PROOF_SIZE = Number(process.env.BENCH_PROOF_SIZE ?? 0);
const APPEND_SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? Infinity);

function log(s: string): void {
  process.stdout.write(s + '\n');
}

/** Realistic mix: mostly reads of selected data and selection attestations, some decisions. */
function entry(i: number): LogEntryInput {
  const actor = { who: `analyst-${i % 97}`, role: 'cyber-office-analyst', organisation: 'National Cybersecurity Office' };
  switch (i % 10) {
    case 0:
    case 1:
      return {
        type: 'selection-attestation',
        channel: 'foreign-foreign',
        approvalId: `APR-2026-${i % 50}`,
        criteriaHash: 'c'.repeat(64),
        windowStart: '2026-11-01T00:00:00.000Z',
        windowEnd: '2026-11-01T00:01:00.000Z',
        counts: { in: 100_000 + i, selected: 12, erased: 99_988 + i, domesticDomestic: 4_000, outOfScope: 1_200, perCriterion: { 'c2-list': 9, beacon: 3 } },
        softwareVersion: '0.1.0',
      };
    case 2:
      return { type: 'approval-decision', approvalId: `APR-2026-${i}`, subject: 'foreign-transit-acquisition', decision: 'approved', decidedBy: { ...actor, role: 'commission' } };
    case 3:
      return { type: 'case-transition', caseId: `NTR-${i}`, from: 'requested', to: 'authorized', actor: { ...actor, role: 'commander' } };
    default:
      return {
        type: 'selected-data-access',
        actor,
        purpose: 'trace C&C servers of an IoT botnet',
        basisId: `APR-2026-${i % 50}`,
        query: `dst_port IN (23, 2323) AND dst = 203.0.113.${i % 250} AND time >= 2026-11-01T00:00:00Z`,
        resultCount: i % 1000,
      };
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

const us = (ns: bigint | number) => (Number(ns) / 1000).toFixed(1);

async function main(): Promise<void> {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'saki-audit-bench-'));
  log(`# audit bench: ${ENTRIES} entries in batches of ${BATCH}, data in ${dir}`);
  const tlog = openTransparencyLog(dir, { origin: 'bench.example/log' });

  // 1. Appends.
  let appendNs = 0n;
  let appendCpuUs = 0;
  let batches = 0;
  let worstBatchMs = 0;
  for (let start = await tlog.size(); start < ENTRIES; start += BATCH) {
    const inputs = Array.from({ length: Math.min(BATCH, ENTRIES - start) }, (_, k) => entry(start + k));
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await tlog.append(inputs);
    const c1 = process.cpuUsage(c0);
    const dt = process.hrtime.bigint() - t0;
    appendNs += dt;
    appendCpuUs += c1.user + c1.system;
    batches++;
    worstBatchMs = Math.max(worstBatchMs, Number(dt) / 1e6);
    if (Number(appendNs) / 1e9 >= APPEND_SECONDS) {
      log(`appends stopped by BENCH_APPEND_SECONDS=${APPEND_SECONDS} at ${start + inputs.length} of ${ENTRIES} entries`);
      break;
    }
    if (batches % 20 === 0) process.stderr.write(`  ${start + inputs.length} appended, ${(Number(appendNs) / 1e9).toFixed(0)} s\n`);
  }
  const size = await tlog.size();
  if (batches > 0) {
    const perSecond = (size / Number(appendNs)) * 1e9;
    // CPU time too: on a shared machine wall time also measures the neighbours.
    log(
      `appends: ${Math.round(perSecond)} entries/s batched, wall clock (${batches} batches of ${BATCH}, slowest batch ${worstBatchMs.toFixed(0)} ms); ` +
        `${Math.round((size / appendCpuUs) * 1e6)} entries per CPU-second`,
    );
  }

  // 2. Storage.
  const cp0 = process.hrtime.bigint();
  const checkpoint = await tlog.issueCheckpoint();
  log(`checkpoint: signed size ${checkpoint.size} in ${us(process.hrtime.bigint() - cp0)} µs`);
  const db = openSqlite(dir);
  db.raw.pragma('wal_checkpoint(TRUNCATE)');
  const file = statSync(join(dir, 'sakimori.db')).size;
  log(`storage: ${(file / size).toFixed(1)} bytes/entry (database file ${(file / 1e6).toFixed(1)} MB for ${size} entries)`);
  if (size > 2_000_000) log('  (per-table breakdown skipped above 2M entries)');
  else tableBreakdown(db.raw, size);
  await db.close();

  // 3. Proofs at the final size.
  await proofTimings(tlog, size);

  // 4. Export and offline verification.
  if (!SKIP_VERIFY) {
    const bundle = join(dir, 'bundle');
    rmSync(bundle, { recursive: true, force: true });
    const e0 = performance.now();
    await exportBundle(tlog, bundle);
    const e1 = performance.now();
    log(`export: ${((e1 - e0) / 1000).toFixed(1)} s, bundle ${(dirBytes(bundle) / 1e6).toFixed(1)} MB`);
    const vc0 = process.cpuUsage();
    const v = verifyBundle(bundle, { trustedKeys: [tlog.verifierKey as string] });
    const vc1 = process.cpuUsage(vc0);
    const e2 = performance.now();
    if (!v.report.ok) throw new Error(`bundle did not verify: ${v.report.problems[0]?.message}`);
    log(`verify: ${v.report.entries} entries, ${v.report.checkpoints.length} checkpoint(s) in ${((e2 - e1) / 1000).toFixed(1)} s (${Math.round(v.report.entries / ((e2 - e1) / 1000))} entries/s wall clock, ${((vc1.user + vc1.system) / 1e6).toFixed(1)} CPU-s)`);
  }
  await tlog.close();
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  if (PROOF_SIZE > 0) await largeTreeProofs(PROOF_SIZE);
  log(`peak RSS of the whole run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

function tableBreakdown(raw: ReturnType<typeof openSqlite>['raw'], size: number): void {
  try {
    const rows = raw.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE name LIKE 'log_%' OR name LIKE 'sqlite_autoindex_log_%' GROUP BY name").all() as { name: string; bytes: number }[];
    for (const r of rows) log(`  ${r.name}: ${(r.bytes / size).toFixed(1)} bytes/entry`);
    const text = raw.prepare('SELECT AVG(length(entry)) FROM log_entries').pluck().get() as number;
    log(`  mean canonical entry: ${text.toFixed(0)} bytes`);
  } catch {
    log('  (dbstat not available for a per-table breakdown)');
  }
}

/** Proof generation (from the SQLite store) and verification for random leaves and first sizes. */
async function proofTimings(
  src: Pick<TransparencyLog, 'root' | 'storedHashes' | 'inclusionProof' | 'consistencyProof'>,
  size: number,
  label = '',
): Promise<void> {
  const root = await src.root(size);
  const genInc: number[] = [];
  const verInc: number[] = [];
  for (let k = 0; k < PROOFS; k++) {
    const i = Math.floor(Math.random() * size);
    const [leaf] = await src.storedHashes(0, i, i + 1);
    const t0 = process.hrtime.bigint();
    const proof = await src.inclusionProof(i, size);
    const t1 = process.hrtime.bigint();
    verifyInclusion(i, size, leaf as Uint8Array, proof, root);
    const t2 = process.hrtime.bigint();
    genInc.push(Number(t1 - t0));
    verInc.push(Number(t2 - t1));
  }
  log(`inclusion proof at size ${size}${label} (${PROOFS} random leaves): generate p50 ${us(percentile(genInc, 0.5))} µs p99 ${us(percentile(genInc, 0.99))} µs; verify p50 ${us(percentile(verInc, 0.5))} µs p99 ${us(percentile(verInc, 0.99))} µs`);
  const genCon: number[] = [];
  const verCon: number[] = [];
  for (let k = 0; k < PROOFS; k++) {
    const first = 1 + Math.floor(Math.random() * (size - 1));
    const root1 = await src.root(first);
    const t0 = process.hrtime.bigint();
    const proof = await src.consistencyProof(first, size);
    const t1 = process.hrtime.bigint();
    verifyConsistency(first, size, proof, root1, root);
    const t2 = process.hrtime.bigint();
    genCon.push(Number(t1 - t0));
    verCon.push(Number(t2 - t1));
  }
  log(`consistency proof to size ${size}${label} (${PROOFS} random first sizes): generate p50 ${us(percentile(genCon, 0.5))} µs p99 ${us(percentile(genCon, 0.99))} µs; verify p50 ${us(percentile(verCon, 0.5))} µs p99 ${us(percentile(verCon, 0.99))} µs`);
}

/** A tree of `size` synthetic leaves written straight through the SQLite node store. */
async function largeTreeProofs(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'saki-audit-bench-tree-'));
  const db = openSqlite(dir);
  const store = new SqliteMerkleNodeStore(db.raw);
  const insertLeaf = db.raw.prepare('INSERT INTO log_entries (seq, leaf_hash, entry, appended_at) VALUES (?, ?, ?, 0)');
  const tree = new MerkleTree(store);
  const t0 = performance.now();
  const build = db.raw.transaction((start: number, n: number) => {
    const hashes: Uint8Array[] = [];
    for (let i = start; i < start + n; i++) {
      const h = entryLeafHash(`{"synthetic":${i}}`);
      hashes.push(h);
      insertLeaf.run(i, h, '{}');
    }
    tree.appendLeaves(hashes);
  });
  for (let start = 0; start < size; start += 100_000) {
    build(start, Math.min(100_000, size - start));
    process.stderr.write(`  ${start} synthetic leaves\r`);
  }
  log(`synthetic tree: ${size} leaves built in ${((performance.now() - t0) / 1000).toFixed(0)} s (node store only, no entry validation)`);
  const view = {
    root: async (s?: number) => tree.root(s),
    storedHashes: async (_level: number, i: number) => [store.getNode(0, i)],
    inclusionProof: async (i: number, s: number) => tree.inclusionProof(i, s),
    consistencyProof: async (a: number, b: number) => tree.consistencyProof(a, b),
  };
  await proofTimings(view, size, ' (synthetic leaves)');
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
