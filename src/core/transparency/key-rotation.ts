import { canonicalJson } from './canonical-json.js';
import { SignedNoteError, parseVerifierKey, type NoteSigner, type NoteVerifier } from './checkpoint.js';
import type { LogEntry } from './log-entry.js';

/**
 * Rotation of the log's signing key, as a chain a verifier can follow from a key it trusts.
 *
 * The log records a rotation as a `key-rotation` entry (keyName = the log's origin) at some
 * position s, endorsed by the previous key: an Ed25519 signature over
 * ENDORSEMENT_CONTEXT || canonical JSON of the entry without `endorsement` (v, seq and at
 * included, so an endorsement cannot be moved to another position or time). C2SP checkpoints
 * carry no signed time, so the position in the log is the clock: the previous key signs
 * checkpoints of size <= s (trees without its rotation), the new key those of size > s (trees
 * that contain it). A checkpoint by the previous key of a size > s is refused, however valid its
 * signature: whoever kept the retired key cannot extend the log. The same key name (the origin)
 * is kept; the key ID tells the keys apart (signed-note).
 */

/** Domain separation: no checkpoint or other note can be read as an endorsement, nor the reverse. */
export const ENDORSEMENT_CONTEXT = 'sakimori key-rotation endorsement v1\n';

export type KeyRotationEntry = Extract<LogEntry, { type: 'key-rotation' }>;

/** The bytes the previous key signs: the context, then the entry without its endorsement. */
export function endorsementMessage(entry: Omit<KeyRotationEntry, 'endorsement'> & { endorsement?: string }): Uint8Array {
  const { endorsement: _omit, ...rest } = entry;
  return Buffer.from(ENDORSEMENT_CONTEXT + canonicalJson(rest, { omitUndefined: true }), 'utf8');
}

/** base64 endorsement of a rotation entry (without `endorsement`) by the previous key. */
export function endorseKeyRotation(entry: Omit<KeyRotationEntry, 'endorsement'>, previous: NoteSigner): string {
  return Buffer.from(previous.sign(endorsementMessage(entry))).toString('base64');
}

/** Which log key may sign checkpoints of which sizes: from <= size <= until. */
export interface KeyWindow {
  verifier: NoteVerifier;
  vkey: string | undefined;
  /** Smallest size it may sign: 0 for a trusted key, s + 1 for a key introduced at position s. */
  from: number;
  /** Largest size it may sign: s for a key rotated away at position s. */
  until: number;
  introducedAt?: number;
  retiredAt?: number;
}

/**
 * The log keys a verifier accepts, grown along the rotation chain while entries stream past.
 * Trusted keys (the auditor's --trusted-key) may sign from size 0; a rotation is followed only
 * if its previous key is in force at the chain's tip (trusted or introduced, not yet retired)
 * and its endorsement verifies with that key.
 */
export class LogKeySchedule {
  private readonly windows = new Map<string, KeyWindow>();

  constructor(
    private readonly origin: string,
    trusted: readonly NoteVerifier[],
  ) {
    for (const v of trusted) this.windows.set(keyOf(v), { verifier: v, vkey: undefined, from: 0, until: Infinity });
  }

  /** Every log key known so far, trusted or introduced. */
  verifiers(): NoteVerifier[] {
    return [...this.windows.values()].map((w) => w.verifier);
  }

  window(key: { name: string; keyId: number }): KeyWindow | undefined {
    return this.windows.get(keyOf(key));
  }

  /** Follows the rotation at log position `position`; returns why not when it cannot be followed. */
  follow(entry: KeyRotationEntry, position: number): string | undefined {
    if (entry.keyName !== this.origin) return undefined;
    if (entry.previousKey === undefined || entry.endorsement === undefined) return 'a rotation of the log key needs previousKey and its endorsement';
    let previous: NoteVerifier;
    let next: NoteVerifier;
    try {
      previous = parseVerifierKey(entry.previousKey);
      next = parseVerifierKey(entry.newKey);
    } catch (e) {
      if (e instanceof SignedNoteError) return `unusable key: ${e.message}`;
      throw e;
    }
    if (previous.name !== this.origin || next.name !== this.origin) return `both keys must be named ${this.origin}, the log's origin`;
    if (previous.keyId === next.keyId) return 'the new key is the previous key';
    const from = this.windows.get(keyOf(previous));
    const known = this.windows.get(keyOf(next));
    // Into a key the auditor trusts outright, from one it does not know: nothing to learn here.
    if (!from && known && known.from === 0 && known.until === Infinity) return undefined;
    if (!from) return `previous key ${describe(previous)} is not trusted and was never introduced by a valid rotation`;
    if (from.until !== Infinity) return `previous key ${describe(previous)} was already rotated away at entry ${from.retiredAt}`;
    // Verified with the key already held, not the one the entry quotes: a 32-bit key ID can be
    // ground to collide, so name and ID alone do not make the quoted key the trusted one.
    if (!from.verifier.verify(endorsementMessage(entry), Buffer.from(entry.endorsement, 'base64'))) {
      return `endorsement does not verify with previous key ${describe(previous)} (forged)`;
    }
    if (known && (known.from > 0 || known.until !== Infinity)) return `new key ${describe(next)} was already in use before (a retired key cannot come back)`;
    from.until = position;
    from.retiredAt = position;
    // A key the auditor trusts outright keeps its window from 0; otherwise it starts after the rotation.
    if (!known) this.windows.set(keyOf(next), { verifier: next, vkey: entry.newKey, from: position + 1, until: Infinity, introducedAt: position });
    return undefined;
  }
}

function keyOf(k: { name: string; keyId: number }): string {
  return `${k.name}+${(k.keyId >>> 0).toString(16).padStart(8, '0')}`;
}

function describe(k: { name: string; keyId: number }): string {
  return keyOf(k);
}
