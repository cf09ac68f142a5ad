import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import { nodeHash } from '../../core/transparency/merkle-hash.js';
import type { MerkleNode, MerkleNodeStore } from '../../core/transparency/merkle-tree.js';
import { MultiRowInsert } from './multi-row-insert.js';

/**
 * Levels of the Merkle tree kept in log_nodes: multiples of 3 (8-wide tiles). An append writes
 * about one node row per 7 entries instead of one per entry; a proof reads the 8 stored nodes
 * under each tile it crosses and recomputes the two levels in between from them
 * (docs/reference/transparency-log.md, "Storage").
 */
export const LOG_NODE_LEVEL_STRIDE = 3;

/**
 * MerkleNodeStore over the embedded database. Level 0 is read from log_entries.leaf_hash (the
 * leaf hash is written with its entry, by the log, in the same transaction), levels that are
 * positive multiples of LOG_NODE_LEVEL_STRIDE from log_nodes. putNodes must run inside the
 * append transaction: it writes only those levels, and an already present node means two
 * writers built on one size, so it fails instead of overwriting.
 */
export class SqliteMerkleNodeStore implements MerkleNodeStore {
  readonly levelStride = LOG_NODE_LEVEL_STRIDE;
  private readonly leaf: BetterSqlite3.Statement<[number], Buffer>;
  private readonly node: BetterSqlite3.Statement<[number, number], Buffer>;
  private readonly leafRange: BetterSqlite3.Statement<[number, number], { i: number; h: Buffer }>;
  private readonly nodeRange: BetterSqlite3.Statement<[number, number, number], { i: number; h: Buffer }>;
  private readonly insert: MultiRowInsert;

  constructor(raw: BetterSqlite3.Database) {
    this.leaf = raw.prepare<[number], Buffer>('SELECT leaf_hash FROM log_entries WHERE seq = ?').pluck();
    this.node = raw.prepare<[number, number], Buffer>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    this.leafRange = raw.prepare<[number, number], { i: number; h: Buffer }>('SELECT seq AS i, leaf_hash AS h FROM log_entries WHERE seq >= ? AND seq < ?');
    this.nodeRange = raw.prepare<[number, number, number], { i: number; h: Buffer }>('SELECT idx AS i, hash AS h FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ?');
    this.insert = new MultiRowInsert(raw, 'INSERT INTO log_nodes (level, idx, hash)', 3);
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.leaf.get(index) : this.node.get(level, index);
  }

  /** Nodes of a stored level, undefined where absent. */
  getNodes(level: number, start: number, end: number): (Uint8Array | undefined)[] {
    const out = new Array<Uint8Array | undefined>(end - start).fill(undefined);
    const rows = level === 0 ? this.leafRange.all(start, end) : this.nodeRange.all(level, start, end);
    for (const r of rows) out[r.i - start] = r.h;
    return out;
  }

  /**
   * Hashes of nodes (level, start … end-1) of any level: a stored level as stored, a level in
   * between folded from the stored level below (undefined where any node under it is absent).
   */
  hashesAt(level: number, start: number, end: number): (Uint8Array | undefined)[] {
    const above = level % this.levelStride;
    if (above === 0) return this.getNodes(level, start, end);
    const width = 2 ** above;
    const below = this.getNodes(level - above, start * width, end * width);
    const out = new Array<Uint8Array | undefined>(end - start).fill(undefined);
    for (let k = 0; k < end - start; k++) {
      const row = below.slice(k * width, (k + 1) * width);
      if (row.some((h) => h === undefined)) continue;
      const hashes = row as Uint8Array[];
      for (let n = width; n > 1; n /= 2) for (let j = 0; j < n / 2; j++) hashes[j] = nodeHash(hashes[2 * j], hashes[2 * j + 1]);
      out[k] = hashes[0];
    }
    return out;
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    const rows = nodes.filter((n) => n.level > 0 && n.level % LOG_NODE_LEVEL_STRIDE === 0);
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
