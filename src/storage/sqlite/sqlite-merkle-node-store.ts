import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import type { MerkleNode, MerkleNodeStore } from '../../core/transparency/merkle-tree.js';

/**
 * MerkleNodeStore over the embedded database. Level 0 is read from log_entries.leaf_hash (the
 * leaf hash is written with its entry, by the log, in the same transaction), levels >= 1 from
 * log_nodes. putNodes must run inside the append transaction: it writes only levels >= 1, and
 * an already present node means two writers built on one size, so it fails instead of overwriting.
 */
const NODES_PER_INSERT = 64;

export class SqliteMerkleNodeStore implements MerkleNodeStore {
  private readonly leaf: BetterSqlite3.Statement<[number], Buffer>;
  private readonly node: BetterSqlite3.Statement<[number, number], Buffer>;
  private readonly insert: BetterSqlite3.Statement<[number, number, Uint8Array]>;
  private readonly insertMany: BetterSqlite3.Statement<unknown[]>;

  constructor(raw: BetterSqlite3.Database) {
    this.leaf = raw.prepare<[number], Buffer>('SELECT leaf_hash FROM log_entries WHERE seq = ?').pluck();
    this.node = raw.prepare<[number, number], Buffer>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    this.insert = raw.prepare('INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.insertMany = raw.prepare(`INSERT INTO log_nodes (level, idx, hash) VALUES ${Array(NODES_PER_INSERT).fill('(?, ?, ?)').join(', ')}`);
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.leaf.get(index) : this.node.get(level, index);
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    const rows = nodes.filter((n) => n.level > 0);
    try {
      let i = 0;
      for (; i + NODES_PER_INSERT <= rows.length; i += NODES_PER_INSERT) {
        const args: unknown[] = [];
        for (let k = i; k < i + NODES_PER_INSERT; k++) args.push(rows[k].level, rows[k].index, rows[k].hash);
        this.insertMany.run(...args);
      }
      for (; i < rows.length; i++) this.insert.run(rows[i].level, rows[i].index, rows[i].hash);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new SakimoriError('SAKI_ERR_LOG_CORRUPT', 'a Merkle node to be written already exists (two writers on one tree size?)', { cause: e });
      }
      throw e;
    }
  }
}
