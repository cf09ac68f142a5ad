#!/usr/bin/env node
/**
 * CLI of the labelled traffic generator:
 *   node dist/src/eval/generate-main.js --out DIR [--seed N] [--scale tiny|small|default|large]
 *        [--mode direct|softflowd|both] [--hosts N --bots N --c2 N --scanners N --duration SEC]
 */
import { parseArgs } from 'node:util';
import { generateLabelled, type GenerationMode } from './generate-labelled.js';
import { SCALES } from './traffic-scenario.js';

const USAGE = `Usage: gen-traffic --out DIR [--seed N] [--scale ${Object.keys(SCALES).join('|')}] [--mode direct|softflowd|both]
       [--hosts N] [--bots N] [--c2 N] [--scanners N] [--duration SEC] [--jitter FRACTION]
       [--seeded-bots FRACTION]
Writes labels.json, seeds.json (known bots), darknet.pcap and export-ipfix.pcap (direct) and/or
packets.pcap + export-softflowd.pcap (softflowd).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      scale: { type: 'string', default: 'small' },
      mode: { type: 'string', default: 'direct' },
      hosts: { type: 'string' },
      bots: { type: 'string' },
      c2: { type: 'string' },
      scanners: { type: 'string' },
      duration: { type: 'string' },
      jitter: { type: 'string' },
      'seeded-bots': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    process.stderr.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const base = SCALES[values.scale!];
  if (!base) {
    process.stderr.write(`SAKI_ERR_CLI_USAGE: unknown scale "${values.scale}"\n${USAGE}\n`);
    return 2;
  }
  if (!['direct', 'softflowd', 'both'].includes(values.mode!)) {
    process.stderr.write(`SAKI_ERR_CLI_USAGE: unknown mode "${values.mode}"\n${USAGE}\n`);
    return 2;
  }
  const num = (v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${v}`);
    return n;
  };
  const scale = {
    ...base,
    name: values.hosts || values.bots || values.c2 || values.scanners || values.duration || values.jitter ? `${base.name}*` : base.name,
    hosts: num(values.hosts, base.hosts),
    bots: num(values.bots, base.bots),
    c2Servers: num(values.c2, base.c2Servers),
    scanners: num(values.scanners, base.scanners),
    durationSec: num(values.duration, base.durationSec),
    beaconJitter: num(values.jitter, base.beaconJitter),
  };
  const t0 = performance.now();
  const r = await generateLabelled({ outDir: values.out, seed: num(values.seed, 1), scale, mode: values.mode as GenerationMode, ...(values['seeded-bots'] !== undefined ? { seededBotShare: num(values['seeded-bots'], 0.3) } : {}) });
  const l = r.scenario.labels;
  process.stdout.write(
    JSON.stringify({
      scale: scale.name,
      seed: l.seed,
      flows: r.flows,
      sessions: l.sessions,
      c2: l.c2.length,
      bots: l.bots.length,
      scanners: l.scanners.length,
      miraiScanners: l.miraiScanners.length,
      ddosVictims: l.ddosVictims.length,
      benignPeriodic: l.benignPeriodic.length,
      darknet: l.darknetPrefixes,
      softflowd: r.softflowd,
      files: r.files,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    }) + '\n',
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`SAKI_ERR_INTERNAL: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
