import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassificationConfig } from '../../../src/core/classify/classification-config.js';
import { FLOW_DIRECTIONS, FlowClassifier, type FlowClassification } from '../../../src/core/classify/flow-direction.js';
import { BATCH_DIRECTIONS, ClassifiedBatch, DST_DOMESTIC, OTHER_DIRECTION, SRC_DOMESTIC } from '../../../src/core/selection/classified-batch.js';
import { emptyFlowRecord, type FlowRecord } from '../../../src/core/flow/flow-record.js';
import { syntheticGeo } from './synthetic-geo.js';
import { parseIPv6 } from '../../../src/core/net/ip-text.js';

/**
 * FlowClassifier.classify takes a record's numeric IPv4 twin (FlowRecord.srcV4/dstV4) instead of
 * parsing its text. The result must be the one the text gives: the same record is classified with
 * its twins and with them reset to -1, over random addresses in every kind of range.
 */

const geo = syntheticGeo();

/** Deterministic 32-bit generator (LCG), so a failure names a reproducible address. */
function generator(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
}

/**
 * Prefixes random addresses are drawn from: the synthetic database's countries (JP, US, KR, the
 * nested US block in JP), space it does not know, and special-purpose ranges (private, CGN,
 * loopback, link-local, IETF assignments with nested ranges, documentation, benchmarking, multicast, reserved, broadcast, "this network").
 */
const PREFIXES: [base: number, bits: number][] = [
  [0x01000000, 24],
  [0x02000000, 24],
  [0x03000000, 24],
  [0x05000000, 24],
  [0x05000010, 28],
  [0x04000000, 8],
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xc0000000, 24],
  [0xc0000200, 24],
  [0xc6120000, 15],
  [0xe0000000, 4],
  [0xf0000000, 4],
  [0xffffffff, 32],
  [0x00000000, 8],
  [0x00000000, 0],
];

function randomIPv4(next: () => number): number {
  const [base, bits] = PREFIXES[next() % PREFIXES.length];
  const host = bits === 0 ? next() : bits === 32 ? 0 : next() & (2 ** (32 - bits) - 1);
  return (base | host) >>> 0;
}

const dottedQuad = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** The IPv6 twin selection gets: the four words, null for IPv4 text and IPv4-mapped addresses. */
function v6Words(a: string): number[] | null {
  const w = new Uint32Array(4);
  if (!parseIPv6(a, w) || (w[0] === 0 && w[1] === 0 && w[2] === 0xffff)) return null;
  return [...w];
}

const IPV6 = ['2400::1', '2600::1', 'fd12::1', '::ffff:1.0.0.1', '64:ff9b::2.0.0.1', '2002:100:1::1', '2a00::1'];

/** A record as a decoder builds it: text and twin side by side; now and then an IPv6 endpoint (twin -1). */
function decodedRecord(next: () => number): FlowRecord {
  const r = emptyFlowRecord('ipfix', '192.0.2.1', 0);
  const v6 = next() % 10 === 0;
  if (v6) {
    r.ipVersion = 6;
    r.src = IPV6[next() % IPV6.length];
    r.dst = IPV6[next() % IPV6.length];
  } else {
    r.srcV4 = randomIPv4(next);
    r.dstV4 = randomIPv4(next);
    r.src = dottedQuad(r.srcV4);
    r.dst = dottedQuad(r.dstV4);
  }
  // Exported AS numbers on some records: the origin-AS lookup runs only where they are 0.
  if (next() % 3 === 0) r.srcAs = 1 + (next() % 65000);
  if (next() % 3 === 0) r.dstAs = 1 + (next() % 65000);
  return r;
}

