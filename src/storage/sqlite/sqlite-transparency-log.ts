import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import { formatCheckpoint, openNote, parseCheckpoint, parseVerifierKey, signNote } from '../../core/transparency/checkpoint.js';
import { encodeLogEntry, type EncodedEntry, type LogEntryInput } from '../../core/transparency/log-entry.js';
import { hashesEqual } from '../../core/transparency/merkle-hash.js';
import { MerkleTree, type AppendResult } from '../../core/transparency/merkle-tree.js';
import { extractCosignature } from '../../core/transparency/witness.js';
import { endorseKeyRotation, type KeyRotationEntry } from '../../core/transparency/key-rotation.js';
import type {
  AppendReceipt,
  KeyRotationRecord,
  KeyRotationResult,
  LogSigningKey,
  StoredCheckpoint,
  StoredLogEntry,
  TransparencyLog,
} from '../../transparency/transparency-log.js';
import { withCodes } from '../../transparency/transparency-errors.js';
import type { LogCheckpointTable, LogEntryTable } from '../schema.js';
import { MultiRowInsert } from './multi-row-insert.js';
import { SqliteMerkleNodeStore } from './sqlite-merkle-node-store.js';

/**
 * The transparency log in the embedded database. Each append is one IMMEDIATE transaction
 * holding the entries, their leaf hashes and the Merkle nodes they complete, so a killed
 * process leaves either the whole batch or nothing (SQLite WAL atomic commit). The tree size
 * is read inside every transaction rather than cached, so several processes (the server, the
 * CLI) can share one log. Prepared statements are used throughout: on the append path,
 * compiling a query per row would cost more than the insert.
 */
/** The log's key and where to look when a rotation by another process replaced it. */
export interface SqliteLogKeyring {
  key: LogSigningKey | { origin: string; signer?: undefined; verifierKey?: undefined };
  /** Verifier keys the log has had, oldest first. */
  history(): readonly string[];
  /** The signing key whose verifier key is `vkey`, if the key files now hold it (completing a pending rotation). */
  reload?(vkey: string): LogSigningKey | undefined;
  /** Called after rotateKey committed: make `next` the key on disk. */
  commitRotation?(next: LogSigningKey): void;
}

export class SqliteTransparencyLog implements TransparencyLog {
  readonly origin: string;
  private readonly store: SqliteMerkleNodeStore;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly appendTx: (entries: readonly LogEntryInput[]) => AppendReceipt;
  private readonly issueTx: () => StoredCheckpoint;
  private readonly rotateTx: (next: LogSigningKey, record: KeyRotationRecord) => KeyRotationResult;
  private readonly insertEntries: MultiRowInsert;
  private key: SqliteLogKeyring['key'];
  private readonly keyring: SqliteLogKeyring;

  constructor(
    private readonly handle: { raw: BetterSqlite3.Database; close(): Promise<void> },
    key: SqliteLogKeyring | SqliteLogKeyring['key'],
    private readonly now: () => Date = () => new Date(),
  ) {
    const raw = handle.raw;
    this.keyring = 'history' in key ? key : { key, history: () => (key.verifierKey ? [key.verifierKey] : []) };
    this.key = this.keyring.key;
    this.origin = this.key.origin;
    this.store = new SqliteMerkleNodeStore(raw);
    this.stmt = prepareStatements(raw);
    this.insertEntries = new MultiRowInsert(raw, 'INSERT INTO log_entries (seq, leaf_hash, entry, appended_at)', 4);
    // IMMEDIATE takes the write lock before the size is read, so two writers never build on one size.
    this.appendTx = raw.transaction((entries: readonly LogEntryInput[]) => this.appendNow(entries)).immediate;
    this.issueTx = raw.transaction(() => this.issueNow()).immediate;
    this.rotateTx = raw.transaction((next: LogSigningKey, record: KeyRotationRecord) => this.rotateNow(next, record)).immediate;
  }

  get verifierKey(): string | undefined {
    return this.key.verifierKey;
  }

