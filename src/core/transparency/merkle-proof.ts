import { HASH_SIZE, emptyRoot, hashesEqual, nodeHash } from './merkle-hash.js';

/**
 * Verification of Merkle inclusion and consistency proofs: RFC 9162 §2.1.3.2 and §2.1.4.2,
 * and the subtree generalisations of draft-ietf-plants-merkle-tree-certs ("Subtrees",
 * "Subtree Inclusion Proofs", "Subtree Consistency Proofs").
 *
 * Indices and sizes are JavaScript numbers and must be safe integers (< 2^53): the RFC
 * procedures only right-shift and test the low bit, which halving does exactly in that range,
 * so no 32-bit bitwise operator is used. Anything outside is rejected, never rounded.
 */

export type MerkleErrorCode =
  /** An index or size is negative, not a safe integer, or outside the tree/subtree. */
  | 'SAKI_ERR_PROOF_RANGE'
  /** The proof has the wrong number of nodes, a node or leaf hash of the wrong length, … */
  | 'SAKI_ERR_PROOF_MALFORMED'
  /** The proof is well-formed but does not lead to the expected hash. */
  | 'SAKI_ERR_PROOF_INVALID'
  /** A node store lacks a node that an append should have written (merkle-tree.ts). */
  | 'SAKI_ERR_MERKLE_NODE_MISSING';

export class MerkleProofError extends Error {
  readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string) {
    super(message);
    this.name = 'MerkleProofError';
    this.code = code;
  }
}

/**
 * [start, end) is a subtree iff 0 <= start <= end and start is a multiple of
 * BIT_CEIL(end - start) (draft-ietf-plants-merkle-tree-certs, "Definition of a Subtree").
 */
export function isValidSubtree(start: number, end: number): boolean {
  if (!isIndex(start) || !isIndex(end) || start > end) return false;
  return start % bitCeil(end - start) === 0;
}

/** Evaluates an inclusion proof to the root it implies (RFC 9162 §2.1.3.2 steps 1–4). */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  requireIndex(index, 'leaf index');
  requireIndex(size, 'tree size');
  if (index >= size) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `leaf index ${index} is not below tree size ${size}`);
  requireHash(leaf, 'leaf hash');
  requireProofHashes(proof);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw malformedLength();
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw malformedLength();
  return r;
}

/** RFC 9162 §2.1.3.2: leaf `leaf` is at `index` in the tree of `size` whose root is `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  requireMatch(rootFromInclusionProof(index, size, leaf, proof), root, 'root');
}

/**
 * Evaluates a subtree inclusion proof: the RFC 9162 §2.1.3.2 procedure with the leaf index
 * and tree size taken relative to the subtree (draft-ietf-plants-merkle-tree-certs,
 * "Evaluating a Subtree Inclusion Proof").
 */
export function rootFromSubtreeInclusionProof(
  index: number,
  start: number,
  end: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  requireSubtree(start, end);
  requireIndex(index, 'leaf index');
  if (index < start || index >= end) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `leaf index ${index} is outside subtree [${start}, ${end})`);
  return rootFromInclusionProof(index - start, end - start, leaf, proof);
}

export function verifySubtreeInclusion(
  index: number,
  start: number,
  end: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): void {
  requireMatch(rootFromSubtreeInclusionProof(index, start, end, leaf, proof), subtreeRoot, 'subtree root');
}

/**
 * Checks that `proof` links `root1` (tree of size1) to a tree of size2 and returns that tree's
 * root (RFC 9162 §2.1.4.2). §2.1.4.2 presupposes 0 < size1 < size2; equal sizes are accepted
 * with an empty proof (the root is unchanged), and size1 = 0 is refused since every tree
 * extends the empty one, so such a proof would prove nothing.
 */
export function rootFromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): Uint8Array {
  requireIndex(size1, 'first tree size');
  requireIndex(size2, 'second tree size');
  if (size1 > size2) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `first tree size ${size1} exceeds second tree size ${size2}`);
  if (size1 === 0) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', 'consistency with the empty tree is meaningless');
  requireProofHashes(proof);
  if (size1 === size2) {
    if (proof.length !== 0) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', 'tree sizes are equal but the proof is not empty');
    return root1;
  }
  // Step 1.
  if (proof.length === 0) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', 'consistency proof is empty');
  // Step 2: when size1 is a power of two its root is a node of the larger tree and is left out of the proof.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Steps 3–4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Steps 5–6.
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw malformedLength();
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7 (the comparison of sr is left to the caller).
  if (sn !== 0) throw malformedLength();
  requireMatch(fr, root1, 'first root');
  return sr;
}

