/**
 * The TransparencyLog contract suite (Hono's common.case.test pattern): every storage backend
 * calls transparencyLogContract with a factory, and must pass all of it. Not a test file by
 * itself (no .test suffix): test/transparency/sqlite-transparency-log.test.ts runs it on SQLite.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cosignNote, formatCheckpoint, generateNoteKey, openCheckpoint, openNote, parseSignerKey, parseVerifierKey, signNote } from '../../src/core/transparency/checkpoint.js';
import { isSakimoriError } from '../../src/core/errors.js';
import { decodeLogEntry } from '../../src/core/transparency/log-entry.js';
import { emptyRoot, hashesEqual, leafHash } from '../../src/core/transparency/merkle-hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/core/transparency/merkle-proof.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import type { TransparencyLog } from '../../src/transparency/transparency-log.js';
import { cosignLatest } from '../../src/transparency/witness-cosigner.js';
import { sampleEntries, sampleEntry } from './sample-entries.js';

export interface LogBackend {
  log: TransparencyLog;
  cleanup(): Promise<void>;
}

export interface LogBackendFactory {
  name: string;
  /** A fresh, empty log whose clock is `now`. */
  open(now: () => Date): Promise<LogBackend>;
}

const code = (c: string) => (e: unknown) => isSakimoriError(e) && e.code === c;
const fixedClock = () => new Date('2026-11-01T09:00:00.000Z');

async function withLog(factory: LogBackendFactory, fn: (log: TransparencyLog) => Promise<void>): Promise<void> {
  const b = await factory.open(fixedClock);
  try {
    await fn(b.log);
  } finally {
    await b.cleanup();
  }
}

/** Reference tree over the leaf data the log returns. */
async function referenceTree(log: TransparencyLog): Promise<MerkleTree> {
  const size = await log.size();
  const entries = await log.entries(0, size);
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(entries.map((e) => leafHash(Buffer.from(e.entry, 'utf8'))));
  return tree;
}

