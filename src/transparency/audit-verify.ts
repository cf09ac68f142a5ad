import { closeSync, openSync, readFileSync, readSync, type PathLike } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SakimoriError } from '../core/errors.js';
import { parseVerifierKey } from '../core/transparency/checkpoint.js';
import { LogVerifier, type CheckpointInput, type VerifyReport } from '../core/transparency/log-verifier.js';
import { HASH_SIZE } from '../core/transparency/merkle-hash.js';
import { BUNDLE_FILES, BUNDLE_FORMAT, BUNDLE_VERSION, treeFileOffset } from './audit-export.js';
import { withCodes } from './transparency-errors.js';

/**
 * `sakimori audit verify`: reads a bundle written by audit-export.ts from disk and runs the
 * offline verifier (core/transparency/log-verifier.ts) over it. No database, no network.
 * Which keys to trust is the auditor's decision: keys given with --trusted-key, or else the
 * keys the bundle lists (reported as unpinned, since a forger would list its own).
 */

export interface VerifyBundleOptions {
  /** Verifier keys the auditor holds; a key named like the origin is a log key, others witnesses. */
  trustedKeys?: readonly string[];
  /** Checkpoints the auditor kept (e.g. the commission's cosigned copies), checked with the bundle's. */
  extraCheckpoints?: readonly CheckpointInput[];
}

export interface BundleVerification {
  origin: string;
  keysPinned: boolean;
  logKeys: readonly string[];
  witnessKeys: readonly string[];
  report: VerifyReport;
}

const manifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  origin: z.string().min(1),
  entries: z.number().int().min(0),
  treeSize: z.number().int().min(0),
  logKeys: z.array(z.string()),
  witnessKeys: z.array(z.string()),
});

const checkpointLineSchema = z.object({ id: z.number().int(), note: z.string() });

const CHUNK = 4 * 1024 * 1024;

export function verifyBundle(dir: string, options: VerifyBundleOptions = {}): BundleVerification {
  const manifest = readManifest(dir);
  const pinned = (options.trustedKeys?.length ?? 0) > 0;
  const keyStrings = [...new Set(pinned ? (options.trustedKeys as string[]) : [...manifest.logKeys, ...manifest.witnessKeys])];
  const keys = withCodes(() => keyStrings.map((vkey) => ({ vkey, verifier: parseVerifierKey(vkey) })));
  const logKeys = keys.filter((k) => k.verifier.name === manifest.origin);
  const witnessKeys = keys.filter((k) => k.verifier.name !== manifest.origin);
  if (!pinned && logKeys.length !== 1) {
    throw new SakimoriError('SAKI_ERR_AUDIT_VERIFY_FAILED', `the bundle lists ${logKeys.length} log keys for ${manifest.origin}; pin the right one with --trusted-key`);
  }
  if (logKeys.length === 0) throw new SakimoriError('SAKI_ERR_AUDIT_VERIFY_FAILED', `no trusted key is named ${manifest.origin}, the log's origin`);

  const checkpoints = [...readCheckpoints(dir), ...(options.extraCheckpoints ?? [])];
  const tree = new TreeFile(join(dir, BUNDLE_FILES.tree), manifest.treeSize);
  try {
    const verifier = new LogVerifier({
      origin: manifest.origin,
      logKeys: logKeys.map((k) => k.verifier),
      witnessKeys: witnessKeys.map((k) => k.verifier),
      checkpoints,
      storedHash: (level, index) => tree.get(level, index),
    });
    forEachLine(join(dir, BUNDLE_FILES.entries), (line) => verifier.addEntry(line));
    return {
      origin: manifest.origin,
      keysPinned: pinned,
      logKeys: logKeys.map((k) => k.vkey),
      witnessKeys: witnessKeys.map((k) => k.vkey),
      report: verifier.finish(),
    };
  } finally {
    tree.close();
  }
}

function readManifest(dir: string): z.infer<typeof manifestSchema> {
  const path = join(dir, BUNDLE_FILES.manifest);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_AUDIT_BUNDLE_UNREADABLE', `${path} is missing or not JSON`, { cause: e });
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) throw new SakimoriError('SAKI_ERR_AUDIT_BUNDLE_UNREADABLE', `${path} is not a ${BUNDLE_FORMAT} v${BUNDLE_VERSION} manifest`);
  return r.data;
}

function readCheckpoints(dir: string): CheckpointInput[] {
  const path = join(dir, BUNDLE_FILES.checkpoints);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_AUDIT_BUNDLE_UNREADABLE', `cannot read ${path}`, { cause: e });
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => {
      let parsed: z.infer<typeof checkpointLineSchema>;
      try {
        parsed = checkpointLineSchema.parse(JSON.parse(l));
      } catch {
        // A damaged line is still a checkpoint the verifier must report, not skip.
        return { label: `checkpoint line ${i + 1}`, note: '' };
      }
      return { label: `checkpoint ${parsed.id}`, note: parsed.note };
    });
}

/** Calls `fn` with each line's bytes (newline excluded), reading the file in large chunks. */
function forEachLine(path: PathLike, fn: (line: Uint8Array) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_AUDIT_BUNDLE_UNREADABLE', `cannot read ${String(path)}`, { cause: e });
  }
  try {
    let carry = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        fn(buf.subarray(start, nl));
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
    }
    if (carry.length > 0) fn(carry);
  } finally {
    closeSync(fd);
  }
}

/**
 * tree.bin with a one-block cache: the verifier reads level 0 sequentially and other levels
 * only along one root-to-leaf path. An all-zero hash means "not stored".
 */
class TreeFile {
  private fd: number | undefined;
  private block = Buffer.alloc(0);
  private blockStart = -1;
  private static readonly BLOCK = 1 << 20;

  constructor(
    path: string,
    private readonly treeSize: number,
  ) {
    try {
      this.fd = openSync(path, 'r');
    } catch {
      this.fd = undefined;
    }
  }

  get(level: number, index: number): Uint8Array | undefined {
    if (this.fd === undefined || index >= Math.floor(this.treeSize / 2 ** level)) return undefined;
    const off = treeFileOffset(this.treeSize, level, index);
    if (off < this.blockStart || off + HASH_SIZE > this.blockStart + this.block.length) {
      this.block = Buffer.alloc(TreeFile.BLOCK);
      const n = readSync(this.fd, this.block, 0, TreeFile.BLOCK, off);
      this.block = this.block.subarray(0, n);
      this.blockStart = off;
      if (n < HASH_SIZE) return undefined;
    }
    const h = this.block.subarray(off - this.blockStart, off - this.blockStart + HASH_SIZE);
    return h.every((b) => b === 0) ? undefined : new Uint8Array(h);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
