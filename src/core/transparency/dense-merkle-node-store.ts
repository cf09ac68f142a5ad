import { HASH_SIZE } from './merkle-hash.js';
import type { MerkleNode, MerkleNodeStore } from './merkle-tree.js';

/**
 * In-memory node store that keeps each level as one contiguous byte array, about 64 bytes per
 * leaf in all: an offline verifier rebuilds a million-entry tree in ~64 MB instead of
 * allocating two million small arrays.
 */
export class DenseMerkleNodeStore implements MerkleNodeStore {
  private readonly levels: Buffer[] = [];
  private readonly counts: number[] = [];

  getNode(level: number, index: number): Uint8Array | undefined {
    if (index >= (this.counts[level] ?? 0)) return undefined;
    const off = index * HASH_SIZE;
    return this.levels[level].subarray(off, off + HASH_SIZE);
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    for (const n of nodes) {
      const end = (n.index + 1) * HASH_SIZE;
      let buf = this.levels[n.level];
      if (!buf || buf.length < end) {
        // Old views stay valid: nodes are immutable, so a superseded buffer is never written again.
        const grown = Buffer.alloc(Math.max(end, (buf?.length ?? 0) * 2, 64 * HASH_SIZE));
        buf?.copy(grown);
        buf = this.levels[n.level] = grown;
      }
      buf.set(n.hash, n.index * HASH_SIZE);
      if (n.index + 1 > (this.counts[n.level] ?? 0)) this.counts[n.level] = n.index + 1;
    }
  }
}