  get logKeys(): readonly string[] {
    return this.keyring.history();
  }

  async size(): Promise<number> {
    return this.currentSize();
  }

  async append(entries: readonly LogEntryInput[]): Promise<AppendReceipt> {
    entries.forEach((e, i) => {
      // Only rotateKey may write these: endorsed, and followed by the new key's first checkpoint.
      if (e.type === 'key-rotation' && e.keyName === this.origin) {
        throw new SakimoriError('SAKI_ERR_LOG_ENTRY_INVALID', `entry ${i} of the batch: rotations of the log's own key are written by rotateKey (sakimori audit rotate-key)`, {
          details: { index: i, issues: ['keyName: the log key rotates through rotateKey'] },
        });
      }
    });
    return withCodes(() => this.appendTx(entries));
  }

  async rotateKey(next: LogSigningKey, record: KeyRotationRecord): Promise<KeyRotationResult> {
    if (next.origin !== this.origin) throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `the new key is named ${next.origin}, not the log's origin ${this.origin}`);
    const result = withCodes(() => this.rotateTx(next, record));
    this.keyring.commitRotation?.(next);
    return result;
  }

  async entries(start: number, end: number): Promise<StoredLogEntry[]> {
    requireRange(start, end);
    return this.stmt.entries.all(start, end).map((r) => ({ seq: r.seq, entry: r.entry, leafHash: new Uint8Array(r.leaf_hash), appendedAt: new Date(r.appended_at).toISOString() }));
  }

  async storedHashes(level: number, start: number, end: number): Promise<(Uint8Array | undefined)[]> {
    requireRange(start, end);
    if (!Number.isSafeInteger(level) || level < 0) throw new SakimoriError('SAKI_ERR_PROOF_RANGE', `level ${level}`);
    return this.store.hashesAt(level, start, end).map((h) => (h === undefined ? undefined : new Uint8Array(h)));
  }

  async root(size?: number): Promise<Uint8Array> {
    return withCodes(() => this.tree().root(size));
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    return withCodes(() => this.tree().inclusionProof(index, size));
  }

  async consistencyProof(first: number, second: number): Promise<Uint8Array[]> {
    return withCodes(() => this.tree().consistencyProof(first, second));
  }

  async issueCheckpoint(): Promise<StoredCheckpoint> {
    return withCodes(() => this.issueTx());
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = this.stmt.latest.get();
    return row ? this.withCosignatures(row) : undefined;
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.stmt.checkpoints.all().map((r) => this.withCosignatures(r));
  }

  async addCosignature(cosignedNote: string, witnessKey: string): Promise<StoredCheckpoint> {
    return withCodes(() => {
      const witness = parseVerifierKey(witnessKey);
      const cp = parseCheckpoint(openNote(cosignedNote, []).text);
      const row = this.stmt.bySize.get(cp.size);
      if (!row || !hashesEqual(row.root_hash, cp.rootHash)) throw new SakimoriError('SAKI_ERR_NOT_FOUND', `this log issued no checkpoint of size ${cp.size} with that root`);
      if (witness.name === this.origin) throw new SakimoriError('SAKI_ERR_NOTE_KEY_INVALID', 'a witness key cannot bear the log origin as its name');
      const line = extractCosignature(row.note, cosignedNote, parseVerifierKey(row.log_key), witness);
      this.stmt.insertCosignature.run(row.id as number, witnessKey, line, this.now().getTime());
      return this.withCosignatures(this.stmt.byId.get(row.id as number) as LogCheckpointTable);
    });
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * Encodes, hashes and inserts the batch MultiRowInsert.MAX_ROWS entries at a time, so that each
   * chunk's objects die young instead of the whole batch surviving into the old generation;
   * an invalid entry anywhere still rolls the whole transaction back.
   */
  private appendNow(inputs: readonly LogEntryInput[]): AppendReceipt {
    const size = this.currentSize();
    const at = this.now();
    const iso = at.toISOString();
    const ms = at.getTime();
    const tree = new MerkleTree(this.store, size);
    const leafHashes = new Array<Uint8Array>(inputs.length);
    let last: AppendResult | undefined;
    for (let i = 0; i < inputs.length; i += MultiRowInsert.MAX_ROWS) {
      const n = Math.min(MultiRowInsert.MAX_ROWS, inputs.length - i);
      const chunk = new Array<EncodedEntry>(n);
      for (let k = 0; k < n; k++) {
        chunk[k] = this.encode(inputs[i + k], i + k, size + i + k, iso);
        leafHashes[i + k] = chunk[k].leafHash;
      }
      this.insertEntries.run(n, (k, args, o) => {
        args[o] = size + i + k;
        args[o + 1] = chunk[k].leafHash;
        args[o + 2] = chunk[k].text;
        args[o + 3] = ms;
      });
      last = tree.appendLeaves(leafHashes.slice(i, i + n));
    }
    // The tree keeps its compact range between chunks; the root is folded once, for the last one.
    return { firstSeq: size, size: tree.size, rootHash: last ? last.root : tree.root(), leafHashes };
  }

  private encode(input: LogEntryInput, index: number, seq: number, iso: string): EncodedEntry {
    try {
      return encodeLogEntry(input, seq, iso);
    } catch (e) {
      const err = e as Error & { issues?: readonly string[] };
      throw new SakimoriError('SAKI_ERR_LOG_ENTRY_INVALID', `entry ${index} of the batch: ${err.message}`, { cause: e, details: { index, issues: err.issues ?? [] } });
    }
  }

  /**
   * Signs the current tree unless a checkpoint of this size exists. Before signing, the stored
   * tree must still reproduce the largest root already signed: the log never signs a tree that
   * rolls back or forks its own history, whatever happened to the database file.
   */
  private issueNow(signer: LogSigningKey = this.signerInForce()): StoredCheckpoint {
    const size = this.currentSize();
    const tree = new MerkleTree(this.store, size);
    const largest = this.stmt.largest.get();
    if (largest) {
      if (largest.size > size) throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', `a checkpoint covers ${largest.size} entries but the log holds ${size}`);
      if (!hashesEqual(tree.root(largest.size), largest.root_hash)) {
        throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', `the stored tree no longer reproduces the signed root at size ${largest.size}`);
      }
    }
    const existing = this.stmt.bySize.get(size);
    const rootHash = tree.root(size);
    if (existing) {
      if (!hashesEqual(existing.root_hash, rootHash)) throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', `the checkpoint of size ${size} has another root`);
      return this.withCosignatures(existing);
    }
    const note = signNote(formatCheckpoint({ origin: this.origin, size, rootHash, extensions: [] }), [signer.signer]);
    const id = Number(this.stmt.insertCheckpoint.run(size, rootHash, note, signer.verifierKey, this.now().getTime()).lastInsertRowid);
    return this.withCosignatures(this.stmt.byId.get(id) as LogCheckpointTable);
  }

  /**
   * The key that may sign now: the one that signed the largest checkpoint, since rotateKey
   * signs the new key's first checkpoint in the rotation's own transaction. If another process
   * rotated the key, the key files are read again; a process left holding a retired key (or a
   * key file swapped without a rotation) refuses to sign, because verifiers would refuse it.
   */
  private signerInForce(): LogSigningKey {
    if (!this.key.signer) throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', 'the log was opened without its signing key');
    const inForce = this.stmt.largest.get()?.log_key;
    if (inForce === undefined || inForce === this.key.verifierKey) return this.key;
    const reloaded = this.keyring.reload?.(inForce);
    if (reloaded && reloaded.verifierKey === inForce) {
      this.key = reloaded;
      return reloaded;
    }
    throw new SakimoriError(
      'SAKI_ERR_LOG_KEY_RETIRED',
      `this process holds log key ${this.key.verifierKey}, but the latest checkpoint was signed by ${inForce}; restore that key file or rotate with sakimori audit rotate-key`,
    );
  }

  private rotateNow(next: LogSigningKey, record: KeyRotationRecord): KeyRotationResult {
    const current = this.signerInForce();
    if (next.verifierKey === current.verifierKey) throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', 'the new key is the current key');
    const before = this.issueNow(current);
    const seq = this.currentSize();
    const time = this.now();
    const at = time.toISOString();
    const body: Omit<KeyRotationEntry, 'endorsement'> = {
      type: 'key-rotation',
      keyName: this.origin,
      previousKey: current.verifierKey,
      newKey: next.verifierKey,
      actor: record.actor,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      v: 1,
      seq,
      at,
    };
    const endorsement = endorseKeyRotation(body, current.signer);
    const { v: _v, seq: _seq, ...input } = body;
    const e = this.encode({ ...input, endorsement }, 0, seq, at);
    this.insertEntries.run(1, (_i, args, o) => {
      args[o] = seq;
      args[o + 1] = e.leafHash;
      args[o + 2] = e.text;
      args[o + 3] = time.getTime();
    });
    new MerkleTree(this.store, seq).appendLeaves([e.leafHash]);
    const after = this.issueNow(next);
    this.key = next;
    return { seq, previousKey: current.verifierKey, newKey: next.verifierKey, before, after };
  }

  private withCosignatures(row: LogCheckpointTable): StoredCheckpoint {
    const cosigs = this.stmt.cosignatures.all(row.id as number);
    return {
      id: row.id as number,
      size: row.size,
      rootHash: new Uint8Array(row.root_hash),
      note: row.note + cosigs.map((c) => c.signature).join(''),
      logKey: row.log_key,
      witnessKeys: cosigs.map((c) => c.witness_key),
      createdAt: new Date(row.created_at).toISOString(),
    };
  }

  private currentSize(): number {
    const max = this.stmt.maxSeq.get();
    return max === null || max === undefined ? 0 : max + 1;
  }

  private tree(): MerkleTree {
    return new MerkleTree(this.store, this.currentSize());
  }
}