/** RFC 9162 §2.1.4.2: the tree of size2 with root2 is an append-only extension of the tree of size1 with root1. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  requireMatch(rootFromConsistencyProof(size1, size2, proof, root1), root2, 'second root');
}

/**
 * Checks that subtree [start, end) with hash `subtreeRoot` is part of the tree of `size`, and
 * returns that tree's root (draft-ietf-plants-merkle-tree-certs, "Verifying a Subtree
 * Consistency Proof", steps 1 and 3–9). An empty subtree fixes no root unless the tree is
 * empty too, so it is refused here; verifySubtreeConsistency accepts it (step 2).
 */
export function rootFromSubtreeConsistencyProof(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): Uint8Array {
  requireSubtree(start, end);
  requireIndex(size, 'tree size');
  if (end > size) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `subtree end ${end} exceeds tree size ${size}`);
  requireProofHashes(proof);
  if (start === end) {
    if (size !== 0) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', 'an empty subtree does not determine the root of a non-empty tree');
    requireEmptySubtree(proof, subtreeRoot);
    return subtreeRoot;
  }
  // Steps 3–5.
  let fn = start;
  let sn = end - 1;
  let tn = size - 1;
  if (sn === tn) {
    while (fn !== sn) [fn, sn, tn] = [half(fn), half(sn), half(tn)];
  } else {
    while (fn !== sn && sn % 2 === 1) [fn, sn, tn] = [half(fn), half(sn), half(tn)];
  }
  // Steps 6–7.
  let rest = proof;
  let seed = subtreeRoot;
  if (fn !== sn) {
    if (proof.length === 0) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', 'consistency proof is empty');
    seed = proof[0];
    rest = proof.slice(1);
  }
  let fr = seed;
  let sr = seed;
  // Step 8.
  for (const c of rest) {
    if (tn === 0) throw malformedLength();
    if (sn % 2 === 1 || sn === tn) {
      if (fn < sn) fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (sn % 2 === 0 && sn !== 0) [fn, sn, tn] = [half(fn), half(sn), half(tn)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn, tn] = [half(fn), half(sn), half(tn)];
  }
  // Step 9 (the comparison of sr is left to the caller).
  if (tn !== 0) throw malformedLength();
  requireMatch(fr, subtreeRoot, 'subtree root');
  return sr;
}

export function verifySubtreeConsistency(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
  root: Uint8Array,
): void {
  requireSubtree(start, end);
  requireIndex(size, 'tree size');
  if (end > size) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `subtree end ${end} exceeds tree size ${size}`);
  // Step 2: the empty subtree is consistent with every tree.
  if (start === end) {
    requireEmptySubtree(proof, subtreeRoot);
    return;
  }
  requireMatch(rootFromSubtreeConsistencyProof(start, end, size, proof, subtreeRoot), root, 'root');
}

function requireEmptySubtree(proof: readonly Uint8Array[], subtreeRoot: Uint8Array): void {
  if (proof.length !== 0) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', 'subtree is empty but the proof is not');
  requireMatch(subtreeRoot, emptyRoot(), 'empty subtree root');
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function requireIndex(n: number, what: string): void {
  if (!isIndex(n)) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `${what} ${n} is not an integer in [0, 2^53)`);
}

function requireSubtree(start: number, end: number): void {
  if (!isValidSubtree(start, end)) throw new MerkleProofError('SAKI_ERR_PROOF_RANGE', `[${start}, ${end}) is not a subtree`);
}

function requireHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_SIZE) throw new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', `${what} is ${h.length} bytes, not ${HASH_SIZE}`);
}

// Every proof node is a SHA-256 output, so a node of another length can only be corruption.
function requireProofHashes(proof: readonly Uint8Array[]): void {
  proof.forEach((p, i) => requireHash(p, `proof node ${i}`));
}

function requireMatch(calculated: Uint8Array, expected: Uint8Array, what: string): void {
  if (!hashesEqual(calculated, expected)) throw new MerkleProofError('SAKI_ERR_PROOF_INVALID', `calculated ${what} does not match the expected one`);
}

function malformedLength(): MerkleProofError {
  return new MerkleProofError('SAKI_ERR_PROOF_MALFORMED', 'proof has the wrong number of nodes');
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && bitCeil(n) === n;
}

/** Smallest power of two >= n (1 for n <= 1). */
function bitCeil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
