import { SignedNoteError, openNote, parseCheckpoint, type Checkpoint, type NoteVerifier } from './checkpoint.js';
import { DenseMerkleNodeStore } from './dense-merkle-node-store.js';
import { LogKeySchedule } from './key-rotation.js';
import { decodeLogEntry, entryLeafHash, LogEntryError } from './log-entry.js';
import { hashesEqual, leafHash, nodeHash } from './merkle-hash.js';
import { MerkleProofError, verifyConsistency } from './merkle-proof.js';
import { MerkleTree, type MerkleNodeStore } from './merkle-tree.js';

/**
 * Offline verification of a whole log: the commission's check that it need not trust the
 * operator (Act ch. 10). The verifier recomputes the RFC 9162 tree from the entries alone and
 * holds it against checkpoints signed by keys it was told to trust; stored hashes from the
 * operator's database are used only to point at the entry that differs, never to decide.
 *
 * Entries are fed one at a time (a million-entry log streams through in constant memory apart
 * from the rebuilt tree, ~64 bytes per entry); `finish` returns every problem found: checkpoint
 * problems first, then entry problems by sequence number, then checkpoints that cannot be shown
 * consistent, so the first one is the one to name.
 */

export type ProblemKind =
  /** The note cannot be parsed, or is not a tlog-checkpoint, or names another log. */
  | 'checkpoint-malformed'
  /** A signature by a trusted key does not verify, or the log's own signature is absent. */
  | 'checkpoint-signature'
  /** Signed as the log (the origin's name) by a key neither trusted nor introduced by a valid rotation, or by unknown keys only. */
  | 'checkpoint-unknown-key'
  /** Signed only by a log key not in force at that size: rotated away before it, or introduced after it. */
  | 'checkpoint-retired-key'
  /** A rotation of the log key that cannot be followed: forged endorsement, previous key not in force, malformed keys. */
  | 'key-rotation-invalid'
  /** Two validly signed checkpoints of one size with different roots (a split view). */
  | 'fork'
  /** No valid checkpoint at all: nothing vouches for the entries. */
  | 'no-checkpoint'
  /** Entry text is not a valid canonical v1 entry. */
  | 'entry-invalid'
  /** The entry at this position carries another sequence number: deleted, inserted or reordered entries. */
  | 'entry-sequence'
  /** The operator's stored leaf hash disagrees with the entry text: edited after it was appended. */
  | 'entry-stored-hash'
  /** The entries do not produce a checkpoint's root; `seq` is the first differing entry (or the start of the narrowest range found). */
  | 'entry-modified'
  /** A checkpoint covers more entries than the log holds. */
  | 'truncated'
  /** A checkpoint is not an append-only extension of the previous one (RFC 9162 §2.1.4). */
  | 'inconsistent';

export interface VerifyProblem {
  kind: ProblemKind;
  /** Sequence number of the first bad entry, when the problem is an entry's. */
  seq?: number;
  /** Last sequence number of the range the bad entry lies in, when it could not be narrowed to one. */
  seqEnd?: number;
  /** Label of the checkpoint concerned. */
  checkpoint?: string;
  message: string;
}

export interface CheckpointInput {
  /** How to name this checkpoint in a report ("checkpoint #3", a file name). */
  label: string;
  /** The signed note, cosignatures included. */
  note: string;
}

export interface VerifiedCheckpoint {
  label: string;
  size: number;
  rootHash: Uint8Array;
  /** Names of trusted keys other than the log's whose cosignatures verified. */
  cosigners: readonly string[];
  /** Cosignatures by keys the verifier was not given (name+key ID): present, but proving nothing. */
  unknownCosigners: readonly string[];
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: readonly VerifiedCheckpoint[];
  latest: VerifiedCheckpoint | undefined;
  /** Entries after the latest valid checkpoint: present but not yet vouched for by any signature. */
  uncovered: number;
  problems: readonly VerifyProblem[];
}

