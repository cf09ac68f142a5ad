/**
 * A stand-in for `sakimori detect|darknet --json`, used only by the bench's own test to exercise its
 * plumbing (subcommand probing, child runs, parsing, scoring, the ratio line) with known answers.
 * It is no detector: it reads the generator's labels.json next to the capture and replays a fixed
 * selection of them, plus deliberate false positives. STANDIN_MISSING=detect,darknet makes it
 * answer like main.ts does for an unknown command.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GenerationLabels } from '../../src/eval/labels.js';

const [name, ...rest] = process.argv.slice(2);
const missing = (process.env.STANDIN_MISSING ?? '').split(',');
if ((name !== 'detect' && name !== 'darknet') || missing.includes(name)) {
  process.stderr.write(`SAKI_ERR_CLI_USAGE: unknown command "${name}"\n`);
  process.exit(2);
}
if (rest.includes('--help')) {
  process.stdout.write(`sakimori ${name} …\n`);
  process.exit(0);
}
const labels = JSON.parse(readFileSync(join(dirname(rest[0]), 'labels.json'), 'utf8')) as GenerationLabels;
const method = rest[rest.indexOf('--method') + 1];
const line = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
process.stdout.write('not json: progress\n');
if (name === 'darknet') {
  const out = rest.indexOf('--seeds-out');
  // Seeds out: the domestic scanners (as the real darknet command writes them).
  if (out >= 0) writeFileSync(rest[out + 1], JSON.stringify(labels.scanners.filter((s) => s.domestic).map((s) => ({ ip: s.ip, source: 'darknet', firstSeen: new Date(s.from).toISOString(), lastSeen: new Date(s.to).toISOString() }))));
  for (const s of labels.scanners) line({ kind: 'scanner', ip: s.ip, port: 0, proto: 0, score: 1, detectors: ['darknet-scan'], family: s.family === 'mirai' ? 'mirai' : undefined, peers: 1, flows: s.probes, detectedAt: s.from + 60_000 });
} else if (method === 'sakimori') {
  // Every C&C, detected 5 minutes in, and one NTP server flagged.
  for (const c of labels.c2) line({ kind: 'c2', ip: c.ip, port: c.port, proto: c.proto, score: 0.9, detectors: ['beacon'], peers: c.bots, flows: 10, detectedAt: c.from + 300_000 });
  const ntp = labels.benignPeriodic.find((b) => b.service === 'ntp')!;
  line({ kind: 'c2', ip: ntp.ip, port: ntp.port, proto: ntp.proto, score: 0.5, detectors: ['fan-in'], peers: ntp.hosts, flows: 100 });
} else {
  // Every other C&C, and every benign periodic endpoint.
  labels.c2.filter((_, i) => i % 2 === 0).forEach((c) => line({ kind: 'c2', ip: c.ip, port: c.port, proto: c.proto, score: 0.7, detectors: ['rita-beacon'], peers: c.bots, flows: 10 }));
  for (const b of labels.benignPeriodic) line({ kind: 'c2', ip: b.ip, port: b.port, proto: b.proto, score: 0.6, detectors: ['rita-beacon'], peers: b.hosts, flows: 10 });
}
