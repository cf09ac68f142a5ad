import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDetectionLines, scoreDetections, scoreKind, truthFromLabels, type DetectionLine, type ScoringTruth } from '../../src/eval/detect-score.js';
import { formatScoreTable } from '../../src/eval/score-table.js';

/** Hand-made cases: every number below was worked out by hand from the inputs. */
const d = (kind: DetectionLine['kind'], ip: string, port: number, proto: number, detectors: string[], extra: Partial<DetectionLine> = {}): DetectionLine => ({ kind, ip, port, proto, score: 0.9, detectors, ...extra });

const T0 = Date.UTC(2026, 10, 1);

const labels = {
  c2: [
    { ip: '198.51.100.1', port: 23, proto: 6, from: T0 },
    { ip: '198.51.100.2', port: 6667, proto: 6, from: T0 + 3_600_000 },
    { ip: '198.51.100.3', port: 48101, proto: 6, from: T0 },
    { ip: '198.51.100.4', port: 31337, proto: 6, from: T0 },
  ],
  bots: [
    { ip: '192.0.2.10', from: T0 },
    { ip: '192.0.2.11', from: T0 },
  ],
  scanners: [
    { ip: '203.0.113.1', from: T0 },
    { ip: '203.0.113.2', from: T0 },
    { ip: '192.0.2.10', from: T0 },
  ],
  miraiScanners: [
    { ip: '203.0.113.1', from: T0 },
    { ip: '192.0.2.10', from: T0 },
  ],
  ddosVictims: [{ ip: '192.0.2.50', from: T0 + 600_000 }],
  benignPeriodic: [
    { ip: '198.18.0.1', port: 123, proto: 17, service: 'ntp' },
    { ip: '198.18.0.2', port: 443, proto: 6, service: 'telemetry' },
  ],
  hosts: ['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14', '192.0.2.50'],
  benignServers: ['198.18.1.1', '198.18.1.2'],
};

test('c2: precision, recall, F1, FP rate against the benign periodic trap, time to detect', () => {
  const truth = truthFromLabels(labels);
  const dets = [
    d('c2', '198.51.100.1', 23, 6, ['beacon', 'seed-peer'], { detectedAt: T0 + 120_000 }),
    d('c2', '198.51.100.2', 6667, 6, ['beacon'], { detectedAt: T0 + 3_600_000 + 600_000 }),
    // Same C&C on the wrong port: not a match, and not a listed negative either.
    d('c2', '198.51.100.3', 443, 6, ['fan-in']),
    // The NTP trap flagged: a false positive that counts in the FP rate.
    d('c2', '198.18.0.1', 123, 17, ['beacon', 'fan-in']),
    // A duplicate line of a true positive counts once.
    d('c2', '198.51.100.1', 23, 6, ['beacon'], { detectedAt: T0 + 60_000 }),
  ];
  const r = scoreDetections(truth, dets);
  const c2 = r.byKind.c2;
  assert.equal(c2.detections, 4);
  assert.equal(c2.truePositives, 2);
  assert.equal(c2.falsePositives, 2);
  assert.equal(c2.precision, 0.5);
  assert.equal(c2.recall, 0.5);
  assert.equal(c2.f1, 0.5);
  // Negatives: 2 periodic endpoints + 2 servers + 6 hosts = 10; one flagged.
  assert.equal(c2.negatives, 10);
  assert.equal(c2.negativesFlagged, 1);
  assert.equal(c2.fpr, 0.1);
  assert.deepEqual(c2.flaggedByWhat, { ntp: 1 });
  // TTD: C&C 1 first detected at +60 s (the earlier of its two lines), C&C 2 at +600 s after its start.
  assert.deepEqual(c2.ttd, { n: 2, medianSec: 60, p90Sec: 600 });
  // Per detector: beacon named 3 distinct keys (two true C&C and the NTP trap).
  const beacon = r.byDetector.c2.beacon;
  assert.equal(beacon.detections, 3);
  assert.equal(beacon.truePositives, 2);
  assert.ok(Math.abs(beacon.precision - 2 / 3) < 1e-12);
  assert.equal(beacon.recall, 0.5);
  assert.ok(Math.abs(beacon.f1 - (2 * (2 / 3) * 0.5) / (2 / 3 + 0.5)) < 1e-12);
  const fanIn = r.byDetector.c2['fan-in'];
  assert.equal(fanIn.truePositives, 0);
  assert.equal(fanIn.f1, 0);
  assert.equal(r.byDetector.c2['seed-peer'].precision, 1);
  assert.equal(r.byDetector.c2['seed-peer'].recall, 0.25);
});