export interface LogVerifierOptions {
  origin: string;
  /**
   * Trusted keys of the log itself. Every checkpoint must carry a valid signature by a log key
   * in force at its size: a trusted key, or one introduced from it by valid key-rotation entries
   * (core/transparency/key-rotation.ts).
   */
  logKeys: readonly NoteVerifier[];
  /** Trusted witness (cosigner) keys, e.g. the commission's. */
  witnessKeys: readonly NoteVerifier[];
  checkpoints: readonly CheckpointInput[];
  /** The operator's stored hash of node (level, index), level 0 being leaf hashes; untrusted hints. */
  storedHash?: (level: number, index: number) => Uint8Array | undefined;
  /** Problems of one kind beyond this many are counted, not listed. */
  maxProblemsPerKind?: number;
}

const BATCH = 4096;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class LogVerifier {
  private readonly store = new DenseMerkleNodeStore();
  private readonly tree = new MerkleTree(this.store);
  private readonly pending: Uint8Array[] = [];
  private readonly valid: VerifiedCheckpoint[] = [];
  private readonly rotationProblems: VerifyProblem[] = [];
  private readonly checkpointProblems: VerifyProblem[] = [];
  private readonly schedule: LogKeySchedule;
  private readonly entryProblems: VerifyProblem[] = [];
  private readonly consistencyProblems: VerifyProblem[] = [];
  private readonly perKind = new Map<ProblemKind, number>();
  private readonly maxPerKind: number;
  private count = 0;
  private lastSeq = -1;

  constructor(private readonly options: LogVerifierOptions) {
    this.maxPerKind = options.maxProblemsPerKind ?? 100;
    this.schedule = new LogKeySchedule(options.origin, options.logKeys);
  }

  /** The next entry's exact leaf data (one line of entries.jsonl, without its newline). */
  addEntry(data: string | Uint8Array): void {
    const seq = this.count++;
    let text: string | undefined;
    try {
      text = typeof data === 'string' ? data : UTF8.decode(data);
    } catch {
      text = undefined;
    }
    // The leaf is the bytes as given: hashed as text only when they are the text's UTF-8.
    const hash = text !== undefined ? entryLeafHash(text) : leafHash(data as Uint8Array);
    this.pending.push(hash);
    if (this.pending.length >= BATCH) this.flush();
    try {
      if (text === undefined) throw new LogEntryError('entry is not UTF-8');
      const entry = decodeLogEntry(text);
      if (entry.type === 'key-rotation') {
        const why = this.schedule.follow(entry, seq);
        if (why !== undefined && this.admit('key-rotation-invalid')) {
          this.rotationProblems.push({ kind: 'key-rotation-invalid', seq, message: `entry ${seq}: rotation of the log key to ${entry.newKey} cannot be followed: ${why}` });
        }
      }
      // One deleted or moved entry shifts every later position: report only where the run breaks.
      if (entry.seq !== seq && entry.seq !== this.lastSeq + 1) {
        this.entryProblem({
          kind: 'entry-sequence',
          seq,
          message: `entry ${seq}: position ${seq} holds the entry numbered ${entry.seq} after entry ${this.lastSeq} (entries deleted, inserted or reordered)`,
        });
      }
      this.lastSeq = entry.seq;
    } catch (e) {
      if (!(e instanceof LogEntryError)) throw e;
      this.entryProblem({ kind: 'entry-invalid', seq, message: `entry ${seq}: ${e.message}` });
      this.lastSeq = seq;
    }
    const stored = this.options.storedHash?.(0, seq);
    if (stored !== undefined && !hashesEqual(stored, hash)) {
      this.entryProblem({ kind: 'entry-stored-hash', seq, message: `entry ${seq}: differs from the leaf hash stored when it was appended (modified afterwards)` });
    }
  }

  finish(): VerifyReport {
    this.flush();
    // Checkpoints are judged once every rotation has been seen: which key may sign which size
    // is only known from the entries.
    for (const c of this.options.checkpoints) this.openCheckpoint(c);
    this.findForks();
    const size = this.count;
    const bySize = [...this.valid].sort((a, b) => a.size - b.size);
    let previous: VerifiedCheckpoint | undefined;
    let lastGood = 0;
    for (const c of bySize) {
      let matches = false;
      if (c.size > size) {
        this.entryProblem({
          kind: 'truncated',
          seq: size,
          checkpoint: c.label,
          message: `entry ${size}: missing; ${c.label} covers ${c.size} entries but the log holds ${size} (truncated)`,
        });
      } else if (hashesEqual(this.tree.root(c.size), c.rootHash)) {
        lastGood = Math.max(lastGood, c.size);
        matches = true;
      } else {
        this.entryProblem(this.locate(c, lastGood));
      }
      // Where the later checkpoint matches the entries but the earlier cannot be reconciled with
      // it, history was rewritten after the earlier one was signed. (Where the later one does not
      // match either, the entry problem above already says so.)
      if (matches && previous && previous.size > 0 && previous.size < c.size && !this.consistent(previous, c, size)) {
        this.consistencyProblems.push({
          kind: 'inconsistent',
          checkpoint: c.label,
          message: `${c.label} (size ${c.size}) is not an append-only extension of ${previous.label} (size ${previous.size}): history was rewritten after ${previous.label} was signed`,
        });
      }
      previous = c;
    }
    if (this.valid.length === 0) this.checkpointProblem({ kind: 'no-checkpoint', message: 'no validly signed checkpoint: nothing vouches for the entries' });
    const latest = bySize.filter((c) => c.size <= size).at(-1);
    // A rotation that cannot be followed comes first: it explains the checkpoints by its new key.
    const problems = [...this.rotationProblems, ...this.checkpointProblems, ...orderEntryProblems(this.entryProblems), ...this.consistencyProblems];
    return { ok: problems.length === 0, entries: size, checkpoints: bySize, latest, uncovered: size - (latest?.size ?? 0), problems };
  }

  private openCheckpoint(c: CheckpointInput): void {
    const { witnessKeys, origin } = this.options;
    const logKeys = this.schedule.verifiers();
    let checkpoint: Checkpoint;
    let cosigners: string[];
    let unknownCosigners: string[];
    try {
      const note = openNote(c.note, [...logKeys, ...witnessKeys]);
      const invalid = note.invalid[0];
      if (invalid) {
        this.checkpointProblem({ kind: 'checkpoint-signature', checkpoint: c.label, message: `${c.label}: signature by ${invalid.name}+${hex32(invalid.keyId)} does not verify` });
        return;
      }
      // A key bearing the log's name that the verifier does not hold is someone signing as the log.
      // Unknown keys under other names are cosigners this verifier does not know: signed-note says
      // to ignore them, and the report lists them.
      const isLogKey = (s: { name: string; keyId: number }) => logKeys.some((k) => k.name === s.name && k.keyId === s.keyId);
      const impostor = note.unknown.find((s) => s.name === origin);
      if (impostor || !note.verified.some(isLogKey)) {
        const unknown = impostor ?? note.unknown[0];
        this.checkpointProblem(
          unknown
            ? {
                kind: 'checkpoint-unknown-key',
                checkpoint: c.label,
                message: `${c.label}: signed by unknown key ${unknown.name}+${hex32(unknown.keyId)} (neither trusted nor introduced by a valid rotation)`,
              }
            : { kind: 'checkpoint-signature', checkpoint: c.label, message: `${c.label}: carries no signature by the log's key` },
        );
        return;
      }
      checkpoint = parseCheckpoint(note.text);
      // One log key is in force per size (key-rotation.ts): a valid signature by a retired key does not count.
      const logSigs = note.verified.filter(isLogKey);
      if (!logSigs.some((s) => this.inForce(s, checkpoint.size))) {
        const w = this.schedule.window(logSigs[0]);
        const key = `${logSigs[0].name}+${hex32(logSigs[0].keyId)}`;
        const why =
          w && checkpoint.size > w.until
            ? `was rotated away at entry ${w.retiredAt}, so it signs only checkpoints of size <= ${w.until}`
            : `was introduced by the rotation at entry ${w?.introducedAt}, so it signs only checkpoints of size >= ${w?.from}`;
        this.checkpointProblem({ kind: 'checkpoint-retired-key', checkpoint: c.label, message: `${c.label} (size ${checkpoint.size}): signed by log key ${key}, which ${why}` });
        return;
      }
      unknownCosigners = note.unknown.map((s) => `${s.name}+${hex32(s.keyId)}`);
      cosigners = note.verified.filter((s) => !isLogKey(s)).map((s) => s.name);
    } catch (e) {
      if (!(e instanceof SignedNoteError)) throw e;
      this.checkpointProblem({ kind: 'checkpoint-malformed', checkpoint: c.label, message: `${c.label}: ${e.message}` });
      return;
    }
    if (checkpoint.origin !== origin) {
      this.checkpointProblem({ kind: 'checkpoint-malformed', checkpoint: c.label, message: `${c.label}: origin "${checkpoint.origin}" is not this log's "${origin}"` });
      return;
    }
    this.valid.push({ label: c.label, size: checkpoint.size, rootHash: checkpoint.rootHash, cosigners, unknownCosigners });
  }

  private inForce(key: { name: string; keyId: number }, size: number): boolean {
    const w = this.schedule.window(key);
    return w !== undefined && w.from <= size && size <= w.until;
  }

  /** tlog-checkpoint: one log, one tree per size. Two signed roots for one size prove a split view. */
  private findForks(): void {
    const first = new Map<number, VerifiedCheckpoint>();
    for (const c of this.valid) {
      const seen = first.get(c.size);
      if (!seen) first.set(c.size, c);
      else if (!hashesEqual(seen.rootHash, c.rootHash)) {
        this.checkpointProblem({ kind: 'fork', checkpoint: c.label, message: `fork: ${seen.label} and ${c.label} are both signed for size ${c.size} with different roots` });
      }
    }
  }

  /**
   * Names the first entry under a checkpoint that differs. The stored perfect-subtree hashes
   * are anchored to the signed root (their compact range must fold to it, and each pair of
   * children must hash to its trusted parent); the walk then follows the leftmost subtree
   * whose recomputed hash differs. Where the stored hashes were rewritten too, the answer
   * stays the narrowest range that is still anchored.
   */
  private locate(c: VerifiedCheckpoint, lastGood: number): VerifyProblem {
    const range = (start: number, end: number, why: string): VerifyProblem => ({
      kind: 'entry-modified',
      seq: start,
      seqEnd: end - 1,
      checkpoint: c.label,
      message:
        end - start === 1
          ? `entry ${start}: does not match ${c.label} (size ${c.size}): modified, replaced or reordered`
          : `entries ${start}..${end - 1}: the first entry that does not match ${c.label} (size ${c.size}) lies in this range (${why})`,
    });
    const fallback = (why: string) => range(lastGood, c.size, why);
    if (c.size === 0) {
      return { kind: 'checkpoint-malformed', checkpoint: c.label, message: `${c.label}: size 0 with a root other than the empty tree's` };
    }
    const stored = this.options.storedHash;
    if (!stored) return fallback('no stored hashes to narrow it down');
    const parts = compactRange(c.size);
    const claimed = parts.map((p) => stored(p.level, p.index));
    if (claimed.some((h) => h === undefined)) return fallback('stored tree incomplete');
    let folded = claimed[claimed.length - 1] as Uint8Array;
    for (let i = claimed.length - 2; i >= 0; i--) folded = nodeHash(claimed[i] as Uint8Array, folded);
    if (!hashesEqual(folded, c.rootHash)) return fallback('the stored hashes do not reproduce the signed root either');
    const i = parts.findIndex((p, k) => !hashesEqual(this.recomputed(p.level, p.index), claimed[k] as Uint8Array));
    if (i < 0) return fallback('stored tree inconsistent');
    let { level, index } = parts[i];
    let trusted = claimed[i] as Uint8Array;
    while (level > 0) {
      const l = stored(level - 1, 2 * index);
      const r = stored(level - 1, 2 * index + 1);
      if (l === undefined || r === undefined || !hashesEqual(nodeHash(l, r), trusted)) break;
      level--;
      if (!hashesEqual(this.recomputed(level, 2 * index), l)) {
        index = 2 * index;
        trusted = l;
      } else {
        index = 2 * index + 1;
        trusted = r;
      }
    }
    const width = 2 ** level;
    return range(index * width, (index + 1) * width, 'the stored hashes below this point do not match either');
  }

  /**
   * RFC 9162 §2.1.4: a consistency proof certifies itself, whoever computed it. It is taken
   * from the rebuilt tree, and failing that from the stored tree, so that an edited entry is
   * reported as such and not also as a rewritten history; only when neither proof verifies
   * are the two signed roots shown to be irreconcilable.
   */
  private consistent(a: VerifiedCheckpoint, b: VerifiedCheckpoint, size: number): boolean {
    const attempt = (store: MerkleNodeStore, treeSize: number): boolean => {
      try {
        verifyConsistency(a.size, b.size, new MerkleTree(store, treeSize).consistencyProof(a.size, b.size), a.rootHash, b.rootHash);
        return true;
      } catch (e) {
        if (e instanceof MerkleProofError) return false;
        throw e;
      }
    };
    if (b.size <= size && attempt(this.store, size)) return true;
    const stored = this.options.storedHash;
    return stored !== undefined && attempt({ getNode: stored, putNodes: () => {} }, b.size);
  }

  private recomputed(level: number, index: number): Uint8Array {
    return this.store.getNode(level, index) as Uint8Array;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.tree.appendLeaves(this.pending);
    this.pending.length = 0;
  }

  private checkpointProblem(p: VerifyProblem): void {
    if (this.admit(p.kind)) this.checkpointProblems.push(p);
  }

  private entryProblem(p: VerifyProblem): void {
    if (this.admit(p.kind)) this.entryProblems.push(p);
  }

  private admit(kind: ProblemKind): boolean {
    const n = (this.perKind.get(kind) ?? 0) + 1;
    this.perKind.set(kind, n);
    return n <= this.maxPerKind;
  }
}

