import type { NoteSigner, NoteVerifier } from '../core/transparency/checkpoint.js';
import type { LogEntryInput } from '../core/transparency/log-entry.js';

/**
 * The transparency log contract: what every storage backend (the embedded SQLite database
 * now, PostgreSQL later) provides, and what test/transparency/transparency-log.case.ts checks
 * for each. Everything is asynchronous so that a networked database can implement it.
 *
 * Guarantees every backend must keep:
 * - append(entries) is atomic: the entries, their leaf hashes and every Merkle node they
 *   complete are committed together or not at all (a crash mid-batch leaves no trace).
 * - Sequence numbers are dense from 0; an entry's leaf is its canonical JSON, `seq` included.
 * - Stored entries, nodes, checkpoints and cosignatures are never updated or deleted.
 * - At most one checkpoint per tree size: issuing at an unchanged size returns the existing one.
 */

export interface AppendReceipt {
  /** Sequence number of the first entry of the batch. */
  firstSeq: number;
  /** Tree size after the batch. */
  size: number;
  /** RFC 9162 root after the batch (not signed: issue a checkpoint to vouch for it). */
  rootHash: Uint8Array;
  leafHashes: readonly Uint8Array[];
}

export interface StoredLogEntry {
  seq: number;
  /** The exact leaf data: canonical JSON. */
  entry: string;
  /** The leaf hash stored at append time. */
  leafHash: Uint8Array;
  /** ISO 8601. */
  appendedAt: string;
}

export interface StoredCheckpoint {
  id: number;
  size: number;
  rootHash: Uint8Array;
  /** Signed note: the log's signature followed by every cosignature received, in order. */
  note: string;
  /** Verifier key that made the log's signature. */
  logKey: string;
  /** Verifier keys of the witnesses whose cosignatures are attached. */
  witnessKeys: readonly string[];
  createdAt: string;
}

export interface KeyRotationRecord {
  /** Who rotated the key, in what role, for which organisation. */
  actor: { who: string; role: string; organisation: string };
  reason?: string;
}

export interface KeyRotationResult {
  /** Position of the key-rotation entry. */
  seq: number;
  previousKey: string;
  newKey: string;
  /** The last checkpoint by the previous key (size seq: every entry before the rotation). */
  before: StoredCheckpoint;
  /** The first checkpoint by the new key (size seq + 1: it covers the rotation entry). */
  after: StoredCheckpoint;
}

export interface TransparencyLog {
  /** C2SP checkpoint origin; also the name of the log's key. */
  readonly origin: string;
  /** The log's current verifier key (signed-note vkey); undefined when opened without its signing key. */
  readonly verifierKey: string | undefined;
  /**
   * Every verifier key the log has signed with, oldest first (the current one last), as kept
   * beside the key file; [] when opened without it. The first is the anchor a verifier trusts.
   */
  readonly logKeys: readonly string[];

  size(): Promise<number>;
  append(entries: readonly LogEntryInput[]): Promise<AppendReceipt>;
  /** Entries with start <= seq < end, in order. */
  entries(start: number, end: number): Promise<StoredLogEntry[]>;
  /**
   * Stored hashes of nodes (level, index) for start <= index < end; level 0 is the stored leaf
   * hashes. Undefined where a node is absent. For audit export only: never trusted by a verifier.
   */
  storedHashes(level: number, start: number, end: number): Promise<(Uint8Array | undefined)[]>;
  /** RFC 9162 root of the first `size` entries (default: all). */
  root(size?: number): Promise<Uint8Array>;
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>;
  consistencyProof(first: number, second: number): Promise<Uint8Array[]>;

  /** Signs a checkpoint of the current tree with the log key, or returns the one already issued at this size. */
  issueCheckpoint(): Promise<StoredCheckpoint>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Every checkpoint, in issue order. */
  checkpoints(): Promise<StoredCheckpoint[]>;
  /**
   * Records a witness's cosignature. `cosignedNote` is an issued checkpoint carrying a valid
   * signature by `witnessKey`; only that signature line is stored.
   */
  addCosignature(cosignedNote: string, witnessKey: string): Promise<StoredCheckpoint>;

  /**
   * Replaces the log's signing key, in one transaction: a checkpoint by the current key at the
   * current size, a key-rotation entry endorsed by the current key (core/transparency/key-rotation.ts),
   * and a checkpoint of the new size by `next`, which signs from then on. Log-key rotations can
   * only be appended this way; append() refuses them.
   */
  rotateKey(next: LogSigningKey, record: KeyRotationRecord): Promise<KeyRotationResult>;

  close(): Promise<void>;
}

/** The log's signing identity: the key name is the checkpoint origin. */
export interface LogSigningKey {
  origin: string;
  signer: NoteSigner;
  verifier: NoteVerifier;
  verifierKey: string;
}