function prepareStatements(raw: BetterSqlite3.Database) {
  return {
    maxSeq: raw.prepare<[], number | null>('SELECT max(seq) FROM log_entries').pluck(),
    entries: raw.prepare<[number, number], LogEntryTable>('SELECT seq, leaf_hash, entry, appended_at FROM log_entries WHERE seq >= ? AND seq < ? ORDER BY seq'),
    checkpoints: raw.prepare<[], LogCheckpointTable>('SELECT * FROM log_checkpoints ORDER BY id'),
    latest: raw.prepare<[], LogCheckpointTable>('SELECT * FROM log_checkpoints ORDER BY id DESC LIMIT 1'),
    largest: raw.prepare<[], LogCheckpointTable>('SELECT * FROM log_checkpoints ORDER BY size DESC, id LIMIT 1'),
    bySize: raw.prepare<[number], LogCheckpointTable>('SELECT * FROM log_checkpoints WHERE size = ? ORDER BY id LIMIT 1'),
    byId: raw.prepare<[number], LogCheckpointTable>('SELECT * FROM log_checkpoints WHERE id = ?'),
    insertCheckpoint: raw.prepare<[number, Uint8Array, string, string, number]>(
      'INSERT INTO log_checkpoints (size, root_hash, note, log_key, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    cosignatures: raw.prepare<[number], { witness_key: string; signature: string }>(
      'SELECT witness_key, signature FROM log_cosignatures WHERE checkpoint_id = ? ORDER BY created_at, rowid',
    ),
    insertCosignature: raw.prepare<[number, string, string, number]>(
      'INSERT OR IGNORE INTO log_cosignatures (checkpoint_id, witness_key, signature, created_at) VALUES (?, ?, ?, ?)',
    ),
  };
}

function requireRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new SakimoriError('SAKI_ERR_PROOF_RANGE', `[${start}, ${end}) is not a range of sequence numbers`);
  }
}
