import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  SignedNoteError,
  cosignNote,
  ed25519Signer,
  formatCheckpoint,
  formatSignerKey,
  formatVerifierKey,
  generateNoteKey,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyNote,
  type NoteSigner,
} from '../../../src/core/transparency/checkpoint.js';
import { leafHash } from '../../../src/core/transparency/merkle-hash.js';
import { verifyConsistency } from '../../../src/core/transparency/merkle-proof.js';
import { MemoryMerkleNodeStore, MerkleTree } from '../../../src/core/transparency/merkle-tree.js';

// golang.org/x/mod sumdb/note note_test.go and example_test.go.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

// c2sp.org/signed-note "Verifier keys" example.
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE =
  'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// c2sp.org/tlog-checkpoint example (the log's key is not published, so its signature stays unknown).
const C2SP_CHECKPOINT =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

const code = (c: string) => (e: unknown) => e instanceof SignedNoteError && e.code === c;
const sig = (name: string, keyId: number, line: string) => ({ name, keyId, base64: line.trim().split(' ')[2] });

test('signNote reproduces Go note.Sign for the PeterNeumann key', () => {
  const peter = parseSignerKey(PETER_SKEY);
  assert.equal(peter.name, 'PeterNeumann');
  assert.equal(peter.keyId, 0xc74f20a3);
  assert.equal(signNote(TEXT, [peter]), TEXT + '\n' + PETER_SIG);
});

test('verifier keys parse and format as in Go sumdb/note and c2sp.org/signed-note', () => {
  for (const vkey of [PETER_VKEY, ENOCH_VKEY, C2SP_VKEY]) {
    const v = parseVerifierKey(vkey);
    const [name, id, key] = vkey.split('+');
    assert.equal(v.name, name);
    assert.equal(v.keyId, Number.parseInt(id, 16));
    const publicKey = Buffer.from(key, 'base64').subarray(1);
    assert.equal(formatVerifierKey(name, publicKey), vkey);
    assert.equal(noteKeyId(name, 0x01, publicKey), v.keyId);
  }
  assert.equal(verifyNote(C2SP_NOTE, [parseVerifierKey(C2SP_VKEY)]).text, 'This is an example message.\n');
});

test('mangled verifier and signer keys are refused (Go TestNewVerifier / TestNewSigner)', () => {
  const refuses = (parse: (k: string) => unknown, k: string) =>
    assert.throws(() => parse(k), (e: unknown) => e instanceof SignedNoteError && e.code === 'SAKI_ERR_NOTE_KEY_INVALID', k);
  for (const [key, parse] of [
    [PETER_VKEY, parseVerifierKey],
    [PETER_SKEY, parseSignerKey],
  ] as const) {
    for (let i = 0; i <= key.length; i++) for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) refuses(parse, key.slice(i, j));
    for (let i = 0; i < key.length; i++) refuses(parse, key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1));
  }
  refuses(parseVerifierKey, 'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='); // wrong key length
  refuses(parseVerifierKey, 'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'); // unknown algorithm
  refuses(parseVerifierKey, 'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'); // key IDs are lowercase hex
});

test('generated keys round-trip through their string forms', () => {
  const { skey, vkey } = generateNoteKey('sakimori.example/log');
  const signer = parseSignerKey(skey);
  const verifier = parseVerifierKey(vkey);
  assert.equal(signer.keyId, verifier.keyId);
  assert.equal(verifyNote(signNote('hello\n', [signer]), [verifier]).verified.length, 1);
  const { privateKey } = generateKeyPairSync('ed25519');
  assert.equal(parseSignerKey(formatSignerKey('a', privateKey)).keyId, ed25519Signer('a', privateKey).keyId);
  assert.throws(() => ed25519Signer('a', generateKeyPairSync('x25519').privateKey), code('SAKI_ERR_NOTE_KEY_INVALID'));
  assert.throws(() => ed25519Signer('has space', privateKey), code('SAKI_ERR_NOTE_KEY_INVALID'));
});

