import type BetterSqlite3 from 'better-sqlite3';
import { SakimoriError } from '../../core/errors.js';
import { HASH_SIZE, nodeHash } from '../../core/transparency/merkle-hash.js';
import type { MerkleNode, MerkleNodeStore } from '../../core/transparency/merkle-tree.js';
import { MultiRowInsert } from './multi-row-insert.js';

/**
 * Levels of the Merkle tree kept in log_nodes: multiples of 3 (8-wide tiles). An append writes
 * about one node row per 7 entries instead of one per entry; a proof reads the 8 stored nodes
 * under each tile it crosses and recomputes the two levels in between from them
 * (docs/reference/transparency-log.md, "Storage").
 */
export const LOG_NODE_LEVEL_STRIDE = 3;

/** First and last index present in a range and their hashes in index order, as hex (all null when none). */
type Run = [number, number, string] | [null, null, null];

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
  private readonly leafRun: BetterSqlite3.Statement<[number, number], Run>;
  private readonly nodeRun: BetterSqlite3.Statement<[number, number, number], Run>;
  private readonly insert: MultiRowInsert;

  constructor(raw: BetterSqlite3.Database) {
    this.leaf = raw.prepare<[number], Buffer>('SELECT leaf_hash FROM log_entries WHERE seq = ?').pluck();
    this.node = raw.prepare<[number, number], Buffer>('SELECT hash FROM log_nodes WHERE level = ? AND idx = ?').pluck();
    this.leafRange = raw.prepare<[number, number], { i: number; h: Buffer }>('SELECT seq AS i, leaf_hash AS h FROM log_entries WHERE seq >= ? AND seq < ?');
    this.nodeRange = raw.prepare<[number, number, number], { i: number; h: Buffer }>('SELECT idx AS i, hash AS h FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ?');
    this.leafRun = raw
      .prepare<[number, number], Run>(`SELECT min(seq), max(seq), group_concat(hex(leaf_hash), '' ORDER BY seq) FROM log_entries WHERE seq >= ? AND seq < ?`)
      .raw();
    this.nodeRun = raw
      .prepare<[number, number, number], Run>(`SELECT min(idx), max(idx), group_concat(hex(hash), '' ORDER BY idx) FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ?`)
      .raw();
    this.insert = new MultiRowInsert(raw, 'INSERT INTO log_nodes (level, idx, hash)', 3);
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    return level === 0 ? this.leaf.get(index) : this.node.get(level, index);
  }

  /**
   * Nodes of a stored level, undefined where absent. The hashes come back as one hex string with
   * the first and last index present (a Buffer per row costs more than reading the row); only
   * when the rows present are not a gapless run from `start` are they read one object per row.
   */
  getNodes(level: number, start: number, end: number): (Uint8Array | undefined)[] {
    const out = new Array<Uint8Array | undefined>(end - start).fill(undefined);
    const [first, last, hex] = (level === 0 ? this.leafRun.get(start, end) : this.nodeRun.get(level, start, end)) as Run;
    if (first === null) return out;
    const n = last - first + 1;
    if (first === start && hex.length === n * 2 * HASH_SIZE) {
      const bytes = Buffer.from(hex, 'hex');
      for (let k = 0; k < n; k++) out[k] = new Uint8Array(bytes.buffer, bytes.byteOffset + k * HASH_SIZE, HASH_SIZE);
      return out;
    }
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
