import { SakimoriError } from '../errors.js';
import { cosignNote, parseCheckpoint, verifyNote, type NoteSigner, type NoteVerifier } from './checkpoint.js';
import { hashesEqual } from './merkle-hash.js';
import { MerkleProofError, verifyConsistency } from './merkle-proof.js';

/**
 * The witness side of cosigning (C2SP tlog-witness): the commission adds its signature to a
 * checkpoint only after checking that the log signed it and that it extends the last
 * checkpoint the commission cosigned. A log that rewrites history then has to show the
 * commission an inconsistent tree, which it refuses, so neither side alone can rewrite
 * history unseen (Act ch. 10: verify, not trust).
 */

/** The last checkpoint a witness cosigned for one log; it must be kept between runs. */
export interface WitnessState {
  origin: string;
  size: number;
  rootHash: Uint8Array;
}

export interface WitnessRequest {
  /** The checkpoint as the log serves it, possibly carrying other witnesses' cosignatures. */
  note: string;
  logVerifier: NoteVerifier;
  signer: NoteSigner;
  previous: WitnessState | undefined;
  /** RFC 9162 consistency proof from previous.size to the checkpoint's size. */
  proof: readonly Uint8Array[];
}

export function witnessCosign(req: WitnessRequest): { note: string; state: WitnessState } {
  const opened = verifyNote(req.note, [req.logVerifier]);
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== req.logVerifier.name) refuse(`checkpoint origin "${cp.origin}" is not the log key's name "${req.logVerifier.name}"`);
  const prev = req.previous;
  if (prev) {
    if (prev.origin !== cp.origin) refuse(`witness state is for "${prev.origin}", not "${cp.origin}"`);
    if (cp.size < prev.size) refuse(`checkpoint size ${cp.size} is below the last cosigned size ${prev.size} (rollback)`);
    if (cp.size === prev.size && !hashesEqual(cp.rootHash, prev.rootHash)) refuse(`checkpoint of size ${cp.size} has another root than the one cosigned (fork)`);
    if (prev.size > 0 && cp.size > prev.size) {
      try {
        verifyConsistency(prev.size, cp.size, req.proof, prev.rootHash, cp.rootHash);
      } catch (e) {
        if (e instanceof MerkleProofError) refuse(`checkpoint is not consistent with the last cosigned one: ${e.message}`, e);
        throw e;
      }
    }
  }
  return { note: cosignNote(opened, [req.signer]), state: { origin: cp.origin, size: cp.size, rootHash: cp.rootHash } };
}

function refuse(detail: string, cause?: unknown): never {
  throw new SakimoriError('SAKI_ERR_WITNESS_REFUSED', detail, cause === undefined ? undefined : { cause });
}

/**
 * The witness's signature line from a cosigned copy of `issued` (the note exactly as the log
 * signed it): the text must be the same, the log's and the witness's signatures must verify.
 */
export function extractCosignature(issued: string, cosigned: string, logVerifier: NoteVerifier, witnessVerifier: NoteVerifier): string {
  const original = verifyNote(issued, [logVerifier]);
  const note = verifyNote(cosigned, [logVerifier, witnessVerifier]);
  if (note.text !== original.text) throw new SakimoriError('SAKI_ERR_NOT_FOUND', 'the cosigned note is not a checkpoint this log issued');
  const isLog = (s: { name: string; keyId: number }) => s.name === logVerifier.name && s.keyId === logVerifier.keyId;
  if (!note.verified.some(isLog)) throw new SakimoriError('SAKI_ERR_NOTE_UNVERIFIED', 'the cosigned note lacks the log signature');
  const sig = note.verified.find((s) => s.name === witnessVerifier.name && s.keyId === witnessVerifier.keyId);
  if (!sig) throw new SakimoriError('SAKI_ERR_NOTE_UNVERIFIED', `the note carries no signature by ${witnessVerifier.name}`);
  return `\u2014 ${sig.name} ${sig.base64}\n`;
}