/**
 * Entry problems by the entry they name. A range ("the first bad entry lies in a..b") goes
 * after an exactly named entry inside it, and one bad entry under several checkpoints is one line.
 */
function orderEntryProblems(problems: readonly VerifyProblem[]): VerifyProblem[] {
  const exact = problems.filter((p) => p.seqEnd === undefined && p.seq !== undefined).map((p) => p.seq as number);
  const key = (p: VerifyProblem): number => {
    const start = p.seq ?? 0;
    if (p.seqEnd === undefined) return start;
    const inside = exact.filter((s) => s >= start && s <= (p.seqEnd as number));
    return inside.length > 0 ? Math.min(...inside) + 0.5 : start;
  };
  const merged: VerifyProblem[] = [];
  const located = new Map<string, { problem: VerifyProblem; also: string[] }>();
  for (const p of problems) {
    if (p.kind !== 'entry-modified') {
      merged.push(p);
      continue;
    }
    const id = `${p.seq}:${p.seqEnd}`;
    const seen = located.get(id);
    if (seen) seen.also.push(p.checkpoint ?? '');
    else {
      const entry = { problem: { ...p }, also: [] as string[] };
      located.set(id, entry);
      merged.push(entry.problem);
    }
  }
  for (const { problem, also } of located.values()) if (also.length > 0) problem.message += `; also under ${also.join(', ')}`;
  return merged.sort((a, b) => key(a) - key(b));
}

/** The perfect subtrees covering [0, size), largest first (RFC 9162 §2.1.1 split points). */
function compactRange(size: number): { level: number; index: number }[] {
  const parts: { level: number; index: number }[] = [];
  let top = 0;
  while (2 ** (top + 1) <= size) top++;
  let start = 0;
  for (let level = top; level >= 0 && start < size; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      parts.push({ level, index: start / width });
      start += width;
    }
  }
  return parts;
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
