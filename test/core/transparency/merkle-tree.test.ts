import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TESTDATA } from '../../helpers/paths.js';
import { emptyRoot, leafHash, nodeHash } from '../../../src/core/transparency/merkle-hash.js';
import {
  MerkleProofError,
  isValidSubtree,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from '../../../src/core/transparency/merkle-proof.js';
import { MemoryMerkleNodeStore, MerkleTree, type MerkleNode, type MerkleNodeStore } from '../../../src/core/transparency/merkle-tree.js';
import { prng } from '../../../src/demo/synthetic-flows.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

// transparency-dev/merkle testonly/constants.go: the RFC 6962 reference leaves and roots.
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex);

/** Counts getNode calls so that the O(log n) read bound can be asserted. */
class CountingStore implements MerkleNodeStore {
  reads = 0;
  constructor(private readonly inner: MerkleNodeStore = new MemoryMerkleNodeStore()) {}
  get levelStride(): number | undefined {
    return this.inner.levelStride;
  }
  getNode(level: number, index: number): Uint8Array | undefined {
    this.reads++;
    return this.inner.getNode(level, index);
  }
  putNodes(nodes: readonly MerkleNode[]): void {
    this.inner.putNodes(nodes);
  }
}

/**
 * Naive RFC 9162 §2.1.1 / §2.1.3.1 / §2.1.4.1 and draft-ietf-plants-merkle-tree-certs
 * SUBTREE_PROOF, written straight from the recursive definitions over the leaf list
 * (memoised on ranges only, to keep thousands of proofs affordable).
 */
class Reference {
  private readonly memo = new Map<string, Uint8Array>();
  constructor(private readonly leaves: readonly Uint8Array[]) {}

  mth(lo: number, hi: number): Uint8Array {
    if (hi === lo) return emptyRoot();
    if (hi - lo === 1) return this.leaves[lo];
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (!h) {
      const k = lo + split(hi - lo);
      h = nodeHash(this.mth(lo, k), this.mth(k, hi));
      this.memo.set(key, h);
    }
    return h;
  }

  path(m: number, lo: number, hi: number): Uint8Array[] {
    if (hi - lo <= 1) return [];
    const k = lo + split(hi - lo);
    return m < k ? [...this.path(m, lo, k), this.mth(k, hi)] : [...this.path(m, k, hi), this.mth(lo, k)];
  }

  subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    if (m === hi - lo) return b ? [] : [this.mth(lo, hi)];
    const k = split(hi - lo);
    return m <= k
      ? [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  subtreeSubproof(start: number, end: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    if (start === lo && end === hi) return b ? [] : [this.mth(lo, hi)];
    const k = lo + split(hi - lo);
    if (end <= k) return [...this.subtreeSubproof(start, end, lo, k, b), this.mth(k, hi)];
    if (k <= start) return [...this.subtreeSubproof(start, end, k, hi, b), this.mth(lo, k)];
    return [...this.subtreeSubproof(k, end, k, hi, false), this.mth(lo, k)];
  }
}

/** Largest power of two smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function log2ceil(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}


function randomLeaves(count: number, rand: () => number): Uint8Array[] {
  return Array.from({ length: count }, () => leafHash(Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))));
}

function build(leaves: readonly Uint8Array[], rand: () => number, store: MerkleNodeStore = new MemoryMerkleNodeStore()): MerkleTree {
  const tree = new MerkleTree(store);
  let i = 0;
  while (i < leaves.length) {
    const n = Math.min(leaves.length - i, 1 + Math.floor(rand() * 97));
    tree.appendLeaves(leaves.slice(i, i + n));
    i += n;
  }
  return tree;
}

function validSubtrees(size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start <= size; start++) for (let end = start; end <= size; end++) if (isValidSubtree(start, end)) out.push([start, end]);
  return out;
}

function checkAll(tree: MerkleTree, ref: Reference, store: CountingStore, n: number): void {
  const bound = 2 * log2ceil(n) + 2;
  store.reads = 0;
  assert.deepEqual(tree.root(n), ref.mth(0, n));
  assert.ok(store.reads <= bound, `root(${n}) read ${store.reads} nodes`);
  for (let i = 0; i < n; i++) {
    store.reads = 0;
    const proof = tree.inclusionProof(i, n);
    assert.ok(store.reads <= bound, `inclusionProof(${i}, ${n}) read ${store.reads} nodes`);
    assert.deepEqual(proof, ref.path(i, 0, n), `inclusionProof(${i}, ${n})`);
    verifyInclusion(i, n, ref.mth(i, i + 1), proof, ref.mth(0, n));
  }
  for (let m = 1; m <= n; m++) {
    store.reads = 0;
    const proof = tree.consistencyProof(m, n);
    assert.ok(store.reads <= bound, `consistencyProof(${m}, ${n}) read ${store.reads} nodes`);
    assert.deepEqual(proof, ref.subproof(m, 0, n, true), `consistencyProof(${m}, ${n})`);
    verifyConsistency(m, n, proof, ref.mth(0, m), ref.mth(0, n));
  }
}

test('leaf hashes and roots match the RFC 6962 reference tree (transparency-dev/merkle constants)', () => {
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  assert.deepEqual(tree.root(), ROOTS[0]);
  assert.deepEqual(emptyRoot(), ROOTS[0]);
  LEAF_INPUTS.forEach((entry, i) => {
    const r = tree.appendLeaves([leafHash(entry)]);
    assert.equal(r.size, i + 1);
    assert.deepEqual(r.root, ROOTS[i + 1], `root after ${i + 1} leaves`);
  });
  for (let n = 0; n <= 8; n++) assert.deepEqual(tree.root(n), ROOTS[n], `root(${n})`);
});

test('generated proofs equal the happy-path proofs of the transparency-dev vectors', () => {
  const leaves = LEAF_INPUTS.map(leafHash);
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(leaves);
  const dir = resolve(TESTDATA, 'merkle');
  const happy = (kind: string): Record<string, unknown>[] =>
    readdirSync(join(dir, kind))
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => readdirSync(join(dir, kind, d)).filter((f) => f.startsWith('happy-path')).map((f) => join(dir, kind, d, f)))
      .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>);
  const proofOf = (v: unknown): Uint8Array[] => ((v as string[] | null) ?? []).map(b64);
  let checked = 0;

  for (const v of happy('inclusion')) {
    const [i, n] = [v.leafIdx as number, v.treeSize as number];
    assert.deepEqual(tree.inclusionProof(i, n), proofOf(v.proof));
    assert.deepEqual(tree.root(n), b64(v.root as string));
    checked++;
  }
  for (const v of happy('consistency')) {
    const [m, n] = [v.size1 as number, v.size2 as number];
    assert.deepEqual(tree.consistencyProof(m, n), proofOf(v.proof));
    assert.deepEqual([tree.root(m), tree.root(n)], [b64(v.root1 as string), b64(v.root2 as string)]);
    checked++;
  }
  for (const v of happy('subtreeconsistency')) {
    const [s, e, n] = [v.start as number, v.end as number, v.size as number];
    assert.deepEqual(tree.subtreeConsistencyProof(s, e, n), proofOf(v.proof));
    assert.deepEqual(tree.subtreeRoot(s, e), b64(v.root1 as string));
    checked++;
  }
  for (const v of happy('subtreeinclusion')) {
    const [i, s, e] = [v.leafIdx as number, v.start as number, v.end as number];
    // "-subtree" probes shift [0, e-s) right by s; a log repeating the 8 leaves with period s has the same content there.
    const shifted = new MerkleTree(new MemoryMerkleNodeStore());
    shifted.appendLeaves(Array.from({ length: e }, (_, k) => leaves[s === 0 ? k : k % s]));
    assert.deepEqual(shifted.subtreeInclusionProof(i, s, e), proofOf(v.proof));
    assert.deepEqual(shifted.subtreeRoot(s, e), b64(v.root as string));
    checked++;
  }
  assert.equal(checked, 5 + 5 + 5 + 10);
});

test('every proof of every tree up to 70 leaves matches the naive RFC recursion and verifies', () => {
  const rand = prng(1);
  const leaves = randomLeaves(70, rand);
  const ref = new Reference(leaves);
  const store = new CountingStore();
  const tree = build(leaves, rand, store);
  for (let n = 1; n <= leaves.length; n++) {
    checkAll(tree, ref, store, n);
    for (const [s, e] of validSubtrees(n)) {
      store.reads = 0;
      const proof = tree.subtreeConsistencyProof(s, e, n);
      assert.ok(store.reads <= 2 * log2ceil(n) + 2, `subtreeConsistencyProof(${s}, ${e}, ${n}) read ${store.reads} nodes`);
      assert.deepEqual(proof, s === e ? [] : ref.subtreeSubproof(s, e, 0, n, true), `subtreeConsistencyProof(${s}, ${e}, ${n})`);
      verifySubtreeConsistency(s, e, n, proof, ref.mth(s, e), ref.mth(0, n));
      assert.deepEqual(tree.subtreeRoot(s, e), ref.mth(s, e));
      for (let i = s; i < e; i++) {
        const ip = tree.subtreeInclusionProof(i, s, e);
        assert.deepEqual(ip, ref.path(i, s, e));
        verifySubtreeInclusion(i, s, e, ref.mth(i, i + 1), ip, ref.mth(s, e));
      }
    }
  }
});

test('a tree of a few thousand leaves, grown in random batches, proves every leaf and every earlier size', () => {
  const rand = prng(20261122);
  const leaves = randomLeaves(2500 + Math.floor(rand() * 1500), rand);
  const ref = new Reference(leaves);
  const store = new CountingStore();
  const tree = new MerkleTree(store);
  let size = 0;
  while (size < leaves.length) {
    const batch = leaves.slice(size, size + 1 + Math.floor(rand() * 300));
    store.reads = 0;
    const r = tree.appendLeaves(batch);
    size += batch.length;
    assert.ok(store.reads <= log2ceil(size), `append read ${store.reads} nodes`);
    assert.equal(r.size, size);
    assert.deepEqual(r.root, ref.mth(0, size));
    for (const node of r.written) assert.deepEqual(node.hash, ref.mth(node.index * 2 ** node.level, (node.index + 1) * 2 ** node.level));
  }
  const n = leaves.length;
  checkAll(tree, ref, store, n);
  for (let k = 0; k < 2000; k++) {
    const n2 = 1 + Math.floor(rand() * n);
    const m = 1 + Math.floor(rand() * n2);
    const i = Math.floor(rand() * n2);
    assert.deepEqual(tree.consistencyProof(m, n2), ref.subproof(m, 0, n2, true));
    assert.deepEqual(tree.inclusionProof(i, n2), ref.path(i, 0, n2));
    verifyConsistency(m, n2, tree.consistencyProof(m, n2), tree.root(m), tree.root(n2));
    verifyInclusion(i, n2, leaves[i], tree.inclusionProof(i, n2), tree.root(n2));
    // A subtree of width 2^j aligned at a multiple of 2^j, possibly cut short by the tree size.
    const width = 2 ** Math.floor(rand() * (log2ceil(n2) + 1));
    const start = Math.floor(Math.floor(rand() * n2) / width) * width;
    const end = Math.min(n2, start + 1 + Math.floor(rand() * width));
    store.reads = 0;
    const sp = tree.subtreeConsistencyProof(start, end, n2);
    assert.ok(store.reads <= 2 * log2ceil(n2) + 2);
    assert.deepEqual(sp, ref.subtreeSubproof(start, end, 0, n2, true), `subtreeConsistencyProof(${start}, ${end}, ${n2})`);
    verifySubtreeConsistency(start, end, n2, sp, ref.mth(start, end), ref.mth(0, n2));
  }
});

test('one append writes the leaf and at most log2(n) parents, and reads only the compact range', () => {
  const rand = prng(7);
  const store = new CountingStore();
  const continued = new MerkleTree(new MemoryMerkleNodeStore());
  let size = 0;
  for (const leaf of randomLeaves(1100, rand)) {
    store.reads = 0;
    const before = size;
    // A fresh tree over the store (as the log opens one per transaction) reads the compact range…
    const r = new MerkleTree(store, before).appendLeaves([leaf]);
    size = r.size;
    const popcount = before.toString(2).split('1').length - 1;
    assert.equal(store.reads, popcount);
    // …and a tree that made the last append starts from the range it kept.
    assert.deepEqual(continued.appendLeaves([leaf]).root, r.root);
    // Parents written = trailing one bits of the old size.
    const trailingOnes = (before.toString(2).match(/1*$/) as RegExpMatchArray)[0].length;
    assert.equal(r.written.length, 1 + trailingOnes);
    assert.ok(r.written.length <= 1 + Math.floor(Math.log2(r.size)));
  }
});

test('a store keeping only every 2nd, 3rd or 4th level gives the same roots and proofs, reading O(log n) nodes', () => {
  const rand = prng(20261123);
  const leaves = randomLeaves(1500, rand);
  const ref = new Reference(leaves);
  for (const stride of [2, 3, 4]) {
    const inner = new MemoryMerkleNodeStore(stride);
    const store = new CountingStore(inner);
    let size = 0;
    while (size < leaves.length) {
      const batch = leaves.slice(size, size + 1 + Math.floor(rand() * 200));
      const r = new MerkleTree(store, size).appendLeaves(batch);
      size += batch.length;
      assert.deepEqual(r.root, ref.mth(0, size), `stride ${stride}, size ${size}`);
    }
    for (let level = 0; 2 ** level <= size; level++) {
      assert.equal(inner.getNode(level, 0) !== undefined, level % stride === 0, `stride ${stride}: level ${level} stored?`);
    }
    const bound = (2 * log2ceil(size) + 2) * 2 ** stride;
    for (let k = 0; k < 300; k++) {
      const n = 1 + Math.floor(rand() * size);
      const m = 1 + Math.floor(rand() * n);
      const i = Math.floor(rand() * n);
      const tree = new MerkleTree(store, size);
      store.reads = 0;
      assert.deepEqual(tree.root(n), ref.mth(0, n));
      assert.deepEqual(tree.inclusionProof(i, n), ref.path(i, 0, n), `stride ${stride}: inclusionProof(${i}, ${n})`);
      assert.deepEqual(tree.consistencyProof(m, n), ref.subproof(m, 0, n, true), `stride ${stride}: consistencyProof(${m}, ${n})`);
      assert.ok(store.reads <= 3 * bound, `stride ${stride}: ${store.reads} reads for a root and two proofs at ${n}`);
    }
  }
});

test('a strided store missing a node under a folded one is a coded error', () => {
  const store = new MemoryMerkleNodeStore(3);
  new MerkleTree(store).appendLeaves(randomLeaves(20, prng(5)));
  const holed = { levelStride: 3, getNode: (l: number, i: number) => (l === 0 && i === 5 ? undefined : store.getNode(l, i)), putNodes: () => {} };
  assert.throws(
    () => new MerkleTree(holed, 20).inclusionProof(0, 20),
    (e: unknown) => e instanceof MerkleProofError && e.code === 'SAKI_ERR_MERKLE_NODE_MISSING' && /level 0, index 5/.test(e.message),
  );
});

test('a tree reopened over an existing store continues where it stopped', () => {
  const rand = prng(3);
  const leaves = randomLeaves(300, rand);
  const store = new MemoryMerkleNodeStore();
  new MerkleTree(store).appendLeaves(leaves.slice(0, 177));
  const reopened = new MerkleTree(store, 177);
  const r = reopened.appendLeaves(leaves.slice(177));
  assert.deepEqual(r.root, new Reference(leaves).mth(0, 300));
});

test('out-of-range requests and a store missing nodes are coded errors', () => {
  const tree = new MerkleTree(new MemoryMerkleNodeStore());
  tree.appendLeaves(LEAF_INPUTS.map(leafHash));
  const code = (code: string) => (e: unknown) => e instanceof MerkleProofError && e.code === code;
  assert.throws(() => tree.inclusionProof(8, 8), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.inclusionProof(0, 9), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.inclusionProof(-1, 8), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.inclusionProof(0.5, 8), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.consistencyProof(0, 8), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.consistencyProof(5, 4), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.root(9), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.subtreeConsistencyProof(2, 5, 8), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.subtreeInclusionProof(3, 4, 6), code('SAKI_ERR_PROOF_RANGE'));
  assert.throws(() => tree.appendLeaves([new Uint8Array(31)]), code('SAKI_ERR_PROOF_MALFORMED'));
  assert.equal(tree.size, 8);
  assert.deepEqual(tree.consistencyProof(8, 8), []);
  assert.throws(() => new MerkleTree(new MemoryMerkleNodeStore(), 5).root(), code('SAKI_ERR_MERKLE_NODE_MISSING'));
  assert.throws(() => new MerkleTree(new MemoryMerkleNodeStore(), Number.MAX_SAFE_INTEGER + 1), code('SAKI_ERR_PROOF_RANGE'));
});

test('indices beyond 2^32 use exact arithmetic', () => {
  // A sparse store holding only the nodes a proof for the last leaf of a 2^40 + 3 tree needs.
  const size = 2 ** 40 + 3;
  const store = new MemoryMerkleNodeStore();
  const fake = (level: number, index: number): Uint8Array => leafHash(Buffer.from(`${level}/${index}`));
  store.putNodes([
    { level: 40, index: 0, hash: fake(40, 0) },
    { level: 1, index: 2 ** 39, hash: fake(1, 2 ** 39) },
    { level: 0, index: 2 ** 40 + 2, hash: fake(0, 2 ** 40 + 2) },
  ]);
  const tree = new MerkleTree(store, size);
  const root = nodeHash(fake(40, 0), nodeHash(fake(1, 2 ** 39), fake(0, 2 ** 40 + 2)));
  assert.deepEqual(tree.root(), root);
  const proof = tree.inclusionProof(size - 1, size);
  assert.deepEqual(proof, [fake(1, 2 ** 39), fake(40, 0)]);
  verifyInclusion(size - 1, size, fake(0, 2 ** 40 + 2), proof, root);
  verifyConsistency(2 ** 40, size, tree.consistencyProof(2 ** 40, size), fake(40, 0), root);
});
