import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GenerationLabels } from '../../src/eval/labels.js';

/** The bench end to end at the tiny scale against a stand-in CLI whose answers are known. */
const BENCH = fileURLToPath(new URL('../../bench/detect-bench.js', import.meta.url));
const STAND_IN = fileURLToPath(new URL('./stand-in-detector-cli.js', import.meta.url));

function bench(env: Record<string, string>, keep?: string) {
  return spawnSync(process.execPath, [BENCH, '--scale', 'tiny', '--seed', '4', '--cli', STAND_IN, ...(keep ? ['--keep', keep] : [])], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

test('bench:detect scores both methods and prints the c2 F1 ratio last', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-bench-test-'));
  try {
    const r = bench({}, dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const labels = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as GenerationLabels;
    const n = labels.c2.length;
    const half = Math.ceil(n / 2);
    const b = labels.benignPeriodic.length;
    // sakimori: all n C&C + 1 NTP trap → P = n/(n+1), R = 1. rita: ⌈n/2⌉ C&C + b traps.
    const f1 = (p: number, q: number) => (2 * p * q) / (p + q);
    const sak = f1(n / (n + 1), 1);
    const rita = f1(half / (half + b), half / n);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), `f1-ratio=${(sak / rita).toFixed(2)} (c2 F1: sakimori=${sak.toFixed(3)} rita=${rita.toFixed(3)})`);
    assert.ok(r.stdout.includes(`| **c2** | ${n + 1} | ${n}/${n} |`), r.stdout);
    assert.ok(r.stdout.includes('| c2 · fan-in |'));
    // Seed lists name bots, never C&C: every C&C counts for discovery.
    assert.ok(r.stdout.includes(`C&C discovery (C&C in no input list): found ${n}/${n}, precision ${(n / (n + 1)).toFixed(3)}`), r.stdout);
    // The merged seed list: seeds.json (known bots) plus the darknet's domestic scanners.
    const merged = JSON.parse(readFileSync(join(dir, 'seeds-merged.json'), 'utf8')) as { ip: string; source: string }[];
    const notice = labels.bots.filter((b) => b.seeded).map((b) => b.ip);
    const darknet = labels.scanners.filter((s) => s.domestic).map((s) => s.ip);
    assert.ok(notice.length > 0 && darknet.length > 0);
    assert.deepEqual(merged.filter((e) => e.source === 'notice').map((e) => e.ip).sort(), [...notice].sort());
    assert.deepEqual(merged.filter((e) => e.source === 'darknet').map((e) => e.ip).sort(), [...darknet].sort());
    assert.equal(merged.filter((e) => labels.c2.some((c) => c.ip === e.ip)).length, 0, 'no C&C in the seed lists');
    assert.match(r.stdout, new RegExp(`Seeds given to detect: ${new Set([...notice, ...darknet]).size} addresses \\(notice ${notice.length}, darknet ${darknet.length}\\), of which \\d+ are bots \\(of ${labels.bots.length}\\) and 0 are C&C\\.`));
    assert.ok(/\| \*\*scanner\*\* \| \d+ \| (\d+)\/\1 \| 1\.000 \| 1\.000 \| 1\.000 \| 0\.0 % \| — \| 60 s \/ 60 s/.test(r.stdout), r.stdout);
    assert.ok(/\| detect --method sakimori \| 0 \| [\d.]+ s \| [\d,]+ flows\/s \| \d+ MiB \| \d+ \| 1 \|/.test(r.stdout), r.stdout);
    assert.ok(r.stdout.includes(`ntp 1/${labels.benignPeriodic.filter((x) => x.service === 'ntp').length} |`), 'the NTP trap is reported');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:detect says "detector CLI not available" and exits non-zero when the subcommands are missing', { timeout: 60_000 }, () => {
  const none = bench({ STANDIN_MISSING: 'detect,darknet' });
  assert.equal(none.status, 1);
  assert.match(none.stdout, /detector CLI not available/);
  const noDarknet = bench({ STANDIN_MISSING: 'darknet' });
  assert.equal(noDarknet.status, 1);
  assert.match(noDarknet.stdout, /detector CLI not available: no "darknet" subcommand/);
  assert.match(noDarknet.stdout.trim().split('\n').at(-1)!, /^f1-ratio=/);
});