export function transparencyLogContract(factory: LogBackendFactory): void {
  describe(`TransparencyLog contract: ${factory.name}`, () => {
    test('an empty log has size 0, the empty root and no checkpoint', () =>
      withLog(factory, async (log) => {
        assert.equal(await log.size(), 0);
        assert.ok(hashesEqual(await log.root(), emptyRoot()));
        assert.equal(await log.latestCheckpoint(), undefined);
        assert.deepEqual(await log.checkpoints(), []);
        assert.deepEqual(await log.entries(0, 10), []);
      }));

    test('append assigns dense sequence numbers and stores canonical entries with seq, v and at', () =>
      withLog(factory, async (log) => {
        const r1 = await log.append(sampleEntries(3));
        const r2 = await log.append([{ ...sampleEntry(3), at: '2026-10-31T23:59:59.000Z' }]);
        assert.deepEqual([r1.firstSeq, r1.size, r2.firstSeq, r2.size], [0, 3, 3, 4]);
        const rows = await log.entries(0, 4);
        assert.deepEqual(rows.map((r) => r.seq), [0, 1, 2, 3]);
        for (const r of rows) {
          const e = decodeLogEntry(r.entry);
          assert.equal(e.seq, r.seq);
          assert.equal(e.v, 1);
          assert.ok(hashesEqual(r.leafHash, leafHash(Buffer.from(r.entry, 'utf8'))));
          assert.equal(r.appendedAt, fixedClock().toISOString());
        }
        assert.equal(decodeLogEntry(rows[0].entry).at, fixedClock().toISOString());
        assert.equal(decodeLogEntry(rows[3].entry).at, '2026-10-31T23:59:59.000Z');
        assert.ok(hashesEqual(r2.rootHash, (await referenceTree(log)).root()));
        assert.deepEqual((await log.entries(1, 3)).map((r) => r.seq), [1, 2]);
      }));

    test('every type of entry is accepted; an invalid one fails the whole batch and appends nothing', () =>
      withLog(factory, async (log) => {
        await log.append(sampleEntries(7));
        const bad = [sampleEntry(1), { ...sampleEntry(2), payload: 'GET /index.html' } as never, sampleEntry(3)];
        await assert.rejects(log.append(bad), code('SAKI_ERR_LOG_ENTRY_INVALID'));
        const unbalanced = { ...sampleEntry(0), counts: { in: 10, selected: 3, erased: 3, domesticDomestic: 0, outOfScope: 0, perCriterion: {} } } as never;
        await assert.rejects(log.append([unbalanced]), code('SAKI_ERR_LOG_ENTRY_INVALID'));
        assert.equal(await log.size(), 7);
      }));

    test('roots, inclusion proofs and consistency proofs match a reference tree at every size', () =>
      withLog(factory, async (log) => {
        for (const n of [1, 1, 2, 3, 5, 8, 13]) await log.append(sampleEntries(n, await log.size()));
        const size = await log.size();
        const ref = await referenceTree(log);
        const leaves = (await log.entries(0, size)).map((e) => e.leafHash);
        for (let s = 1; s <= size; s++) {
          const root = await log.root(s);
          assert.ok(hashesEqual(root, ref.root(s)), `root at ${s}`);
          for (let i = 0; i < s; i++) verifyInclusion(i, s, leaves[i], await log.inclusionProof(i, s), root);
          for (let f = 1; f <= s; f++) verifyConsistency(f, s, await log.consistencyProof(f, s), ref.root(f), root);
        }
      }));

    test('proofs outside the tree are refused with coded errors', () =>
      withLog(factory, async (log) => {
        await log.append(sampleEntries(4));
        await assert.rejects(log.inclusionProof(4, 4), code('SAKI_ERR_PROOF_RANGE'));
        await assert.rejects(log.inclusionProof(0, 5), code('SAKI_ERR_PROOF_RANGE'));
        await assert.rejects(log.consistencyProof(0, 4), code('SAKI_ERR_PROOF_RANGE'));
        await assert.rejects(log.consistencyProof(3, 2), code('SAKI_ERR_PROOF_RANGE'));
        await assert.rejects(log.root(5), code('SAKI_ERR_PROOF_RANGE'));
      }));

    test('stored hashes: level 0 are the leaf hashes, level 1 their parents; absent nodes are undefined', () =>
      withLog(factory, async (log) => {
        await log.append(sampleEntries(5));
        const ref = await referenceTree(log);
        const l0 = await log.storedHashes(0, 0, 6);
        assert.equal(l0.length, 6);
        assert.equal(l0[5], undefined);
        const l1 = await log.storedHashes(1, 0, 3);
        assert.ok(hashesEqual(l1[0] as Uint8Array, ref.subtreeRoot(0, 2)));
        assert.ok(hashesEqual(l1[1] as Uint8Array, ref.subtreeRoot(2, 4)));
        assert.equal(l1[2], undefined);
      }));

    test('a checkpoint is a C2SP signed note by the log key, once per size', () =>
      withLog(factory, async (log) => {
        assert.ok(log.verifierKey);
        const verifier = parseVerifierKey(log.verifierKey);
        assert.equal(verifier.name, log.origin);
        const empty = await log.issueCheckpoint();
        assert.equal(empty.size, 0);
        await log.append(sampleEntries(10));
        const c1 = await log.issueCheckpoint();
        const { checkpoint } = openCheckpoint(c1.note, [verifier]);
        assert.deepEqual([checkpoint.origin, checkpoint.size], [log.origin, 10]);
        assert.ok(hashesEqual(checkpoint.rootHash, await log.root(10)));
        assert.equal(c1.logKey, log.verifierKey);
        assert.equal((await log.issueCheckpoint()).id, c1.id, 'no new checkpoint without new entries');
        await log.append(sampleEntries(1, 10));
        const c2 = await log.issueCheckpoint();
        assert.equal(c2.size, 11);
        assert.deepEqual((await log.checkpoints()).map((c) => c.size), [0, 10, 11]);
        assert.equal((await log.latestCheckpoint())?.id, c2.id);
      }));

    test('cosignatures: stored once, attached in order, and only for checkpoints this log issued', () =>
      withLog(factory, async (log) => {
        await log.append(sampleEntries(6));
        const cp = await log.issueCheckpoint();
        const logVerifier = parseVerifierKey(log.verifierKey as string);
        const keys = [generateNoteKey('commission.example'), generateNoteKey('second-witness.example')];
        for (const k of keys) {
          const note = cosignNote(openNote(cp.note, [logVerifier]), [parseSignerKey(k.skey)]);
          await log.addCosignature(note, k.vkey);
          await log.addCosignature(note, k.vkey);
        }
        const latest = (await log.latestCheckpoint()) as NonNullable<Awaited<ReturnType<TransparencyLog['latestCheckpoint']>>>;
        assert.deepEqual(latest.witnessKeys, keys.map((k) => k.vkey));
        const opened = openNote(latest.note, [logVerifier, ...keys.map((k) => parseVerifierKey(k.vkey))]);
        assert.deepEqual(opened.verified.map((s) => s.name), [log.origin, 'commission.example', 'second-witness.example']);

        // A note over a root this log never signed (by an impostor key of the same name) is unknown here.
        const rogue = generateNoteKey(log.origin);
        const fake = signNote(formatCheckpoint({ origin: log.origin, size: 6, rootHash: new Uint8Array(32), extensions: [] }), [parseSignerKey(rogue.skey)]);
        const fakeCosigned = cosignNote(openNote(fake, [parseVerifierKey(rogue.vkey)]), [parseSignerKey(keys[0].skey)]);
        await assert.rejects(log.addCosignature(fakeCosigned, keys[0].vkey), code('SAKI_ERR_NOT_FOUND'));
        // A cosignature by another key than the one claimed does not verify.
        const other = generateNoteKey('commission.example');
        const wrong = cosignNote(openNote(cp.note, [logVerifier]), [parseSignerKey(other.skey)]);
        await assert.rejects(log.addCosignature(wrong, keys[0].vkey), (e) => isSakimoriError(e) && e.code.startsWith('SAKI_ERR_NOTE_'));
      }));

    test('a witness cosigns the latest checkpoint and, later, only a consistent extension of it', () =>
      withLog(factory, async (log) => {
        const w = generateNoteKey('commission.example');
        const witness = { signer: parseSignerKey(w.skey), verifierKey: w.vkey, logKey: log.verifierKey as string };
        await log.append(sampleEntries(5));
        await log.issueCheckpoint();
        const first = await cosignLatest(log, witness, undefined);
        assert.equal(first.state.size, 5);
        assert.deepEqual(first.checkpoint.witnessKeys, [w.vkey]);
        await log.append(sampleEntries(9, 5));
        await log.issueCheckpoint();
        const second = await cosignLatest(log, witness, first.state);
        assert.equal(second.state.size, 14);
        // A witness that remembers another root at size 5 refuses (fork), as it refuses a rollback.
        const forkedState = { ...first.state, rootHash: new Uint8Array(32) };
        await assert.rejects(cosignLatest(log, witness, forkedState), code('SAKI_ERR_WITNESS_REFUSED'));
        await assert.rejects(cosignLatest(log, witness, { ...second.state, size: 15 }), code('SAKI_ERR_WITNESS_REFUSED'));
        // The witness pins the log key: another key for the same origin is not accepted.
        const impostor = { ...witness, logKey: generateNoteKey(log.origin).vkey };
        await assert.rejects(cosignLatest(log, impostor, second.state), (e) => isSakimoriError(e) && e.code.startsWith('SAKI_ERR_NOTE_'));
      }));

    test('concurrent appends never share a sequence number', () =>
      withLog(factory, async (log) => {
        await Promise.all(Array.from({ length: 8 }, (_, i) => log.append(sampleEntries(4, i * 4))));
        const rows = await log.entries(0, 100);
        assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 32 }, (_, i) => i));
        assert.ok(hashesEqual(await log.root(), (await referenceTree(log)).root()));
      }));
  });
}
