import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressAllowlist, normaliseAddress } from '../../../src/core/share/address-match.js';
import { canTransition, corroborationScore, mergeCarrierEntries, overlapStats, type CarrierEntry } from '../../../src/core/share/hub-merge.js';

const NOW = Date.parse('2026-11-01T12:00:00.000Z');
const H = 3600_000;
const e = (carrierId: string, ip: string, score = 0.6, lastSeen = NOW, port = 443): CarrierEntry => ({ carrierId, ip, port, proto: 6, score, firstSeen: lastSeen - H, lastSeen, detectors: ['beacon'] });

test('corroboration score: noisy-OR over carriers with a recency half-life', () => {
  assert.equal(corroborationScore([{ score: 0.6, lastSeen: NOW }], NOW, 24 * H), 0.6);
  assert.ok(Math.abs(corroborationScore([{ score: 0.6, lastSeen: NOW }, { score: 0.6, lastSeen: NOW }], NOW, 24 * H) - 0.84) < 1e-12);
  assert.ok(Math.abs(corroborationScore([{ score: 0.8, lastSeen: NOW - 24 * H }], NOW, 24 * H) - 0.4) < 1e-12, 'half after one half-life');
  assert.equal(corroborationScore([{ score: 0.8, lastSeen: NOW + H }], NOW, 24 * H), 0.8, 'a future lastSeen does not boost');
});

test('merge de-duplicates by (ip, port, proto), ranks corroborated entries first', () => {
  const merged = mergeCarrierEntries([e('a', '192.0.2.1', 0.7), e('b', '192.0.2.1', 0.5, NOW - 2 * H), e('a', '192.0.2.2', 0.8), e('c', '192.0.2.1', 0.5, NOW, 8080)], NOW, 24 * H);
  assert.equal(merged.length, 3);
  assert.deepEqual(merged[0].carriers.map((c) => c.carrierId), ['a', 'b']);
  assert.equal(merged[0].ip, '192.0.2.1');
  assert.equal(merged[0].firstSeen, NOW - 3 * H);
  assert.equal(merged[0].lastSeen, NOW);
  assert.ok(merged[0].score > 0.8);
  assert.deepEqual(merged.slice(1).map((m) => `${m.ip}:${m.port}`), ['192.0.2.2:443', '192.0.2.1:8080']);
});

test('overlap: pairwise Jaccard and entries seen by 1, 2, ≥ 3 carriers', () => {
  const s = overlapStats([
    e('a', '192.0.2.1'), e('b', '192.0.2.1'), e('c', '192.0.2.1'),
    e('a', '192.0.2.2'), e('b', '192.0.2.2'),
    e('a', '192.0.2.3'), e('c', '192.0.2.4'), e('c', '192.0.2.5'),
  ]);
  assert.equal(s.total, 5);
  assert.deepEqual(s.seenBy, { one: 3, two: 1, threeOrMore: 1 });
  assert.deepEqual(s.carriers, [{ carrierId: 'a', entries: 3, unique: 1 }, { carrierId: 'b', entries: 2, unique: 0 }, { carrierId: 'c', entries: 3, unique: 2 }]);
  assert.deepEqual(s.pairs.map((p) => [p.a, p.b, p.intersection, p.union]), [['a', 'b', 2, 3], ['a', 'c', 1, 5], ['b', 'c', 1, 4]]);
  assert.equal(s.pairs[0].jaccard, 2 / 3);
});

test('vetting transitions: publish only what was vetted', () => {
  assert.ok(canTransition('pending', 'vetted'));
  assert.ok(!canTransition('pending', 'published'));
  assert.ok(canTransition('vetted', 'published'));
  assert.ok(canTransition('published', 'rejected'));
  assert.ok(!canTransition('rejected', 'published'));
});

test('addresses are normalised; the allowlist matches hosts and ranges of both families', () => {
  assert.equal(normaliseAddress('2001:DB8:0:0::1'), '2001:db8::1');
  assert.equal(normaliseAddress('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(normaliseAddress('192.0.2.300'), null);
  const al = new AddressAllowlist(['8.8.8.8', '216.239.35.0/24', '2001:4860:4860::8888']);
  assert.equal(al.match('8.8.8.8'), '8.8.8.8');
  assert.equal(al.match('8.8.8.9'), undefined);
  assert.equal(al.match('216.239.35.12'), '216.239.35.0/24');
  assert.equal(al.match('216.239.36.12'), undefined);
  assert.equal(al.match('2001:4860:4860:0::8888'), '2001:4860:4860::8888');
  assert.throws(() => new AddressAllowlist(['10.0.0.1/8']), TypeError);
});
