import { join } from 'node:path';
import { createKeyFile, NEXT_LOG_KEY_FILE } from './log-key.js';
import type { KeyRotationRecord, KeyRotationResult, TransparencyLog } from './transparency-log.js';

/**
 * `sakimori audit rotate-key`: a new signing key for the log of a data directory. The new key
 * is written as NEXT_LOG_KEY_FILE (0600) first, the database records the endorsed rotation and
 * the new key's first checkpoint in one transaction, and only then does the new key file
 * replace the old one (log-key.ts commitKeyRotation). A crash in between leaves either no
 * rotation (the pending key is reused next time) or a committed one that the next process to
 * sign completes from the pending file.
 */
export async function rotateLogKey(dataDir: string, log: TransparencyLog, record: KeyRotationRecord): Promise<KeyRotationResult> {
  // Signing first completes any rotation left half-done, so the pending file is not a committed key.
  await log.issueCheckpoint();
  const next = createKeyFile(join(dataDir, NEXT_LOG_KEY_FILE), log.origin);
  return log.rotateKey(next, record);
}
