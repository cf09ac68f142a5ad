import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SakimoriError } from '../core/errors.js';
import {
  SignedNoteError,
  formatSignerKey,
  formatVerifierKey,
  isValidKeyName,
  parseSignerKey,
  parseVerifierKey,
  type NoteSigner,
  type NoteVerifier,
} from '../core/transparency/checkpoint.js';

/**
 * The log's Ed25519 signing key: a file in the data directory holding the signer key string in
 * Go's sumdb/note format ("PRIVATE+KEY+<name>+<id>+<base64>"), created on first use with mode
 * 0600 and refused if group or others can read it (as ssh does). The key name is the log's
 * checkpoint origin. Only the verifier key ever leaves this module.
 */

export const LOG_KEY_FILE = 'transparency-log.key';
/** The next key while a rotation is under way (audit rotate-key); renamed over LOG_KEY_FILE once committed. */
export const NEXT_LOG_KEY_FILE = 'transparency-log.key.next';
/** Every verifier key the log has had, oldest first, one per line: the public halves of retired keys stay here. */
export const LOG_KEY_HISTORY_FILE = 'transparency-log.pub';

export interface LogKey {
  origin: string;
  signer: NoteSigner;
  verifier: NoteVerifier;
  /** signed-note verifier key string, safe to publish. */
  verifierKey: string;
  path: string;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX_LENGTH = 12;

/** Reads the key file, or creates it (atomically, so two processes starting together agree on one key). */
export function loadOrCreateLogKey(dataDir: string, options: { origin?: string } = {}): LogKey {
  const path = join(dataDir, LOG_KEY_FILE);
  if (!exists(path)) create(dataDir, path, options.origin ?? `sakimori/${randomBytes(6).toString('hex')}`);
  const key = readKeyFile(path);
  if (options.origin !== undefined && options.origin !== key.origin) {
    throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `${path} is the key of origin "${key.origin}", not "${options.origin}"`);
  }
  return key;
}

/** Reads an existing signer key file (the log's, or a witness's). */
export function readKeyFile(path: string): LogKey {
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) {
      throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `${path} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    if (e instanceof SakimoriError) throw e;
    throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `cannot read ${path}`, { cause: e });
  }
  try {
    const signer = parseSignerKey(text);
    const verifierKey = formatVerifierKey(signer.name, publicKeyOfSignerKey(text));
    return { origin: signer.name, signer, verifier: parseVerifierKey(verifierKey), verifierKey, path };
  } catch (e) {
    if (e instanceof SignedNoteError) throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Writes a new signer key file (mode 0600, never overwriting) and returns it. */
export function createKeyFile(path: string, name: string): LogKey {
  if (!isValidKeyName(name)) throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `key name "${name}" must be non-empty, without spaces or +`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${formatSignerKey(name, privateKey)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // link() fails if the name exists: the complete file appears at once, and never replaces another key.
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `cannot create ${path}`, { cause: e });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  return readKeyFile(path);
}

function create(dataDir: string, path: string, origin: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `cannot create ${dataDir}`, { cause: e });
  }
  createKeyFile(path, origin);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The Ed25519 public key of a "PRIVATE+KEY+name+id+base64(0x01 || seed)" string. */
function publicKeyOfSignerKey(skey: string): Uint8Array {
  // The name and key ID hold no '+', the base64 key may: it starts after the fourth one.
  let at = -1;
  for (let i = 0; i < 4; i++) at = skey.indexOf('+', at + 1);
  const seed = Buffer.from(skey.slice(at + 1), 'base64').subarray(1);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX_LENGTH);
}

/** Verifier keys of the log, oldest first, current last (just the current key before any rotation). */
export function readKeyHistory(dataDir: string, current: string | undefined): string[] {
  let lines: string[] = [];
  try {
    lines = readFileSync(join(dataDir, LOG_KEY_HISTORY_FILE), 'utf8').split('\n').filter((l) => l !== '');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `cannot read ${LOG_KEY_HISTORY_FILE}`, { cause: e });
  }
  if (current !== undefined && !lines.includes(current)) lines.push(current);
  return lines;
}

/**
 * Makes the committed rotation's key the key on disk: the history gains the new verifier key
 * (written first, so the public key of the retired one is never lost), then the next key file
 * replaces the current one. The retired private key is gone afterwards: nobody can sign with it.
 * Safe to repeat and to race with another process doing the same.
 */
export function commitKeyRotation(dataDir: string, previous: string, next: string): void {
  const history = readKeyHistory(dataDir, undefined);
  if (!history.includes(previous)) history.push(previous);
  if (!history.includes(next)) history.push(next);
  const path = join(dataDir, LOG_KEY_HISTORY_FILE);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, history.join('\n') + '\n', { mode: 0o644 });
  renameSync(tmp, path);
  try {
    renameSync(join(dataDir, NEXT_LOG_KEY_FILE), join(dataDir, LOG_KEY_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SakimoriError('SAKI_ERR_LOG_KEY_UNUSABLE', `cannot install the new key file`, { cause: e });
  }
}

/**
 * The signing key whose verifier key is `vkey`, from the key files: a pending next key (a
 * rotation committed in the database by this or another process, then interrupted) is
 * installed first. Undefined if the files hold no such key.
 */
export function reloadLogKey(dataDir: string, vkey: string): LogKey | undefined {
  const nextPath = join(dataDir, NEXT_LOG_KEY_FILE);
  const current = join(dataDir, LOG_KEY_FILE);
  if (exists(nextPath)) {
    const next = readKeyFile(nextPath);
    if (next.verifierKey === vkey) commitKeyRotation(dataDir, readKeyFile(current).verifierKey, vkey);
  }
  const key = readKeyFile(current);
  return key.verifierKey === vkey ? key : undefined;
}
