/** The offline verifier on in-memory logs: cases the database tamper tests cannot easily build. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCheckpoint, generateNoteKey, parseSignerKey, parseVerifierKey, signNote } from '../../src/core/transparency/checkpoint.js';
import { encodeLogEntry } from '../../src/core/transparency/log-entry.js';
import { LogVerifier } from '../../src/core/transparency/log-verifier.js';
import { leafHash } from '../../src/core/transparency/merkle-hash.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import { sampleEntries, sampleEntry } from './sample-entries.js';

const ORIGIN = 'unit.example/log';
const key = generateNoteKey(ORIGIN);
const signer = parseSignerKey(key.skey);
const verifier = parseVerifierKey(key.vkey);

function texts(n: number, change?: { seq: number; index: number }): string[] {
  return sampleEntries(n).map((e, i) => encodeLogEntry(change?.seq === i ? sampleEntry(change.index) : e, i, '2026-11-01T00:00:00.000Z').text);
}

function checkpoint(lines: readonly string[], size: number, label: string) {
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(lines.slice(0, size).map((t) => leafHash(Buffer.from(t, 'utf8'))));
  return { label, note: signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: tree.root(), extensions: [] }), [signer]) };
}

function run(lines: readonly string[], cps: { label: string; note: string }[]) {
  const v = new LogVerifier({ origin: ORIGIN, logKeys: [verifier], witnessKeys: [], checkpoints: cps });
  for (const l of lines) v.addEntry(l);
  return v.finish();
}

test('a healthy log verifies; entries after the last checkpoint are reported as uncovered', () => {
  const lines = texts(30);
  const r = run(lines, [checkpoint(lines, 10, 'a'), checkpoint(lines, 25, 'b')]);
  assert.equal(r.ok, true);
  assert.deepEqual([r.entries, r.latest?.label, r.uncovered], [30, 'b', 5]);
});

test('without any checkpoint nothing is vouched for: not ok', () => {
  const r = run(texts(3), []);
  assert.equal(r.ok, false);
  assert.equal(r.problems[0].kind, 'no-checkpoint');
});

test('history rewritten and re-signed by the log key: the old checkpoint mismatches and the new one does not extend it', () => {
  const original = texts(20);
  const rewritten = texts(20, { seq: 4, index: 11 });
  const r = run(rewritten, [checkpoint(original, 10, 'old'), checkpoint(rewritten, 20, 'new')]);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.checkpoint]),
    [
      ['entry-modified', 'old'],
      ['inconsistent', 'new'],
    ],
  );
  // No stored tree to narrow with: the range since the last good checkpoint.
  assert.deepEqual([r.problems[0].seq, r.problems[0].seqEnd], [0, 9]);
});

test('a checkpoint of another log, a garbled note and a witness-only signature are each named', () => {
  const lines = texts(5);
  const other = signNote(formatCheckpoint({ origin: 'other.example/log', size: 5, rootHash: new Uint8Array(32), extensions: [] }), [signer]);
  const w = generateNoteKey('witness.example');
  const witnessOnly = signNote(formatCheckpoint({ origin: ORIGIN, size: 5, rootHash: new Uint8Array(32), extensions: [] }), [parseSignerKey(w.skey)]);
  const v = new LogVerifier({
    origin: ORIGIN,
    logKeys: [verifier],
    witnessKeys: [parseVerifierKey(w.vkey)],
    checkpoints: [checkpoint(lines, 5, 'good'), { label: 'other', note: other }, { label: 'garbled', note: 'x' }, { label: 'witness-only', note: witnessOnly }],
  });
  for (const l of lines) v.addEntry(l);
  const r = v.finish();
  assert.deepEqual(
    r.problems.map((p) => [p.kind, p.checkpoint]),
    [
      ['checkpoint-malformed', 'other'],
      ['checkpoint-malformed', 'garbled'],
      ['checkpoint-signature', 'witness-only'],
    ],
  );
});

test('an entry that is not valid JSON is named, and the tree is still rebuilt from its bytes', () => {
  const lines = texts(8);
  const cps = [checkpoint(lines, 8, 'cp')];
  const broken = [...lines];
  broken[6] = broken[6].slice(0, -1);
  const r = run(broken, cps);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.seq]), [
    ['entry-invalid', 6],
    ['entry-modified', 0],
  ]);
});
