/**
 * Log-key rotation on the real database file through the CLI: `audit rotate-key`, then the
 * offline verifier following the chain from the old key, and refusing a checkpoint by a key
 * never introduced, a forged rotation, and a checkpoint by the old key after its rotation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSakimoriError } from '../../src/core/errors.js';
import { formatCheckpoint, generateNoteKey, parseSignerKey, parseVerifierKey, signNote } from '../../src/core/transparency/checkpoint.js';
import { endorsementMessage, type KeyRotationEntry } from '../../src/core/transparency/key-rotation.js';
import { decodeLogEntry, encodeLogEntry, entryLeafHash } from '../../src/core/transparency/log-entry.js';
import { MerkleTree } from '../../src/core/transparency/merkle-tree.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { SqliteMerkleNodeStore } from '../../src/storage/sqlite/sqlite-merkle-node-store.js';
import { SqliteTransparencyLog } from '../../src/storage/sqlite/sqlite-transparency-log.js';
import { createKeyFile, LOG_KEY_FILE, LOG_KEY_HISTORY_FILE, NEXT_LOG_KEY_FILE, readKeyFile } from '../../src/transparency/log-key.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { rotateLogKey } from '../../src/transparency/rotate-log-key.js';
import { cosignLatest } from '../../src/transparency/witness-cosigner.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { sampleEntries } from './sample-entries.js';
import { transparencyApp } from './transparency-app.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const ORIGIN = 'rotate.example/log';
const code = (c: string) => (e: unknown) => isSakimoriError(e) && e.code === c;

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
function copyOf(dir: string): string {
  const d = tmp('saki-rot-');
  cpSync(dir, d, { recursive: true });
  return d;
}

let preRotation: string;
let rotated: string;
let oldKey: string;
let oldSkey: string;
let newKey: string;
let witness: ReturnType<typeof generateNoteKey>;

function exportAndVerify(dir: string, ...trusted: string[]) {
  const bundle = join(dir, 'bundle');
  const ex = cli('audit', 'export', '--out', bundle, '--data-dir', dir);
  assert.equal(ex.status, 0, ex.stderr);
  const v = cli('audit', 'verify', bundle, ...trusted.flatMap((k) => ['--trusted-key', k]));
  return { ...v, first: v.stderr.split('\n')[0] };
}

function insertCheckpoint(dir: string, note: string, vkey: string, size: number): void {
  execFileSync('sqlite3', [join(dir, 'sakimori.db'), `INSERT INTO log_checkpoints (size, root_hash, note, log_key, created_at) VALUES (${size}, zeroblob(32), '${note}', '${vkey}', 0);`]);
}

async function rootOf(dir: string, size: number): Promise<Uint8Array> {
  const log = openTransparencyLog(dir, { withoutKey: true });
  try {
    return await log.root(size);
  } finally {
    await log.close();
  }
}

describe('audit rotate-key', () => {
  before(async () => {
    preRotation = tmp('saki-rot-base-');
    witness = generateNoteKey('commission.example');
    const log = openTransparencyLog(preRotation, { origin: ORIGIN });
    oldKey = log.verifierKey as string;
    oldSkey = readFileSync(join(preRotation, LOG_KEY_FILE), 'utf8');
    await log.append(sampleEntries(20));
    await log.issueCheckpoint();
    const { state } = await cosignLatest(log, { signer: parseSignerKey(witness.skey), verifierKey: witness.vkey, logKey: oldKey }, undefined);
    await log.close();
    writeFileSync(join(preRotation, 'witness.state'), JSON.stringify({ ...state, rootHash: Buffer.from(state.rootHash).toString('base64') }));

    rotated = copyOf(preRotation);
    const r = cli('audit', 'rotate-key', '--data-dir', rotated, '--reason', 'yearly rotation of the log key', '--actor', 'ops-1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^rotated at entry 20$/m);
    newKey = /^log\s+(\S+)/m.exec(r.stdout)?.[1] as string;
    assert.match(r.stdout, new RegExp(`^previous ${oldKey.replaceAll('+', '\\+')} \\(last checkpoint: size 20\\)$`, 'm'));

    const after = openTransparencyLog(rotated);
    await after.append(sampleEntries(15, 20));
    await after.issueCheckpoint();
    // The witness is handed the new key and continues from the state it kept (same origin, consistent tree).
    const prev = JSON.parse(readFileSync(join(preRotation, 'witness.state'), 'utf8')) as { origin: string; size: number; rootHash: string };
    await cosignLatest(after, { signer: parseSignerKey(witness.skey), verifierKey: witness.vkey, logKey: newKey }, { ...prev, rootHash: new Uint8Array(Buffer.from(prev.rootHash, 'base64')) });
    await after.close();
  });

  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  test('the rotation is a typed entry endorsed by the old key; checkpoints switch keys at it; the old public key is kept', async () => {
    const log = openTransparencyLog(rotated);
    try {
      assert.equal(log.verifierKey, newKey);
      assert.deepEqual(log.logKeys, [oldKey, newKey]);
      const [row] = await log.entries(20, 21);
      const e = decodeLogEntry(row.entry) as KeyRotationEntry;
      assert.deepEqual(
        [e.type, e.v, e.seq, e.keyName, e.previousKey, e.newKey, e.reason, e.actor.who],
        ['key-rotation', 1, 20, ORIGIN, oldKey, newKey, 'yearly rotation of the log key', 'ops-1'],
      );
      assert.ok(parseVerifierKey(oldKey).verify(endorsementMessage(e), Buffer.from(e.endorsement as string, 'base64')), 'endorsed by the old key');
      assert.ok(!parseVerifierKey(newKey).verify(endorsementMessage(e), Buffer.from(e.endorsement as string, 'base64')));
      assert.deepEqual(
        (await log.checkpoints()).map((c) => [c.size, c.logKey === oldKey ? 'old' : c.logKey === newKey ? 'new' : '?']),
        [
          [20, 'old'],
          [21, 'new'],
          [36, 'new'],
        ],
      );
    } finally {
      await log.close();
    }
    assert.equal(statSync(join(rotated, LOG_KEY_FILE)).mode & 0o777, 0o600);
    assert.ok(!existsSync(join(rotated, NEXT_LOG_KEY_FILE)));
    assert.deepEqual(readFileSync(join(rotated, LOG_KEY_HISTORY_FILE), 'utf8').trim().split('\n'), [oldKey, newKey]);
    for (const f of readdirSync(rotated).filter((f) => f.startsWith('transparency-log'))) {
      assert.ok(!readFileSync(join(rotated, f), 'utf8').includes(oldSkey.trim()), `the old private key is gone (${f})`);
    }
    const keys = cli('audit', 'keys', '--data-dir', rotated);
    assert.match(keys.stdout, new RegExp(`^log\\s+${newKey.replaceAll('+', '\\+')}$`, 'm'));
    assert.match(keys.stdout, new RegExp(`^previous ${oldKey.replaceAll('+', '\\+')}$`, 'm'));
  });

  test('trusting only the old key, audit verify follows the chain to the new key: exit 0', () => {
    const v = exportAndVerify(copyOf(rotated), oldKey, witness.vkey);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /size 36, .* cosigned by commission\.example/);
    // Trusting only the new key, the old key's checkpoints are by a key nothing introduced.
    const onlyNew = exportAndVerify(copyOf(rotated), newKey, witness.vkey);
    assert.equal(onlyNew.status, 1);
    assert.match(onlyNew.first, /\[checkpoint-unknown-key\] checkpoint 1: signed by unknown key/);
  });

  test('a checkpoint by a key never introduced is refused', async () => {
    const dir = copyOf(rotated);
    const rogue = generateNoteKey(ORIGIN);
    insertCheckpoint(dir, signNote(formatCheckpoint({ origin: ORIGIN, size: 36, rootHash: await rootOf(dir, 36), extensions: [] }), [parseSignerKey(rogue.skey)]), rogue.vkey, 36);
    const v = exportAndVerify(dir, oldKey, witness.vkey);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[checkpoint-unknown-key\] checkpoint 4: signed by unknown key rotate\.example\/log\+[0-9a-f]{8} \(neither trusted nor introduced by a valid rotation\)/);
  });

  test('a checkpoint by the old key of a size after its rotation is refused, even with the right root', async () => {
    const dir = copyOf(rotated);
    insertCheckpoint(dir, signNote(formatCheckpoint({ origin: ORIGIN, size: 36, rootHash: await rootOf(dir, 36), extensions: [] }), [parseSignerKey(oldSkey.trim())]), oldKey, 36);
    const v = exportAndVerify(dir, oldKey, witness.vkey);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[checkpoint-retired-key\] checkpoint 4 \(size 36\): signed by log key rotate\.example\/log\+[0-9a-f]{8}, which was rotated away at entry 20, so it signs only checkpoints of size <= 20/);
  });

  test('a rotation whose endorsement is forged is refused, and so is every checkpoint by the key it names', async () => {
    // Someone without the old key builds a self-consistent continuation: a rotation to their own
    // key "endorsed" by that key, entries, and checkpoints signed with it.
    const dir = copyOf(preRotation);
    unlinkSync(join(dir, LOG_KEY_FILE));
    const rogue = generateNoteKey(ORIGIN);
    const rogueSigner = parseSignerKey(rogue.skey);
    const at = '2026-11-02T00:00:00.000Z';
    const body = { type: 'key-rotation' as const, keyName: ORIGIN, previousKey: oldKey, newKey: rogue.vkey, actor: { who: 'intruder', role: 'log-operator', organisation: 'this instance' }, v: 1 as const, seq: 20, at };
    const endorsement = Buffer.from(rogueSigner.sign(endorsementMessage(body))).toString('base64');
    const { v: _v, seq: _s, ...input } = body;
    const texts = [encodeLogEntry({ ...input, endorsement }, 20, at).text, ...sampleEntries(5, 21).map((e, i) => encodeLogEntry(e, 21 + i, at).text)];
    const db = openSqlite(dir);
    const tree = new MerkleTree(new SqliteMerkleNodeStore(db.raw), 20);
    const insert = db.raw.prepare('INSERT INTO log_entries (seq, leaf_hash, entry, appended_at) VALUES (?, ?, ?, 0)');
    db.raw.transaction(() => {
      const hashes = texts.map((t) => entryLeafHash(t));
      texts.forEach((t, i) => insert.run(20 + i, hashes[i], t));
      tree.appendLeaves(hashes);
    })();
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 26, rootHash: tree.root(), extensions: [] }), [rogueSigner]);
    db.raw.prepare('INSERT INTO log_checkpoints (size, root_hash, note, log_key, created_at) VALUES (?, ?, ?, ?, 0)').run(26, tree.root(), note, rogue.vkey);
    await db.close();
    const v = exportAndVerify(dir, oldKey, witness.vkey);
    assert.equal(v.status, 1);
    assert.match(v.first, /\[key-rotation-invalid\] entry 20: rotation of the log key to rotate\.example\/log\+[0-9a-f]{8}\+\S+ cannot be followed: endorsement does not verify with previous key rotate\.example\/log\+[0-9a-f]{8} \(forged\)/);
    assert.match(v.stderr, /\[checkpoint-unknown-key\] checkpoint 2: signed by unknown key/);
  });

  test('the SQLite log: append refuses a log-key rotation; a running process follows a CLI rotation; a retired key refuses to sign', async () => {
    const dir = copyOf(preRotation);
    const server = openTransparencyLog(dir);
    await assert.rejects(
      server.append([{ type: 'key-rotation', keyName: ORIGIN, previousKey: oldKey, newKey: generateNoteKey(ORIGIN).vkey, actor: { who: 'x', role: 'log-operator', organisation: 'o' } }]),
      code('SAKI_ERR_LOG_ENTRY_INVALID'),
    );
    const r = cli('audit', 'rotate-key', '--data-dir', dir, '--reason', 'suspected exposure of the key file');
    assert.equal(r.status, 0, r.stderr);
    const rotatedKey = /^log\s+(\S+)/m.exec(r.stdout)?.[1] as string;
    await server.append(sampleEntries(3, 20));
    const cp = await server.issueCheckpoint();
    assert.deepEqual([cp.size, cp.logKey, server.verifierKey], [24, rotatedKey, rotatedKey], 'the server re-read the rotated key file');
    await server.close();

    // The old key file restored from a backup: the log refuses to sign with it.
    const restored = copyOf(dir);
    writeFileSync(join(restored, LOG_KEY_FILE), oldSkey, { mode: 0o600 });
    const stale = openTransparencyLog(restored);
    await stale.append(sampleEntries(1, 24));
    await assert.rejects(stale.issueCheckpoint(), code('SAKI_ERR_LOG_KEY_RETIRED'));
    await stale.close();
    assert.equal(exportAndVerify(dir, oldKey).status, 0);
  });
});

test('a rotation committed in the database but interrupted before the key file was replaced is completed by the next signer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-rot-crash-'));
  try {
    const first = openTransparencyLog(dir, { origin: ORIGIN });
    const old = first.verifierKey as string;
    await first.append(sampleEntries(4));
    await first.close();
    // The rotation as rotate-key does it, minus the final step (the process died before it).
    const next = createKeyFile(join(dir, NEXT_LOG_KEY_FILE), ORIGIN);
    const bare = new SqliteTransparencyLog(openSqlite(dir), readKeyFile(join(dir, LOG_KEY_FILE)));
    await bare.rotateKey(next, { actor: { who: 'ops-1', role: 'log-operator', organisation: 'this instance' } });
    await bare.close();
    assert.ok(existsSync(join(dir, NEXT_LOG_KEY_FILE)));

    const log = openTransparencyLog(dir);
    assert.equal(log.verifierKey, old, 'the key file still holds the old key');
    await log.append(sampleEntries(2, 5));
    const cp = await log.issueCheckpoint();
    assert.deepEqual([cp.size, cp.logKey, log.verifierKey], [7, next.verifierKey, next.verifierKey]);
    assert.deepEqual(log.logKeys, [old, next.verifierKey]);
    assert.ok(!existsSync(join(dir, NEXT_LOG_KEY_FILE)));
    await log.close();
    const bundle = join(dir, 'bundle');
    assert.equal(cli('audit', 'export', '--out', bundle, '--data-dir', dir).status, 0);
    const v = cli('audit', 'verify', bundle, '--trusted-key', old);
    assert.equal(v.status, 0, v.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the API after a rotation: /status lists the old and new log keys, /verify follows the chain from the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-rot-api-'));
  const log = openTransparencyLog(dir, { origin: ORIGIN });
  try {
    const old = log.verifierKey as string;
    await log.append(sampleEntries(6));
    const r = await rotateLogKey(dir, log, { actor: { who: 'ops-1', role: 'log-operator', organisation: 'this instance' }, reason: 'test' });
    await log.append(sampleEntries(3, 7));
    await log.issueCheckpoint();
    const app = transparencyApp(log);
    const status = (await (await app.request('/api/v1/transparency/status')).json()) as { verifierKeys: string[]; latestCheckpoint: { size: number } };
    assert.deepEqual(status.verifierKeys, [old, r.newKey]);
    assert.equal(status.latestCheckpoint.size, 10);
    const verify = (await (await app.request('/api/v1/transparency/verify', { method: 'POST' })).json()) as { ok: boolean; checkedCheckpoints: number };
    assert.deepEqual([verify.ok, verify.checkedCheckpoints], [true, 3]);
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
