import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SakimoriError } from '../core/errors.js';
import { HASH_SIZE } from '../core/transparency/merkle-hash.js';
import type { TransparencyLog } from './transparency-log.js';

/**
 * `sakimori audit export`: writes everything an auditor needs to verify the log with no
 * server and no database (docs/reference/transparency-log.md, "Bundle format"):
 *
 *   manifest.json      origin, counts, the log's and witnesses' verifier keys
 *   entries.jsonl      one stored entry per line, byte for byte (the Merkle leaf data)
 *   checkpoints.jsonl  every checkpoint with its cosignatures, in issue order
 *   tree.bin           the stored Merkle hashes, level by level (hints to locate a bad entry)
 *                      level 0 holds each exported row's own stored leaf hash, in row order,
 *                      so a verifier can tell an edited row from a moved or missing one
 *
 * The export copies what is stored, damaged or not: hiding a gap here would hide tampering.
 * Checkpoints are read before the entries, so a healthy log's export always holds every entry
 * its checkpoints cover, even while appends continue.
 */

export const BUNDLE_FORMAT = 'sakimori-audit-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_FILES = { manifest: 'manifest.json', entries: 'entries.jsonl', checkpoints: 'checkpoints.jsonl', tree: 'tree.bin' } as const;

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  origin: string;
  exportedAt: string;
  /** Lines in entries.jsonl. */
  entries: number;
  /** Tree size tree.bin is laid out for: level L holds floor(treeSize / 2^L) hashes. */
  treeSize: number;
  checkpoints: number;
  /** Verifier keys that signed checkpoints as the log, oldest first (more than one after a key rotation). */
  logKeys: string[];
  /** Verifier keys of witnesses whose cosignatures are attached. */
  witnessKeys: string[];
}

const PAGE = 10_000;

export async function exportBundle(log: TransparencyLog, outDir: string, now: () => Date = () => new Date()): Promise<BundleManifest> {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new SakimoriError('SAKI_ERR_CLI_USAGE', `${outDir} exists and is not empty`);
  mkdirSync(outDir, { recursive: true });
  const checkpoints = await log.checkpoints();
  const treeSize = checkpoints.reduce((n, c) => Math.max(n, c.size), await log.size());

  let lines = 0;
  const leaves = openSync(join(outDir, BUNDLE_FILES.tree), 'wx');
  try {
    await writeFile(join(outDir, BUNDLE_FILES.entries), async (write) => {
      for (let start = 0; start < treeSize; start += PAGE) {
        const rows = await log.entries(start, Math.min(start + PAGE, treeSize));
        if (rows.length === 0) continue;
        write(Buffer.from(rows.map((r) => `${r.entry}\n`).join(''), 'utf8'));
        writeAll(leaves, Buffer.concat(rows.map((r) => r.leafHash)));
        lines += rows.length;
      }
    });
    const zero = Buffer.alloc(HASH_SIZE);
    for (let i = lines; i < treeSize; i++) writeAll(leaves, zero);
    for (let level = 1; 2 ** level <= treeSize; level++) {
      const count = Math.floor(treeSize / 2 ** level);
      for (let start = 0; start < count; start += PAGE) {
        const hashes = await log.storedHashes(level, start, Math.min(start + PAGE, count));
        writeAll(leaves, Buffer.concat(hashes.map((h) => h ?? zero)));
      }
    }
  } finally {
    closeSync(leaves);
  }

  writeFileSync(
    join(outDir, BUNDLE_FILES.checkpoints),
    checkpoints.map((c) => JSON.stringify({ id: c.id, size: c.size, createdAt: c.createdAt, note: c.note }) + '\n').join(''),
  );

  const logKeys = unique([...checkpoints.map((c) => c.logKey), ...(log.verifierKey ? [log.verifierKey] : [])]);
  const witnessKeys = unique(checkpoints.flatMap((c) => c.witnessKeys));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    origin: log.origin,
    exportedAt: now().toISOString(),
    entries: lines,
    treeSize,
    checkpoints: checkpoints.length,
    logKeys,
    witnessKeys,
  };
  writeFileSync(join(outDir, BUNDLE_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Byte offset of node (level, index) in tree.bin for a tree of `treeSize` leaves. */
export function treeFileOffset(treeSize: number, level: number, index: number): number {
  let off = 0;
  for (let l = 0; l < level; l++) off += Math.floor(treeSize / 2 ** l);
  return (off + index) * HASH_SIZE;
}

async function writeFile(path: string, body: (write: (b: Uint8Array) => void) => Promise<void>): Promise<void> {
  const fd = openSync(path, 'wx');
  try {
    await body((b) => writeAll(fd, b));
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
