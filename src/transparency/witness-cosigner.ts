import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { SakimoriError } from '../core/errors.js';
import { parseVerifierKey, type NoteSigner } from '../core/transparency/checkpoint.js';
import { witnessCosign, type WitnessState } from '../core/transparency/witness.js';
import { withCodes } from './transparency-errors.js';
import type { StoredCheckpoint, TransparencyLog } from './transparency-log.js';

/**
 * Runs the witness protocol against a log: fetch the latest checkpoint and a consistency proof
 * from the last one this witness cosigned, check both (core/transparency/witness.ts), sign,
 * and hand the cosignature back to the log.
 */
export interface Witness {
  signer: NoteSigner;
  /** The witness's own verifier key, recorded with its cosignatures. */
  verifierKey: string;
  /** The log's verifier key as the witness pinned it, never taken from the log itself. */
  logKey: string;
}

export async function cosignLatest(
  log: TransparencyLog,
  witness: Witness,
  previous: WitnessState | undefined,
): Promise<{ checkpoint: StoredCheckpoint; state: WitnessState }> {
  const latest = (await log.latestCheckpoint()) ?? (await log.issueCheckpoint());
  const proof = previous && previous.size > 0 && latest.size > previous.size ? await log.consistencyProof(previous.size, latest.size) : [];
  const { note, state } = withCodes(() =>
    witnessCosign({ note: latest.note, logVerifier: parseVerifierKey(witness.logKey), signer: witness.signer, previous, proof }),
  );
  return { checkpoint: await log.addCosignature(note, witness.verifierKey), state };
}

/** Witness state file: JSON {origin, size, rootHash (base64)}; absent means no checkpoint cosigned yet. */
export function loadWitnessState(path: string): WitnessState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SakimoriError('SAKI_ERR_WITNESS_REFUSED', `cannot read witness state ${path}`, { cause: e });
  }
  const raw = JSON.parse(text) as { origin: string; size: number; rootHash: string };
  return { origin: raw.origin, size: raw.size, rootHash: new Uint8Array(Buffer.from(raw.rootHash, 'base64')) };
}

export function saveWitnessState(path: string, state: WitnessState): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify({ origin: state.origin, size: state.size, rootHash: Buffer.from(state.rootHash).toString('base64') }) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}
