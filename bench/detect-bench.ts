/**
 * npm run bench:detect [-- --scale default --seed 1 --mode direct|softflowd --write-docs]
 * Detection quality and cost on a labelled capture (src/eval/):
 * 1. Generates the capture (flow export + darknet packets + labels + seeds.json, a list of known
 *    bots from imported intelligence).
 * 2. Runs `sakimori darknet DARKNET --prefix P --json --seeds-out darknet-seeds.json` first, merges
 *    its domestic scanners (darknet seeds) with seeds.json into seeds-merged.json, then runs
 *    `sakimori detect EXPORT --json --seeds seeds-merged.json --method M --asset CIDR…` for M in
 *    sakimori, rita (the assets are the labels' critical-asset prefixes: the ddos-volume detector
 *    runs in both), each under /usr/bin/time -v (wall time → flows/s, maximum RSS).
 * 3. Scores every detection line (src/eval/detect-score.ts): per kind and per detector precision,
 *    recall, F1, FP rate against the benign sets, time to detect.
 * The last line is `f1-ratio=<sakimori c2 F1 / rita c2 F1>`.
 * Exit code: 0 when every run worked; 1 when a detector CLI is missing or failed.
 * --cli PATH runs another CLI entry point (the bench's own test uses a stand-in).
 * --darknet-input packets|flows: darknet.pcap (packets, TCP sequence numbers kept; default) or the
 * flow-export capture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDetectionLines, scoreDetections, scoreKind, truthFromLabels, type DetectionLine, type ScoreReport } from '../src/eval/detect-score.js';
import { generateLabelled, type GenerationMode } from '../src/eval/generate-labelled.js';
import { formatScoreTable } from '../src/eval/score-table.js';
import { SCALES } from '../src/eval/traffic-scenario.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface RunResult {
  ok: boolean;
  missing: boolean;
  exitCode: number | null;
  wallSec: number;
  maxRssKiB?: number;
  detections: DetectionLine[];
  ignored: number;
  stderrTail: string;
}

function log(s = ''): void {
  process.stdout.write(s + '\n');
}

/** Whether the CLI knows the subcommand (main.ts answers an unknown one with SAKI_ERR_CLI_USAGE "unknown command"). */
export function subcommandAvailable(cli: string, name: string): boolean {
  const r = spawnSync(process.execPath, [cli, name, '--help'], { encoding: 'utf8', timeout: 60_000 });
  return !new RegExp(`unknown command "${name}"`).test(r.stderr ?? '') && !(r.error !== undefined);
}

async function runCli(cli: string, args: string[], outFile: string): Promise<RunResult> {
  const useTime = existsSync('/usr/bin/time');
  const cmd = useTime ? '/usr/bin/time' : process.execPath;
  const argv = useTime ? ['-v', process.execPath, cli, ...args] : [cli, ...args];
  const fd = openSync(outFile, 'w');
  const t0 = performance.now();
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += String(d);
    if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
  });
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  const wallSec = (performance.now() - t0) / 1000;
  closeSync(fd);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const { detections, ignored } = parseDetectionLines(readFileSync(outFile, 'utf8'));
  const missing = /unknown command/.test(stderr);
  return { ok: exitCode === 0, missing, exitCode, wallSec, maxRssKiB: rss ? Number(rss[1]) : undefined, detections, ignored, stderrTail: stderr.split('\n').filter((l) => !/^\s/.test(l) && !/Command (being timed|exited)/.test(l)).slice(-5).join('\n') };
}

