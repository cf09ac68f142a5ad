import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError, canonicalJsonOfValidated, isCanonicalJson } from '../../src/core/transparency/canonical-json.js';
import { decodeLogEntry, encodeLogEntry, entryLeafHash, LOG_ENTRY_TYPES, LogEntryError, MAX_ENTRY_BYTES } from '../../src/core/transparency/log-entry.js';
import { leafHash } from '../../src/core/transparency/merkle-hash.js';
import { selectionAttestation } from '../../src/core/selection/attestation.js';
import { selectionAttestationEntry } from '../../src/transparency/selection-entries.js';
import { sampleEntry } from './sample-entries.js';

const NOW = '2026-11-01T09:00:00.000Z';

test('canonical JSON follows RFC 8785: sorted members by UTF-16 units, ES number and string forms, no whitespace', () => {
  // RFC 8785 §3.2.3 sorting example: member names compared as UTF-16 code units.
  const sorting = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  assert.equal(
    canonicalJson(sorting),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
  // RFC 8785 §3.2.2.3 number samples.
  assert.equal(canonicalJson([Number('333333333.33333329'), 1e30, 4.5, 2e-3, 0.000001, 1e-7, -0, 9007199254740991]), '[333333333.3333333,1e+30,4.5,0.002,0.000001,1e-7,0,9007199254740991]');
  assert.equal(canonicalJson({ b: [true, null, 'x\n"y"'], a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":[true,null,"x\\n\\"y\\""]}');
  assert.ok(isCanonicalJson('{"a":1,"b":2}'));
  assert.ok(!isCanonicalJson('{"b":2,"a":1}'));
  assert.ok(!isCanonicalJson('{"a": 1}'));
  assert.ok(!isCanonicalJson('{"a":1.0}'));
});

test('the fast path for validated values gives the same text, array-index and __proto__ keys included', () => {
  const values: unknown[] = [
    { b: 1, a: [{ z: 'x', y: null }], c: { '10': 1, '9': 2, '01': 3, x: true } },
    JSON.parse('{"__proto__":{"b":1,"a":2},"k":"\u00e9\ud83d\ude00"}'),
    { perCriterion: { 'c2-list': 3, '7': 1, beacon: 0 }, n: -0, f: 0.1 },
    [],
    'plain',
    { a: undefined, b: 2 },
  ];
  for (const v of values) assert.equal(canonicalJsonOfValidated(v), canonicalJson(v, { omitUndefined: true }), JSON.stringify(v));
  for (let i = 0; i < 14; i++) {
    const { entry, text } = encodeLogEntry(sampleEntry(i), i, NOW);
    assert.equal(text, canonicalJson(entry));
  }
});

test('the one-shot entry leaf hash is RFC 9162 MTH({d}) of the UTF-8 bytes', () => {
  for (const t of ['', '{}', 'サイバー通信情報監理委員会', '{"a":"\u0000"}']) assert.deepEqual(entryLeafHash(t), leafHash(Buffer.from(t, 'utf8')));
});

test('canonical JSON refuses what is not JSON data instead of dropping it', () => {
  for (const bad of [undefined, () => 1, NaN, Infinity, 10n, new Date(0), new Map(), { a: undefined }, ['\ud800'], { '\udc00': 1 }]) {
    assert.throws(() => canonicalJson(bad), CanonicalJsonError, String(bad));
  }
});

test('every entry type encodes to canonical JSON carrying type, v, seq and at, and decodes back', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 7; i++) {
    const { entry, text, leafHash: h } = encodeLogEntry(sampleEntry(i), 100 + i, NOW);
    seen.add(entry.type);
    assert.equal(text, canonicalJson(JSON.parse(text)));
    assert.deepEqual(h, leafHash(Buffer.from(text, 'utf8')));
    const back = decodeLogEntry(text);
    assert.deepEqual([back.seq, back.v, back.at, back.type], [100 + i, 1, NOW, entry.type]);
  }
  assert.deepEqual([...seen].sort(), [...LOG_ENTRY_TYPES].sort());
});

test('an explicit event time is kept; undefined optional members are simply absent', () => {
  const { text } = encodeLogEntry({ ...sampleEntry(3), at: '2026-10-01T00:00:00.000Z', reason: undefined } as never, 0, NOW);
  assert.match(text, /"at":"2026-10-01T00:00:00.000Z"/);
  assert.doesNotMatch(text, /reason/);
});

test('no communications content: unknown members, prose identifiers, control characters and records are refused', () => {
  const refused: [string, unknown][] = [
    ['extra member', { ...sampleEntry(1), payload: 'GET /login HTTP/1.1' }],
    ['records inside an attestation', { ...sampleEntry(0), records: [{ src: '198.51.100.1' }] }],
    ['nested extra member', { ...sampleEntry(1), actor: { who: 'a', role: 'analyst', organisation: 'NCO', email: 'x' } }],
    ['identifier with spaces', { ...sampleEntry(3), caseId: 'case of the leaked mail body' }],
    ['multi-line purpose', { ...sampleEntry(1), purpose: 'line one\nSubject: hello' }],
    ['counts that do not add up', { ...sampleEntry(0), counts: { in: 5, selected: 1, erased: 1, domesticDomestic: 0, outOfScope: 0, perCriterion: {} } }],
    ['negative count', { ...sampleEntry(1), resultCount: -1 }],
    ['unknown type', { type: 'mail-body', body: 'hello' }],
    ['bad time', { ...sampleEntry(1), at: 'yesterday' }],
    ['oversized query', { ...sampleEntry(1), query: 'x'.repeat(4001) }],
  ];
  for (const [why, input] of refused) assert.throws(() => encodeLogEntry(input as never, 0, NOW), LogEntryError, why);
  assert.ok(MAX_ENTRY_BYTES >= 8192);
});

test('decoding refuses non-canonical text, unknown versions and unknown members', () => {
  const { text } = encodeLogEntry(sampleEntry(2), 5, NOW);
  const obj = JSON.parse(text) as Record<string, unknown>;
  assert.throws(() => decodeLogEntry(JSON.stringify(obj, null, 1)), /canonical/);
  assert.throws(() => decodeLogEntry(canonicalJson({ ...obj, v: 2 })), /version/);
  assert.throws(() => decodeLogEntry(canonicalJson({ ...obj, note: 'x' })), LogEntryError);
  assert.throws(() => decodeLogEntry('not json'), LogEntryError);
  assert.throws(() => decodeLogEntry('[]'), LogEntryError);
});

test("the selector's attestation goes into the log as a selection-attestation entry, counts only", () => {
  const a = selectionAttestation({
    selector: { channel: 'foreign-foreign', approvalId: 'APR-2026-0007', criteriaHash: 'b'.repeat(64) },
    counts: { in: 5000, selected: 12, erased: 4988, domesticDomestic: 300, outOfScope: 40, perCriterion: { 'c2-list': 10, '2': 2 } },
    windowStart: Date.UTC(2026, 10, 1),
    windowEnd: Date.UTC(2026, 10, 1, 0, 1),
    softwareVersion: '0.1.0',
  });
  const { entry, text } = encodeLogEntry(selectionAttestationEntry(a, { sourceId: 'carrier-a/link-3' }), 9, NOW);
  assert.equal(entry.type, 'selection-attestation');
  assert.equal(text, canonicalJson(JSON.parse(text)));
  assert.match(text, /"perCriterion":\{"2":2,"c2-list":10\}/);
});
