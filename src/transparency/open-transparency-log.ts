import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SakimoriError } from '../core/errors.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';
import { SqliteTransparencyLog, type SqliteLogKeyring } from '../storage/sqlite/sqlite-transparency-log.js';
import { LOG_KEY_FILE, commitKeyRotation, type LogKey, loadOrCreateLogKey, readKeyFile, readKeyHistory, reloadLogKey } from './log-key.js';
import type { TransparencyLog } from './transparency-log.js';

export interface OpenLogOptions {
  /** Checkpoint origin used if the key is created now; if the key exists it must match. */
  origin?: string;
  /**
   * Open an existing log without creating or requiring its signing key (audit export): the
   * log can then be read but not checkpointed.
   */
  withoutKey?: boolean;
  now?: () => Date;
}

/** The transparency log of a data directory: the embedded database plus the key file beside it. */
export function openTransparencyLog(dataDir: string, options: OpenLogOptions = {}): TransparencyLog {
  if (options.withoutKey) {
    if (!existsSync(join(dataDir, 'sakimori.db'))) throw new SakimoriError('SAKI_ERR_STORAGE', `no database in ${dataDir}`);
    const keyPath = join(dataDir, LOG_KEY_FILE);
    const handle = openSqlite(dataDir);
    if (existsSync(keyPath)) return new SqliteTransparencyLog(handle, keyring(dataDir, readKeyFile(keyPath)), options.now);
    const origin = (handle.raw.prepare('SELECT note FROM log_checkpoints ORDER BY id LIMIT 1').pluck().get() as string | undefined)?.split('\n')[0] ?? 'unknown';
    return new SqliteTransparencyLog(handle, { key: { origin }, history: () => readKeyHistory(dataDir, undefined) }, options.now);
  }
  const key = loadOrCreateLogKey(dataDir, { origin: options.origin });
  return new SqliteTransparencyLog(openSqlite(dataDir), keyring(dataDir, key), options.now);
}

/** The key files of a data directory (log-key.ts): the key, its history, rotation hand-over. */
function keyring(dataDir: string, key: LogKey): SqliteLogKeyring {
  let current = key;
  return {
    key,
    history: () => readKeyHistory(dataDir, current.verifierKey),
    reload: (vkey) => {
      const k = reloadLogKey(dataDir, vkey);
      if (k) current = k;
      return k;
    },
    commitRotation: (next) => {
      commitKeyRotation(dataDir, current.verifierKey, next.verifierKey);
      current = readKeyFile(join(dataDir, LOG_KEY_FILE));
    },
  };
}