function costLine(label: string, r: RunResult, items: number, unit: string): string {
  const rss = r.maxRssKiB !== undefined ? `${(r.maxRssKiB / 1024).toFixed(0)} MiB` : 'n/a';
  return `| ${label} | ${r.exitCode} | ${r.wallSec.toFixed(1)} s | ${Math.round(items / r.wallSec).toLocaleString('en-US')} ${unit}/s | ${rss} | ${r.detections.length} | ${r.ignored} |`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: process.env.BENCH_SCALE ?? 'default' },
      seed: { type: 'string', default: '1' },
      mode: { type: 'string', default: 'direct' },
      cli: { type: 'string', default: join(ROOT, 'dist/src/cli/main.js') },
      methods: { type: 'string', default: 'sakimori,rita' },
      keep: { type: 'string' },
      'darknet-input': { type: 'string', default: 'packets' },
      'seeded-bots': { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
    },
  });
  const scale = SCALES[values.scale!];
  if (!scale) throw new Error(`unknown scale ${values.scale} (${Object.keys(SCALES).join(', ')})`);
  const cli = values.cli!;
  const methods = values.methods!.split(',').filter(Boolean);
  const haveDetect = subcommandAvailable(cli, 'detect');
  const haveDarknet = subcommandAvailable(cli, 'darknet');
  if (!haveDetect && !haveDarknet) {
    log(`detector CLI not available: ${cli} has neither "detect" nor "darknet" (build a branch with the detection engine, then npm run bench:detect)`);
    return 1;
  }
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'saki-bench-detect-'));
  try {
    const t0 = performance.now();
    const gen = await generateLabelled({ outDir: dir, seed: Number(values.seed), scale, mode: values.mode as GenerationMode, ...(values['seeded-bots'] !== undefined ? { seededBotShare: Number(values['seeded-bots']) } : {}) });
    const genSec = (performance.now() - t0) / 1000;
    const labels = gen.scenario.labels;
    const exportFile = gen.files['export-ipfix.pcap'] ?? gen.files['export-softflowd.pcap'];
    const flows = gen.directRecords ?? gen.softflowd?.exportedRecords ?? gen.flows;
    const truth = truthFromLabels(labels);
    const out: string[] = [];
    const say = (s = '') => {
      log(s);
      out.push(s);
    };
    say(`### ${new Date().toISOString().slice(0, 10)}, scale=${scale.name} seed=${values.seed} mode=${values.mode}`);
    say();
    say(`Capture: ${flows.toLocaleString('en-US')} flows over ${scale.durationSec / 3600} h, ${labels.hosts.length} domestic hosts, ${labels.c2.length} C&C, ${labels.bots.length} bots (${labels.bots.filter((b) => b.seeded).length} in seeds.json), ${labels.scanners.length} scanners (${labels.miraiScanners.length} Mirai), ${labels.ddosVictims.length} DDoS victims, ${labels.benignPeriodic.length} benign periodic endpoints; generated in ${genSec.toFixed(1)} s.`);
    say();
    let failed = !haveDetect || !haveDarknet;
    let darknet: RunResult | undefined;
    const darknetSeeds = join(dir, 'darknet-seeds.json');
    if (haveDarknet) {
      const darknetInput = values['darknet-input'] === 'flows' ? exportFile : gen.files['darknet.pcap'];
      darknet = await runCli(cli, ['darknet', darknetInput, '--prefix', labels.darknetPrefixes[0], '--json', '--seeds-out', darknetSeeds], join(dir, 'darknet.jsonl'));
      if (!darknet.ok) failed = true;
    }
    // The detector's seed list: imported intelligence (seeds.json) plus what the darknet saw.
    const seedLists: { ip: string; source: string }[][] = [JSON.parse(readFileSync(gen.files['seeds.json'], 'utf8')) as { ip: string; source: string }[]];
    if (darknet?.ok && existsSync(darknetSeeds)) seedLists.push(JSON.parse(readFileSync(darknetSeeds, 'utf8')) as { ip: string; source: string }[]);
    const merged = seedLists.flat();
    const mergedFile = join(dir, 'seeds-merged.json');
    writeFileSync(mergedFile, JSON.stringify(merged, null, 1) + '\n');
    const seedIps = new Set(merged.map((e) => e.ip));
    const botIps = new Set(labels.bots.map((b) => b.ip));
    const bySource = new Map<string, number>();
    for (const e of merged) bySource.set(e.source, (bySource.get(e.source) ?? 0) + 1);
    const runs = new Map<string, RunResult>();
    if (haveDetect) {
      for (const m of methods) {
        // Critical assets: the operators' registered ranges (never the victims' own addresses).
        const assets = (labels.criticalAssets ?? []).flatMap((c) => ['--asset', c]);
        const r = await runCli(cli, ['detect', exportFile, '--json', '--seeds', mergedFile, '--method', m, ...assets], join(dir, `detect-${m}.jsonl`));
        runs.set(m, r);
        if (!r.ok) failed = true;
      }
    }
    say(`Seeds given to detect: ${seedIps.size} addresses (${[...bySource].map(([k, v]) => `${k} ${v}`).join(', ')}), of which ${[...seedIps].filter((ip) => botIps.has(ip)).length} are bots (of ${labels.bots.length}) and ${labels.c2.filter((c) => seedIps.has(c.ip)).length} are C&C.`);
    say();
    say('| run | exit | wall | throughput | max RSS | detection lines | other lines |');
    say('|---|---:|---:|---:|---:|---:|---:|');
    for (const [m, r] of runs) say(costLine(`detect --method ${m}`, r, flows, 'flows'));
    if (darknet) say(values['darknet-input'] === 'flows' ? costLine('darknet (flows)', darknet, flows, 'flows') : costLine('darknet', darknet, gen.darknetPackets, 'packets'));
    say();
    for (const [m, r] of runs) if (!r.ok) say(`detect --method ${m} failed (exit ${r.exitCode}): ${r.stderrTail}`);
    if (darknet && !darknet.ok) say(`darknet failed (exit ${darknet.exitCode}): ${darknet.stderrTail}`);
    if (!haveDetect) say('detector CLI not available: no "detect" subcommand');
    if (!haveDarknet) say('detector CLI not available: no "darknet" subcommand (scanner/backscatter rows come from detect alone)');
    const reports = new Map<string, ScoreReport>();
    for (const [m, r] of runs) {
      const all = [...r.detections, ...(darknet?.detections ?? [])];
      const report = scoreDetections(truth, all);
      reports.set(m, report);
      say();
      say(`**--method ${m}**${darknet ? ' (with the darknet run)' : ''}`);
      say();
      for (const l of formatScoreTable(report)) say(l);
      // Discovery: C&C servers that appear in no input list (the seed lists name bots, never C&C).
      const listed = new Set(labels.c2.filter((c) => seedIps.has(c.ip)).map((c) => c.ip));
      const unlisted = labels.c2.filter((c) => !listed.has(c.ip)).map((c) => ({ ip: c.ip, port: c.port, proto: c.proto, from: c.from }));
      const discovery = scoreKind(all.filter((d) => d.kind === 'c2' && !listed.has(d.ip)), unlisted, []);
      say();
      say(`C&C discovery (C&C in no input list): found ${discovery.found}/${discovery.positives}, precision ${discovery.precision.toFixed(3)}`);
    }
    if (!haveDetect && darknet) {
      say();
      for (const l of formatScoreTable(scoreDetections(truth, darknet.detections), ['scanner', 'ddos-victim'])) say(l);
    }
    say();
    const sak = reports.get('sakimori')?.byKind.c2.f1;
    const rita = reports.get('rita')?.byKind.c2.f1;
    const ratio = sak === undefined || rita === undefined ? 'n/a' : rita === 0 ? (sak === 0 ? 'n/a' : 'inf') : (sak / rita).toFixed(2);
    const last = `f1-ratio=${ratio} (c2 F1: sakimori=${sak?.toFixed(3) ?? 'n/a'} rita=${rita?.toFixed(3) ?? 'n/a'})`;
    if (values['write-docs']) {
      appendFileSync(join(ROOT, 'docs/benchmarks.md'), `\n${out.join('\n')}\n\`\`\`\n${last}\n\`\`\`\n`);
      log('(section appended to docs/benchmarks.md)');
    }
    log(last);
    return failed ? 1 : 0;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
