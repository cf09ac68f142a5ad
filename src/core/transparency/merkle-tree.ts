import { HASH_SIZE, emptyRoot, nodeHash } from './merkle-hash.js';
import { MerkleProofError, isValidSubtree } from './merkle-proof.js';

/**
 * Proof generation for an append-only log whose hashes live outside the process (a database).
 *
 * Only perfect subtrees are stored: node (level, index) is MTH(D[index·2^level : (index+1)·2^level]),
 * level 0 being the leaf hashes. Such a node never changes once its last leaf is appended, so
 * an append writes one leaf plus at most log2(n) parents, and a tree head of any earlier size
 * stays reconstructible. Every range the RFC 9162 recursions ask for is a subtree in the sense
 * of draft-ietf-plants-merkle-tree-certs, i.e. a run of perfect subtrees of decreasing size;
 * at most one of them per proof is not itself perfect, so root, inclusion and consistency
 * proofs each cost O(log n) node reads. A store may keep only every `levelStride`-th level:
 * a node of a level in between is folded from the stored level below, out of one read of the
 * 2^stride stored nodes of its tile, still O(log n) reads and hashes per proof for a fixed stride.
 */

export interface MerkleNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/**
 * Storage of perfect-subtree hashes. Level-0 reads may be served from the log's entry table
 * (leaf hashes) rather than a node table; writes from one append arrive in one call so that a
 * database implementation can commit them with the new tree size.
 */
export interface MerkleNodeStore {
  /**
   * The store keeps only levels that are multiples of this (level 0 always), like the tiles of
   * C2SP tlog-tiles; a node of another level is recomputed from the 2^(level mod stride) nodes
   * of the stored level below it. Default 1: every level. putNodes still receives every node
   * and drops the rest.
   */
  readonly levelStride?: number;
  getNode(level: number, index: number): Uint8Array | undefined;
  /** Nodes (level, start … end-1) of a stored level in one read, undefined where absent; optional. */
  getNodes?(level: number, start: number, end: number): (Uint8Array | undefined)[];
  putNodes(nodes: readonly MerkleNode[]): void;
}

export class MemoryMerkleNodeStore implements MerkleNodeStore {
  private readonly levels: Uint8Array[][] = [];

  constructor(readonly levelStride = 1) {}

  getNode(level: number, index: number): Uint8Array | undefined {
    return this.levels[level]?.[index];
  }

  putNodes(nodes: readonly MerkleNode[]): void {
    for (const n of nodes) if (n.level % this.levelStride === 0) (this.levels[n.level] ??= [])[n.index] = n.hash;
  }
}

export interface AppendResult {
  size: number;
  readonly root: Uint8Array;
  /** Nodes handed to putNodes, leaves included. */
  written: readonly MerkleNode[];
}

export class MerkleTree {
  private treeSize: number;
  private readonly stride: number;
  /** The compact range of treeSize once an append has computed it: the next append starts from it. */
  private range: MerkleNode[] | undefined;
  /** The last block of stored nodes read to fold a node between stored levels; dropped on append. */
  private block: { level: number; first: number; hashes: (Uint8Array | undefined)[] } | undefined;

  constructor(
    private readonly store: MerkleNodeStore,
    size = 0,
  ) {
    requireIndex(size);
    this.treeSize = size;
    this.stride = store.levelStride ?? 1;
    if (!Number.isSafeInteger(this.stride) || this.stride < 1) throw new RangeError(`level stride ${this.stride}`);
  }

  get size(): number {
    return this.treeSize;
  }