test('openNote sorts signatures into verified and unknown (Go TestOpen)', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const enoch = parseVerifierKey(ENOCH_VKEY);
  const msg = TEXT + '\n' + PETER_SIG + ENOCH_SIG;
  const peterSig = sig('PeterNeumann', 0xc74f20a3, PETER_SIG);
  const enochSig = sig('EnochRoot', 0xaf0cfe78, ENOCH_SIG);

  const one = openNote(msg, [peter]);
  assert.equal(one.text, TEXT);
  assert.deepEqual(one.verified, [peterSig]);
  assert.deepEqual(one.unknown, [enochSig]);
  assert.deepEqual(one.invalid, []);

  // Enoch's signature is Go's example of cosigning Peter's note.
  const both = verifyNote(Buffer.from(msg, 'utf8'), [peter, enoch]);
  assert.deepEqual(both.verified, [peterSig, enochSig]);
  assert.deepEqual(both.unknown, []);

  const none = openNote(msg, []);
  assert.deepEqual(none.unknown, [peterSig, enochSig]);
  assert.throws(() => verifyNote(msg, []), code('SAKI_ERR_NOTE_UNVERIFIED'));

  assert.throws(() => openNote(TEXT + '\n' + ENOCH_SIG, [enoch, peter, enoch]), code('SAKI_ERR_NOTE_KEY_AMBIGUOUS'));
  assert.equal(verifyNote(TEXT + '\n' + PETER_SIG, [enoch, peter, enoch]).verified.length, 1);

  assert.throws(() => openNote(TEXT + '\n' + PETER_SIG.repeat(101), [peter]), code('SAKI_ERR_NOTE_MALFORMED'));
  assert.throws(() => openNote(TEXT + '\n' + PETER_SIG.repeat(101), []), code('SAKI_ERR_NOTE_MALFORMED'));

  // Repeated and altered signatures.
  const enochABCD = ENOCH_SIG.slice(0, 60) + 'ABCD' + ENOCH_SIG.slice(60);
  const dup = openNote(TEXT + '\n' + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enochABCD, [peter]);
  assert.deepEqual(dup.verified, [peterSig]);
  assert.deepEqual(dup.unknown, [enochSig, sig('EnochRoot', 0xaf0cfe78, enochABCD)]);
});

test('a signature by a known key that does not verify is reported and rejects the note', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const bad = TEXT + '\n' + PETER_SIG.slice(0, 60) + 'ABCD' + PETER_SIG.slice(60);
  assert.equal(openNote(bad, [peter]).invalid.length, 1);
  assert.throws(() => verifyNote(bad, [peter]), code('SAKI_ERR_NOTE_SIGNATURE_INVALID'));

  const tampered = TEXT.replace('cryptography', 'blockchains') + '\n' + PETER_SIG;
  const opened = openNote(tampered, [peter]);
  assert.deepEqual([opened.verified.length, opened.invalid.length], [0, 1]);
  assert.throws(() => verifyNote(tampered, [peter]), code('SAKI_ERR_NOTE_SIGNATURE_INVALID'));
});

test('malformed notes are refused (Go TestOpen bad messages)', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const badMsgs: (string | Uint8Array)[] = [
    TEXT,
    TEXT + '\n',
    TEXT + '\n' + PETER_SIG.slice(0, -1),
    '\x01' + TEXT + '\n' + PETER_SIG,
    Buffer.concat([Buffer.from([0xff]), Buffer.from(TEXT + '\n' + PETER_SIG)]),
    TEXT + '\n' + '— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
    TEXT + '\n' + PETER_SIG + 'Unexpected line.\n',
    TEXT + '\n' + '- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
    TEXT + '\n' + '— PeterNeumann x08g\n',
    TEXT + '\n' + '— PeterNeumann\n',
    '\ud800' + TEXT + '\n' + PETER_SIG,
  ];
  for (const msg of badMsgs) assert.throws(() => openNote(msg, [peter]), code('SAKI_ERR_NOTE_MALFORMED'), String(msg));
  assert.throws(() => signNote('abc', [parseSignerKey(PETER_SKEY)]), code('SAKI_ERR_NOTE_MALFORMED'));
  assert.throws(() => signNote('a\tb\n', [parseSignerKey(PETER_SKEY)]), code('SAKI_ERR_NOTE_MALFORMED'));
});

test('a witness cosigns a log checkpoint; verifiers see one or both signatures', () => {
  const log = generateNoteKey('sakimori.example/log');
  const witness = generateNoteKey('witness.example/w1');
  const logSigner = parseSignerKey(log.skey);
  const logVerifier = parseVerifierKey(log.vkey);
  const witnessVerifier = parseVerifierKey(witness.vkey);

  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(Array.from({ length: 1000 }, (_, i) => leafHash(Buffer.from(`entry ${i}`))));
  const body = formatCheckpoint({ origin: 'sakimori.example/log', size: tree.size, rootHash: tree.root(), extensions: [] });
  assert.equal(body, `sakimori.example/log\n1000\n${Buffer.from(tree.root()).toString('base64')}\n`);
  const signed = signNote(body, [logSigner]);

  // The witness checks the log's signature before adding its own.
  const seenByWitness = verifyNote(signed, [logVerifier]);
  const cosigned = cosignNote(seenByWitness, [parseSignerKey(witness.skey)]);
  assert.ok(cosigned.startsWith(signed));

  const { checkpoint, note } = openCheckpoint(cosigned, [logVerifier, witnessVerifier]);
  assert.deepEqual(checkpoint, { origin: 'sakimori.example/log', size: 1000, rootHash: tree.root(), extensions: [] });
  assert.deepEqual(
    note.verified.map((s) => s.name),
    ['sakimori.example/log', 'witness.example/w1'],
  );
  const logOnly = openCheckpoint(cosigned, [logVerifier]).note;
  assert.deepEqual([logOnly.verified.length, logOnly.unknown.length], [1, 1]);
  const witnessOnly = openCheckpoint(cosigned, [witnessVerifier]).note;
  assert.deepEqual([witnessOnly.verified.length, witnessOnly.unknown.length], [1, 1]);

  // A later checkpoint from the same log proves it only appended.
  tree.appendLeaves([leafHash(Buffer.from('entry 1000'))]);
  const later = openCheckpoint(signNote(formatCheckpoint({ ...checkpoint, size: tree.size, rootHash: tree.root() }), [logSigner]), [logVerifier]);
  verifyConsistency(checkpoint.size, later.checkpoint.size, tree.consistencyProof(1000, 1001), checkpoint.rootHash, later.checkpoint.rootHash);

  // Tampering with the size after cosigning breaks both signatures.
  const forged = cosigned.replace('\n1000\n', '\n1001\n');
  assert.deepEqual(openNote(forged, [logVerifier, witnessVerifier]).invalid.length, 2);
  assert.throws(() => openCheckpoint(forged, [logVerifier, witnessVerifier]), code('SAKI_ERR_NOTE_SIGNATURE_INVALID'));
});

