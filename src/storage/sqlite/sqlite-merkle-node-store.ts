import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import type { MerkleNode, MerkleNodeStore } from '../../core/transparency/merkle-tree.js';

/**
 * MerkleNodeStore over the embedded database. Level 0 is read from log_entries.leaf_hash (the
 * leaf hash is written with its entry, by the log, in the same transaction), levels >= 1 from
 * log_nodes. putNodes must run inside the append transaction: it writes only levels >= 1, and
 * an already present node means two writers built on one size, so it fails instead of overwriting.
 */
export class SqliteMerkleNodeStore implements MerkleNodeStore {
  private readonly leaf: BetterSqlite3.Statement<[number], Buffer>;
  private readonly node: BetterSqlite3.Statement<[number, number], Buffer>;
  private readonly insert: BetterSqlite3.Statement<[number, number, Uint8Array]>;

  constructor(raw: BetterSqlite3.Database) {
    this.leaf = raw.prepare<[number], Buffer>('SELECT leaf_hash FROM log_entries WHERE seq = ?').pluck();
    this.node = raw.prepare<[number, number], Buffer>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    this.insert = raw.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.leaf.get(index) : this.node.get(level, index);
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    for (const n of nodes) {
      if (n.level === 0) continue;
      try {
        this.insert.run(n.level, n.index, n.hash);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', `Merkle node (${n.level}, ${n.index}) already exists`, { cause: e });
        }
        throw e;
      }
    }
  }
}