test('classify gives the same result from the numeric twins as from the text', () => {
  const configs = [createClassificationConfig(), createClassificationConfig({ specialAddresses: 'domestic' }), createClassificationConfig({ domesticCountries: ['JP', 'KR'] })];
  const next = generator(20261122);
  const seen = new Set<string>();
  let compared = 0;
  for (const config of configs) {
    const classifier = new FlowClassifier(geo, config);
    const reused: FlowClassification = { direction: 'unknown-unknown', srcCountry: '', dstCountry: '', srcAs: 0, dstAs: 0, srcSpecial: undefined, dstSpecial: undefined, srcV4: -1, dstV4: -1, srcV6: null, dstV6: null };
    for (let i = 0; i < 20_000; i++) {
      const r = decodedRecord(next);
      const fromText = { ...r, srcV4: -1, dstV4: -1 };
      for (const originAs of [true, false]) {
        const expected = classifier.classify(fromText, undefined, originAs);
        const where = `${r.src} → ${r.dst} (originAs ${originAs})`;
        assert.deepEqual(classifier.classify(r, undefined, originAs), expected, where);
        assert.deepEqual({ ...classifier.classify(r, reused, originAs) }, expected, `${where}, reused result`);
        // Only the src side from the twin, the dst side from the text.
        assert.deepEqual(classifier.classify({ ...r, dstV4: -1 }, undefined, originAs), expected, `${where}, dst from text`);
        if (r.ipVersion === 4) assert.deepEqual([expected.srcV4, expected.dstV4], [r.srcV4, r.dstV4], `${where}: twins exposed to selection`);
        assert.deepEqual([expected.srcV6, expected.dstV6], [v6Words(r.src), v6Words(r.dst)], `${where}: IPv6 words exposed to selection`);
        seen.add(`${expected.direction} ${expected.srcCountry} ${expected.srcSpecial ?? ''}`);
        compared++;
      }
    }
  }
  assert.equal(compared, 3 * 20_000 * 2);
  // The draw reached every kind of endpoint: located, unknown and special, on both sides.
  for (const side of ['domestic', 'foreign', 'unknown']) assert.ok([...seen].some((s) => s.startsWith(side)), `a ${side} source was drawn`);
  for (const part of [' JP ', ' US ', ' KR ', ' unknown ', ' special private-use', ' special loopback', ' special limited-broadcast']) {
    assert.ok([...seen].some((s) => s.includes(part)), `"${part.trim()}" was drawn: ${[...seen].slice(0, 5).join('; ')}`);
  }
});

test('classifyColumns gives, flow by flow, what classify gives (numeric twins, text only, IPv6, mixed batches)', () => {
  const configs = [createClassificationConfig(), createClassificationConfig({ specialAddresses: 'domestic' }), createClassificationConfig({ domesticCountries: ['JP', 'KR'] })];
  const next = generator(7_2026);
  let compared = 0;
  for (const config of configs) {
    const classifier = new FlowClassifier(geo, config);
    const batch = new ClassifiedBatch();
    for (let round = 0; round < 20; round++) {
      // Batches of varying size, so the reused columns shrink and grow; some records text-only.
      const records = Array.from({ length: 1 + (next() % 700) }, () => {
        const r = decodedRecord(next);
        const k = next() % 4;
        return k === 0 ? { ...r, srcV4: -1 } : k === 1 ? { ...r, dstV4: -1 } : r;
      });
      batch.load(records);
      classifier.classifyColumns(records, records.length, batch);
      records.forEach((r, i) => {
        const want = classifier.classify(r, undefined, false);
        const where = `${r.src} → ${r.dst}`;
        assert.equal(BATCH_DIRECTIONS[batch.direction[i]], want.direction, where);
        assert.equal(batch.srcCountryOf(i), want.srcCountry, where);
        assert.equal(batch.dstCountryOf(i), want.dstCountry, where);
        assert.equal((batch.domestic[i] & SRC_DOMESTIC) !== 0, want.direction.startsWith('domestic-'), where);
        assert.equal((batch.domestic[i] & DST_DOMESTIC) !== 0, want.direction.endsWith('-domestic'), where);
        assert.deepEqual([batch.srcV4[i], batch.dstV4[i], batch.srcV6[i], batch.dstV6[i]], [want.srcV4, want.dstV4, want.srcV6, want.dstV6], where);
        const f = batch.flowAt(i);
        assert.deepEqual(
          [f.record, f.direction, f.srcCountry, f.dstCountry, f.srcDomestic, f.dstDomestic, f.srcV4, f.dstV4],
          [r, want.direction, want.srcCountry, want.dstCountry, want.direction.startsWith('domestic-'), want.direction.endsWith('-domestic'), want.srcV4, want.dstV4],
          where,
        );
        compared++;
      });
      batch.release();
      assert.equal(batch.length, 0);
      assert.equal(batch.records.length, 0);
      // Nothing of the batch's addresses stays in the reused columns.
      for (let i = 0; i < records.length; i++) {
        assert.deepEqual([batch.srcV4[i], batch.dstV4[i], batch.srcPort[i], batch.dstPort[i], batch.srcV6[i], batch.dstV6[i]], [-1, -1, 0, 0, null, null]);
      }
    }
  }
  assert.ok(compared > 3 * 20 * 100);
});

test('the batch direction codes are the classifier\'s directions in order (side × 3 + side)', () => {
  assert.deepEqual(BATCH_DIRECTIONS.slice(0, OTHER_DIRECTION), [...FLOW_DIRECTIONS]);
  assert.equal(BATCH_DIRECTIONS.length, OTHER_DIRECTION + 1);
});