test('cosigning replaces a signature by the same key and refuses unverified notes', () => {
  const peter = parseSignerKey(PETER_SKEY);
  const peterOnly = TEXT + '\n' + '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
  const enoch = parseVerifierKey(ENOCH_VKEY);
  const withEnoch = verifyNote(TEXT + '\n' + PETER_SIG + ENOCH_SIG, [enoch]);
  // Peter's line is unknown to this verifier set; re-signing with Peter replaces it rather than duplicating it.
  assert.equal(cosignNote(withEnoch, [peter]), TEXT + '\n' + ENOCH_SIG + PETER_SIG);
  assert.throws(() => cosignNote(openNote(peterOnly, []), [peter]), code('SAKI_ERR_NOTE_UNVERIFIED'));
  const invalid = openNote(TEXT + '\n' + PETER_SIG.slice(0, 60) + 'ABCD' + PETER_SIG.slice(60), [parseVerifierKey(PETER_VKEY)]);
  assert.throws(() => cosignNote(invalid, [peter]), code('SAKI_ERR_NOTE_SIGNATURE_INVALID'));
  const other: NoteSigner = { name: 'bad name', keyId: 1, sign: () => new Uint8Array(64) };
  assert.throws(() => signNote(TEXT, [other]), code('SAKI_ERR_NOTE_KEY_INVALID'));
});

test('checkpoint bodies parse per c2sp.org/tlog-checkpoint and malformed ones are refused', () => {
  const example = openNote(C2SP_CHECKPOINT, []);
  assert.equal(example.unknown.length, 1);
  const cp = parseCheckpoint(example.text);
  assert.equal(cp.origin, 'example.com/behind-the-sofa');
  assert.equal(cp.size, 20852163);
  assert.equal(Buffer.from(cp.rootHash).toString('base64'), 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  assert.deepEqual(cp.extensions, []);
  assert.throws(() => openCheckpoint(C2SP_CHECKPOINT, []), code('SAKI_ERR_NOTE_UNVERIFIED'));

  const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  assert.deepEqual(parseCheckpoint(`go.sum database tree\n0\n${root}\next one\next two\n`).extensions, ['ext one', 'ext two']);
  assert.equal(parseCheckpoint(`go.sum database tree\n0\n${root}\n`).origin, 'go.sum database tree');
  for (const bad of [
    `o\n1\n${root}`,
    `o\n1\n`,
    `\n1\n${root}\n`,
    `o\n01\n${root}\n`,
    `o\n-1\n${root}\n`,
    `o\n1.0\n${root}\n`,
    `o\n9007199254740992\n${root}\n`,
    `o\n1\n${root.slice(0, -1)}\n`,
    `o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`,
    `o\n1\n${Buffer.alloc(31).toString('base64')}\n`,
    `o\n1\n${root}\n\n`,
    `o\n1\n${root}\next\n\nmore\n`,
  ]) {
    assert.throws(() => parseCheckpoint(bad), code('SAKI_ERR_CHECKPOINT_MALFORMED'), JSON.stringify(bad));
  }
  const rootHash = Buffer.from(root, 'base64');
  assert.equal(formatCheckpoint({ origin: 'o', size: 7, rootHash, extensions: ['x'] }), `o\n7\n${root}\nx\n`);
  for (const bad of [
    { origin: 'has space', size: 1, rootHash, extensions: [] },
    { origin: 'a+b', size: 1, rootHash, extensions: [] },
    { origin: 'o', size: -1, rootHash, extensions: [] },
    { origin: 'o', size: 1.5, rootHash, extensions: [] },
    { origin: 'o', size: 1, rootHash: rootHash.subarray(1), extensions: [] },
    { origin: 'o', size: 1, rootHash, extensions: [''] },
    { origin: 'o', size: 1, rootHash, extensions: ['a\nb'] },
  ]) {
    assert.throws(() => formatCheckpoint(bad), code('SAKI_ERR_CHECKPOINT_MALFORMED'), JSON.stringify(bad.origin));
  }
});
