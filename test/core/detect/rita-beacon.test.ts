import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RitaBeaconScorer, ritaDataSizeScore, ritaTimestampScore } from '../../../src/core/detect/rita-beacon-scorer.js';

// Expected values are the worked examples in RITA's own tests (activecm/rita analysis/beacons_test.go).
test('RITA method: timestamp and data-size sub-scores reproduce RITA\'s worked examples', () => {
  assert.equal(ritaTimestampScore([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 1);
  assert.equal(ritaTimestampScore([1517338924, 1517339022, 1517339121, 1517339220, 1517339320, 1517339420, 1517339520, 1517339621, 1517339722, 1517339824]), 0.995);
  // Bi-modal 98/300: IQR ≥ 10 but the median sits between the modes; MAD 101 of 199.
  assert.equal(ritaTimestampScore([1517338924, 1517339022, 1517339322, 1517339420, 1517339720, 1517339818, 1517340118, 1517340216, 1517340516, 1517340614, 1517340914]), 0.746);
  // Random: q1 13.5, q2 90, q3 1000 → skew 0.845; MAD 89 → 0.011.
  assert.equal(ritaTimestampScore([1517338924, 1517338925, 1517339224, 1517339249, 1517344224, 1517344314, 1517344316, 1517344358, 1517344858, 1517346358]), 0.083);
  assert.equal(ritaTimestampScore([60, 60, 60, 60, 60, 60, 60, 60, 60]), undefined);
  assert.equal(ritaTimestampScore([1517338924, 1517338925]), undefined);
  assert.equal(ritaDataSizeScore([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.773);
  assert.equal(ritaDataSizeScore([60, 60, 60, 60, 60, 60, 60, 60, 60]), 1);
  assert.equal(ritaDataSizeScore([98, 99, 99, 100, 100, 100, 101, 101, 102]), 0.995);
});

test('RITA method: a perfect all-day beacon scores 1 on every part; a 1-hour one loses the duration part', () => {
  const scorer = new RitaBeaconScorer({ prevalenceModifier: false });
  const day = 86_400_000;
  const n = 24 * 12; // every 5 minutes for 24 h
  const times = Float64Array.from({ length: n }, (_, i) => i * 300_000);
  const sizes = new Float64Array(n).fill(500);
  const v = scorer.score({ times, sizes, n, proto: 6, port: 443, endpointHosts: 1, serviceHosts: 1, activeHosts: 100, windowStart: 0, now: day }, new Float64Array(n))!;
  assert.deepEqual([v.parts.ts, v.parts.ds, v.parts.dur, v.parts.hist], [1, 1, 1, 1]);
  assert.equal(v.score, 1);
  assert.equal(v.intervalS, 300);
  // The same beacon seen for only the last hour of a day: 1 bar of 24 → no duration score, flat-histogram score 0.
  const m = 12;
  const late = Float64Array.from({ length: m }, (_, i) => day - 3_600_000 + i * 300_000);
  const w = scorer.score({ times: late, sizes: new Float64Array(m).fill(500), n: m, proto: 6, port: 443, endpointHosts: 1, serviceHosts: 1, activeHosts: 100, windowStart: 0, now: day }, new Float64Array(m))!;
  assert.equal(w.parts.dur, 0);
  assert.equal(w.parts.hist, 0);
  assert.equal(w.score, 0.5);
  // RITA's prevalence modifier: −0.15 at ≥ 50 % of internal hosts, +0.15 at ≤ 2 %.
  const withMod = new RitaBeaconScorer();
  assert.equal(withMod.score({ times, sizes, n, proto: 6, port: 443, endpointHosts: 60, serviceHosts: 60, activeHosts: 100, windowStart: 0, now: day }, new Float64Array(n))!.score, 0.85);
  assert.equal(withMod.score({ times: late, sizes: new Float64Array(m).fill(500), n: m, proto: 6, port: 443, endpointHosts: 1, serviceHosts: 1, activeHosts: 100, windowStart: 0, now: day }, new Float64Array(m))!.score, 0.65);
});