  /**
   * Appends leaf hashes (RFC 9162 §2.1.1 MTH({d}) of each entry). Reads the current compact
   * range (one node per set bit of the size) unless this instance appended last, then merges
   * equal-level neighbours in memory. The root is folded only when asked for.
   */
  appendLeaves(leafHashes: readonly Uint8Array[]): AppendResult {
    const range = this.range ?? this.compactRange(this.treeSize);
    this.range = undefined;
    this.block = undefined;
    const written: MerkleNode[] = [];
    let size = this.treeSize;
    for (const hash of leafHashes) {
      if (hash.length !== HASH_SIZE) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', `leaf hash is ${hash.length} bytes, not ${HASH_SIZE}`);
      let node: MerkleNode = { level: 0, index: size, hash };
      written.push(node);
      while (range.length > 0 && range[range.length - 1].level === node.level) {
        const left = range.pop() as MerkleNode;
        node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash) };
        written.push(node);
      }
      range.push(node);
      size++;
    }
    requireIndex(size);
    this.store.putNodes(written);
    this.treeSize = size;
    this.range = range;
    const snapshot = range.slice();
    let root: Uint8Array | undefined;
    return {
      size,
      written,
      get root(): Uint8Array {
        return (root ??= foldRange(snapshot));
      },
    };
  }

  /** MTH(D[0:size]) for any size up to the current one (RFC 9162 §2.1.1). */
  root(size = this.treeSize): Uint8Array {
    this.requireSize(size);
    return foldRange(this.compactRange(size));
  }

  /** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, ordered leaf-side first. */
  inclusionProof(index: number, size = this.treeSize): Uint8Array[] {
    this.requireSize(size);
    requireIndex(index);
    if (index >= size) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `leaf index ${index} is not below tree size ${size}`);
    return this.path(index, 0, size);
  }

  /** PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1; requires 0 < size1 <= size2. */
  consistencyProof(size1: number, size2 = this.treeSize): Uint8Array[] {
    this.requireSize(size2);
    requireIndex(size1);
    if (size1 > size2) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `first tree size ${size1} exceeds second tree size ${size2}`);
    if (size1 === 0) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', 'consistency with the empty tree is meaningless');
    return this.subtreeConsistencyProof(0, size1, size2);
  }

  /** MTH(D[start:end]) of a subtree (draft-ietf-plants-merkle-tree-certs, "Definition of a Subtree"). */
  subtreeRoot(start: number, end: number): Uint8Array {
    this.requireSubtree(start, end);
    return start === end ? emptyRoot() : this.rangeHash(start, end);
  }

  /** Inclusion proof of `index` in subtree [start, end) (draft-ietf-plants-merkle-tree-certs, "Subtree Inclusion Proofs"). */
  subtreeInclusionProof(index: number, start: number, end: number): Uint8Array[] {
    this.requireSubtree(start, end);
    requireIndex(index);
    if (index < start || index >= end) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `leaf index ${index} is outside subtree [${start}, ${end})`);
    return this.path(index, start, end);
  }

  /**
   * SUBTREE_PROOF(start, end, D[0:size]) (draft-ietf-plants-merkle-tree-certs, "Generating a
   * Subtree Consistency Proof"); with start = 0 it is RFC 9162 §2.1.4.1 PROOF(end, D[0:size]).
   */
  subtreeConsistencyProof(start: number, end: number, size = this.treeSize): Uint8Array[] {
    this.requireSize(size);
    this.requireSubtree(start, end, size);
    const proof: Uint8Array[] = [];
    if (start === end) return proof;
    let lo = 0;
    let hi = size;
    let known = true;
    // Walks down from the root; each level contributes the sibling of the side holding the subtree.
    while (!(start === lo && end === hi)) {
      const mid = lo + largestPowerOfTwoBelow(hi - lo);
      if (end <= mid) {
        proof.push(this.rangeHash(mid, hi));
        hi = mid;
      } else {
        // mid <= start, or start < mid < end which forces start = lo and loses the subtree's own root.
        if (start < mid) {
          start = mid;
          known = false;
        }
        proof.push(this.rangeHash(lo, mid));
        lo = mid;
      }
    }
    if (!known) proof.push(this.rangeHash(lo, hi));
    return proof.reverse();
  }

  private path(index: number, lo: number, hi: number): Uint8Array[] {
    const proof: Uint8Array[] = [];
    while (hi - lo > 1) {
      const mid = lo + largestPowerOfTwoBelow(hi - lo);
      if (index < mid) {
        proof.push(this.rangeHash(mid, hi));
        hi = mid;
      } else {
        proof.push(this.rangeHash(lo, mid));
        lo = mid;
      }
    }
    return proof.reverse();
  }

  /** MTH(D[start:end]) of a non-empty subtree: perfect nodes are read, the rest split as in RFC 9162 §2.1.1. */
  private rangeHash(start: number, end: number): Uint8Array {
    const n = end - start;
    const k = largestPowerOfTwoBelow(n);
    if (k * 2 === n || n === 1) return this.node(start, n);
    return nodeHash(this.node(start, k), this.rangeHash(start + k, end));
  }

  /**
   * The perfect subtree covering [start, start + width): read, or folded from the stored level
   * below. With a level stride, the 2^stride stored nodes under one stored ancestor are read
   * together and kept until the next append: a proof's path crosses each such block once.
   */
  private node(start: number, width: number): Uint8Array {
    const level = Math.log2(width);
    const above = level % this.stride;
    const base = level - above;
    const first = start / 2 ** base;
    const count = 2 ** above;
    if (this.stride === 1) return this.storedNode(level, first);
    const blockWidth = 2 ** this.stride;
    const blockFirst = Math.floor(first / blockWidth) * blockWidth;
    let block = this.block;
    if (block === undefined || block.level !== base || block.first !== blockFirst) {
      if (above === 0) return this.storedNode(level, first);
      block = this.block = { level: base, first: blockFirst, hashes: this.readNodes(base, blockFirst, blockFirst + blockWidth) };
    }
    const hashes = block.hashes.slice(first - blockFirst, first - blockFirst + count);
    for (let k = 0; k < count; k++) {
      if (hashes[k] === undefined) throw new MerkleProofError('SAKI_ERR_MERKLE_NODE_MISSING', `node store has no node at level ${base}, index ${first + k}`);
    }
    for (let n = count; n > 1; n /= 2) for (let k = 0; k < n / 2; k++) hashes[k] = nodeHash(hashes[2 * k] as Uint8Array, hashes[2 * k + 1] as Uint8Array);
    return hashes[0] as Uint8Array;
  }

  private readNodes(level: number, start: number, end: number): (Uint8Array | undefined)[] {
    if (this.store.getNodes) return this.store.getNodes(level, start, end);
    const row = new Array<Uint8Array | undefined>(end - start);
    for (let k = 0; k < end - start; k++) row[k] = this.store.getNode(level, start + k);
    return row;
  }

  private storedNode(level: number, index: number): Uint8Array {
    const hash = this.store.getNode(level, index);
    if (hash === undefined) throw new MerkleProofError('SAKI_ERR_MERKLE_NODE_MISSING', `node store has no node at level ${level}, index ${index}`);
    return hash;
  }

  /** The perfect subtrees covering [0, size), largest (leftmost) first. */
  private compactRange(size: number): MerkleNode[] {
    const range: MerkleNode[] = [];
    let start = 0;
    for (let width = largestPowerOfTwoAtMost(size); width >= 1; width /= 2) {
      if (size - start >= width) {
        range.push({ level: Math.log2(width), index: start / width, hash: this.node(start, width) });
        start += width;
      }
    }
    return range;
  }

  private requireSize(size: number): void {
    requireIndex(size);
    if (size > this.treeSize) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `tree size ${size} exceeds the log size ${this.treeSize}`);
  }

  private requireSubtree(start: number, end: number, size = this.treeSize): void {
    if (!isValidSubtree(start, end)) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `[${start}, ${end}) is not a subtree`);
    if (end > size) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `subtree end ${end} exceeds tree size ${size}`);
  }
}

/** Root of the tree whose compact range is `range`: right-to-left fold (RFC 9162 §2.1.1). */
function foldRange(range: readonly MerkleNode[]): Uint8Array {
  if (range.length === 0) return emptyRoot();
  let h = range[range.length - 1].hash;
  for (let i = range.length - 2; i >= 0; i--) h = nodeHash(range[i].hash, h);
  return h;
}

function requireIndex(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `${n} is not an integer in [0, 2^53)`);
}

/** The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n >= 2); 1 for n = 1. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function largestPowerOfTwoAtMost(n: number): number {
  if (n === 0) return 0;
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}
