import { SakimoriError } from '../core/errors.js';
import { SignedNoteError } from '../core/transparency/checkpoint.js';
import { LogEntryError } from '../core/transparency/log-entry.js';
import { MerkleProofError } from '../core/transparency/merkle-proof.js';

/**
 * The pure core throws its own error classes (it has no catalogue dependency); at the edges
 * they become catalogue errors with the same code, the original kept as the cause.
 */
export function toSakimoriError(e: unknown): unknown {
  if (e instanceof SakimoriError) return e;
  if (e instanceof MerkleProofError || e instanceof SignedNoteError) return new SakimoriError(e.code, e.message, { cause: e });
  if (e instanceof LogEntryError) return new SakimoriError('SAKI_ERR_LOG_ENTRY_INVALID', e.message, { cause: e, details: { issues: e.issues } });
  return e;
}

/** Runs `fn`, rethrowing core errors as catalogue errors. */
export function withCodes<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toSakimoriError(e);
  }
}