test('a detection without a port matches any port of that address; kinds are scored separately', () => {
  const truth = truthFromLabels(labels);
  const r = scoreDetections(truth, [d('c2', '198.51.100.4', 0, 0, ['seed-peer']), d('bot', '198.51.100.4', 0, 0, ['seed-peer'])]);
  assert.equal(r.byKind.c2.truePositives, 1);
  assert.equal(r.byKind.bot.truePositives, 0);
  assert.equal(r.byKind.bot.falsePositives, 1);
  // 198.51.100.4 is not a listed negative of kind bot: precision suffers, FP rate does not.
  assert.equal(r.byKind.bot.negativesFlagged, 0);
  assert.equal(r.byKind.bot.fpr, 0);
});

test('bots, scanners with the Mirai family, DDoS victims', () => {
  const truth = truthFromLabels(labels);
  const r = scoreDetections(truth, [
    d('bot', '192.0.2.10', 0, 0, ['seed-peer']),
    d('bot', '192.0.2.12', 0, 0, ['beacon']),
    d('scanner', '203.0.113.1', 0, 0, ['darknet-scan', 'mirai-fingerprint'], { family: 'mirai' }),
    d('scanner', '203.0.113.2', 0, 0, ['darknet-scan'], { family: 'mirai' }),
    d('scanner', '192.0.2.10', 0, 0, ['darknet-scan']),
    d('ddos-victim', '192.0.2.50', 0, 0, ['ddos-volume'], { detectedAt: T0 + 660_000 }),
    d('ddos-victim', '198.18.0.1', 0, 0, ['ddos-volume']),
  ]);
  assert.equal(r.byKind.bot.precision, 0.5);
  assert.equal(r.byKind.bot.recall, 0.5);
  // Bot negatives: 4 non-bot hosts + 2 periodic + 2 servers; 192.0.2.12 flagged.
  assert.equal(r.byKind.bot.negatives, 8);
  assert.equal(r.byKind.bot.fpr, 1 / 8);
  assert.equal(r.byKind.scanner.precision, 1);
  assert.equal(r.byKind.scanner.recall, 1);
  assert.equal(r.byKind.scanner.f1, 1);
  // Mirai: one of the two family=mirai lines is right; 192.0.2.10 (a Mirai bot) is missed as mirai.
  assert.equal(r.mirai!.precision, 0.5);
  assert.equal(r.mirai!.recall, 0.5);
  assert.deepEqual(r.mirai!.flaggedByWhat, { 'non-mirai-scanner': 1 });
  assert.equal(r.byKind['ddos-victim'].precision, 0.5);
  assert.equal(r.byKind['ddos-victim'].recall, 1);
  assert.deepEqual(r.byKind['ddos-victim'].flaggedByWhat, { ntp: 1 });
  assert.deepEqual(r.byKind['ddos-victim'].ttd, { n: 1, medianSec: 60, p90Sec: 60 });
});

test('no detections: precision and recall 0, F1 0, FP rate 0; no positives: recall 0', () => {
  const truth: ScoringTruth = { c2: { positives: [{ ip: '1.1.1.1' }], negatives: [{ ip: '2.2.2.2', what: 'x' }] }, bot: { positives: [], negatives: [] }, scanner: { positives: [], negatives: [] }, 'ddos-victim': { positives: [], negatives: [] } };
  const r = scoreDetections(truth, []);
  assert.equal(r.byKind.c2.f1, 0);
  assert.equal(r.byKind.c2.fpr, 0);
  assert.ok(Number.isNaN(r.byKind.bot.fpr));
  assert.equal(scoreKind([d('bot', '3.3.3.3', 0, 0, [])], [], []).precision, 0);
});

test('parseDetectionLines: detections kept, other lines counted, ISO times accepted', () => {
  const text = [
    '{"kind":"c2","ip":"198.51.100.1","port":23,"proto":6,"score":0.8,"detectors":["beacon"],"peers":3,"flows":40,"detectedAt":"2026-11-01T00:02:00Z"}',
    'progress 50%',
    '',
    '{"kind":"summary","flows":100}',
    '{"kind":"scanner","ip":"203.0.113.1","score":1,"detectors":["darknet-scan"],"family":"mirai","detectedAt":1793491260000}',
  ].join('\n');
  const { detections, ignored } = parseDetectionLines(text);
  assert.equal(ignored, 2);
  assert.equal(detections.length, 2);
  assert.equal(detections[0].detectedAt, Date.parse('2026-11-01T00:02:00Z'));
  assert.equal(detections[0].peers, 3);
  assert.equal(detections[1].port, 0);
  assert.equal(detections[1].family, 'mirai');
});

test('formatScoreTable: a row per kind and per detector', () => {
  const r = scoreDetections(truthFromLabels(labels), [d('c2', '198.51.100.1', 23, 6, ['beacon'])]);
  const lines = formatScoreTable(r);
  assert.ok(lines.some((l) => l.startsWith('| **c2** | 1 | 1/4 | 1.000 | 0.250 | 0.400 | 0.0 % |')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('| c2 · beacon |')));
  assert.ok(lines.some((l) => l.startsWith('| scanner · family=mirai |')));
});
