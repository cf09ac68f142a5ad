import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SakimoriError } from '../../core/errors.js';
import type { Database } from '../schema.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

export interface SqliteHandle {
  db: Kysely<Database>;
  /** The raw connection, used only for the prepared bulk insert on the ingest hot path. */
  raw: BetterSqlite3.Database;
  close(): Promise<void>;
}

/** Opens (and migrates) the embedded database `sakimori.db` in the data directory. */
export function openSqlite(dataDir: string, options: { readonly?: boolean } = {}): SqliteHandle {
  let raw: BetterSqlite3.Database;
  try {
    mkdirSync(dataDir, { recursive: true });
    raw = new BetterSqlite3(join(dataDir, 'sakimori.db'), { readonly: options.readonly ?? false });
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 5000');
    if (!options.readonly) migrate(raw);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_STORAGE', 'cannot open the embedded database', { cause: e });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    db,
    raw,
    close: async () => {
      await db.destroy();
    },
  };
}

function migrate(raw: BetterSqlite3.Database): void {
  raw.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((raw.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  for (const m of SQLITE_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    raw.transaction(() => {
      raw.exec(m.sql);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
    })();
  }
}
