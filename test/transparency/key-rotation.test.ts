/** The key schedule of log-key rotations in the offline verifier, on in-memory logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCheckpoint, generateNoteKey, parseSignerKey, parseVerifierKey, signNote, type NoteSigner } from '../../src/core/transparency/checkpoint.js';
import { endorseKeyRotation, LogKeySchedule, type KeyRotationEntry } from '../../src/core/transparency/key-rotation.js';
import { encodeLogEntry } from '../../src/core/transparency/log-entry.js';
import { LogVerifier } from '../../src/core/transparency/log-verifier.js';
import { leafHash } from '../../src/core/transparency/merkle-hash.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import { sampleEntries } from './sample-entries.js';

const ORIGIN = 'unit.example/log';
const AT = '2026-11-01T00:00:00.000Z';
const k1 = generateNoteKey(ORIGIN);
const k2 = generateNoteKey(ORIGIN);
const k3 = generateNoteKey(ORIGIN);
const actor = { who: 'ops-1', role: 'log-operator', organisation: 'this instance' };

function rotation(seq: number, from: { vkey: string }, to: { vkey: string }, endorser: NoteSigner): string {
  const body: Omit<KeyRotationEntry, 'endorsement'> = { type: 'key-rotation', keyName: ORIGIN, previousKey: from.vkey, newKey: to.vkey, actor, v: 1, seq, at: AT };
  const { v: _v, seq: _s, ...input } = body;
  return encodeLogEntry({ ...input, endorsement: endorseKeyRotation(body, endorser) }, seq, AT).text;
}

/** 5 entries, rotation k1→k2 at 5, 4 entries, rotation k2→k3 at 10, 3 entries: 14 in all. */
function chain(endorser2 = parseSignerKey(k2.skey)): string[] {
  const e = (n: number, off: number) => sampleEntries(n, off).map((x, i) => encodeLogEntry(x, off + i, AT).text);
  return [...e(5, 0), rotation(5, k1, k2, parseSignerKey(k1.skey)), ...e(4, 6), rotation(10, k2, k3, endorser2), ...e(3, 11)];
}

function cp(lines: readonly string[], size: number, key: { skey: string }, label: string) {
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(lines.slice(0, size).map((t) => leafHash(Buffer.from(t, 'utf8'))));
  return { label, note: signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: tree.root(), extensions: [] }), [parseSignerKey(key.skey)]) };
}

function run(lines: readonly string[], cps: { label: string; note: string }[], trusted = [k1.vkey]) {
  const v = new LogVerifier({ origin: ORIGIN, logKeys: trusted.map(parseVerifierKey), witnessKeys: [], checkpoints: cps });
  for (const l of lines) v.addEntry(l);
  return v.finish();
}

test('two rotations are followed from the first key: each key signs its own range of sizes', () => {
  const lines = chain();
  const r = run(lines, [cp(lines, 5, k1, 'a'), cp(lines, 6, k2, 'b'), cp(lines, 10, k2, 'c'), cp(lines, 14, k3, 'd')]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.latest?.label, 'd');
});

test('a key signing a size before its rotation, or after its successor took over, is refused', () => {
  const lines = chain();
  const r = run(lines, [cp(lines, 5, k1, 'a'), cp(lines, 4, k2, 'early'), cp(lines, 11, k2, 'late'), cp(lines, 14, k3, 'd')]);
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.checkpoint]),
    [
      ['checkpoint-retired-key', 'early'],
      ['checkpoint-retired-key', 'late'],
    ],
  );
  assert.match(r.problems[0].message, /introduced by the rotation at entry 5, so it signs only checkpoints of size >= 6/);
  assert.match(r.problems[1].message, /rotated away at entry 10, so it signs only checkpoints of size <= 10/);
});

test('a second rotation endorsed by the wrong key breaks the chain there, not before', () => {
  const lines = chain(parseSignerKey(k3.skey));
  const r = run(lines, [cp(lines, 6, k2, 'b'), cp(lines, 14, k3, 'd')]);
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.seq ?? p.checkpoint]),
    [
      ['key-rotation-invalid', 10],
      ['checkpoint-unknown-key', 'd'],
    ],
  );
});

test('a rotation quoting another public key under the trusted key ID is checked against the trusted key', () => {
  // As if someone had ground a key whose 32-bit ID collides with the trusted one: the trusted
  // verifier is given the impostor's ID, so name and ID match and only the public key differs.
  const impostor = generateNoteKey(ORIGIN);
  const trusted = { ...parseVerifierKey(k1.vkey), keyId: parseVerifierKey(impostor.vkey).keyId, verify: parseVerifierKey(k1.vkey).verify };
  const schedule = new LogKeySchedule(ORIGIN, [trusted]);
  const body: Omit<KeyRotationEntry, 'endorsement'> = { type: 'key-rotation', keyName: ORIGIN, previousKey: impostor.vkey, newKey: k2.vkey, actor, v: 1, seq: 5, at: AT };
  const forged = { ...body, endorsement: endorseKeyRotation(body, parseSignerKey(impostor.skey)) };
  assert.match(schedule.follow(forged, 5) ?? '', /forged/);
  assert.equal(schedule.window(parseVerifierKey(k2.vkey)), undefined);
  // The genuine endorsement by the trusted key is followed.
  const genuine = { ...body, endorsement: endorseKeyRotation(body, parseSignerKey(k1.skey)) };
  assert.equal(schedule.follow(genuine, 5), undefined);
  assert.equal(schedule.window(parseVerifierKey(k2.vkey))?.from, 6);
});
