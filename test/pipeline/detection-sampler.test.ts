import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DetectionSampler, EMPTY_AT, HARD_STOP, RESUME_AT, SHED_AT } from '../../src/pipeline/detection-sampler.js';

test('an empty or short queue: every batch is observed', () => {
  const s = new DetectionSampler();
  for (const fill of [0, EMPTY_AT, RESUME_AT, SHED_AT * 0.99]) for (let i = 0; i < 100; i++) assert.equal(s.admit(fill), true);
});

test('a queue past the threshold halves the observed share per batch; past HARD_STOP nothing is observed', () => {
  const s = new DetectionSampler();
  let observed = 0;
  for (let i = 0; i < 64; i++) if (s.admit(SHED_AT)) observed++;
  assert.ok(observed <= 2, `observed ${observed} of 64 batches while the queue stayed past the threshold`);
  assert.ok(s.share < 0.01);
  const t = new DetectionSampler();
  for (let i = 0; i < 10; i++) assert.equal(t.admit(HARD_STOP), false);
});

test('the share recovers while the queue stays short, and at once when it empties', () => {
  const s = new DetectionSampler();
  for (let i = 0; i < 20; i++) s.admit(SHED_AT);
  const low = s.share;
  for (let i = 0; i < 10; i++) s.admit(RESUME_AT);
  assert.ok(s.share > low * 8, `share ${low} → ${s.share}`);
  s.admit(SHED_AT);
  s.admit(0);
  assert.equal(s.share, 1);
});

test('under a steady share the observed batches are spread evenly (no bursts)', () => {
  const s = new DetectionSampler();
  s.share = 0.25;
  const pattern: boolean[] = [];
  // Between the thresholds the share stays as it is.
  for (let i = 0; i < 40; i++) pattern.push(s.admit((RESUME_AT + SHED_AT) / 2));
  assert.equal(pattern.filter(Boolean).length, 10);
  for (let i = 0; i + 4 <= 40; i += 4) assert.equal(pattern.slice(i, i + 4).filter(Boolean).length, 1, `window ${i}`);
});

test('a simulated overloaded feed: the queue stays bounded and detection still sees a steady sample', () => {
  // Per batch: decoding alone drains 1.25 batches' worth of queue; an observed batch costs 4 more.
  const s = new DetectionSampler();
  let queue = 0;
  const capacity = 1000;
  let observed = 0;
  let peak = 0;
  for (let i = 0; i < 20_000; i++) {
    const admit = s.admit(queue / capacity);
    if (admit) observed++;
    queue = Math.max(0, queue + 1 - 1.25 + (admit ? 4 : 0));
    peak = Math.max(peak, queue);
  }
  assert.ok(peak < capacity * HARD_STOP, `queue peaked at ${peak}`);
  // Spare capacity 0.25 per batch, 4 per observed batch: at most ≈ 6 % can be observed.
  assert.ok(observed / 20_000 > 0.03 && observed / 20_000 < 0.07, `observed share ${observed / 20_000}`);
});
