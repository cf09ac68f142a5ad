import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import type { MerkleNode, MerkleNodeStore } from '../../core/transparency/merkle-tree.js';
import { MultiRowInsert } from './multi-row-insert.js';

/**
 * MerkleNodeStore over the embedded database. Level 0 is read from log_entries.leaf_hash (the
 * leaf hash is written with its entry, by the log, in the same transaction), levels >= 1 from
 * log_nodes. putNodes must run inside the append transaction: it writes only levels >= 1, and
 * an already present node means two writers built on one size, so it fails instead of overwriting.
 */
export class SqliteMerkleNodeStore implements MerkleNodeStore {
  private readonly leaf: BetterSqlite3.Statement<[number], Buffer>;
  private readonly node: BetterSqlite3.Statement<[number, number], Buffer>;
  private readonly insert: MultiRowInsert;

  constructor(raw: BetterSqlite3.Database) {
    this.leaf = raw.prepare<[number], Buffer>('SELECT leaf_hash FROM log_entries WHERE seq = ?').pluck();
    this.node = raw.prepare<[number, number], Buffer>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    this.insert = new MultiRowInsert(raw, 'INSERT INTO log_nodes (level, idx, hash)', 3);
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.leaf.get(index) : this.node.get(level, index);
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    const rows = nodes.filter((n) => n.level > 0);
    try {
      this.insert.run(rows.length, (i, args, o) => {
        args[o] = rows[i].level;
        args[o + 1] = rows[i].index;
        args[o + 2] = rows[i].hash;
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', 'a Merkle node to be written already exists (two writers on one tree size?)', { cause: e });
      }
      throw e;
    }
  }
}
