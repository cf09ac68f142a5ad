import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE } from './merkle-hash.js';

/**
 * Signed tree heads in the formats shared by Go's sumdb, Trillian/Tessera logs and witnesses:
 * C2SP signed-note (https://c2sp.org/signed-note, Ed25519 keys only) carrying a C2SP
 * tlog-checkpoint body (https://c2sp.org/tlog-checkpoint). Key strings are those of Go's
 * golang.org/x/mod/sumdb/note so that keys and notes interoperate with existing tooling.
 */

export type SignedNoteErrorCode =
  /** Note syntax: not UTF-8, control characters, no signature block, bad signature line. */
  | 'SAKI_ERR_NOTE_MALFORMED'
  /** A vkey/skey string or key object that cannot be used (syntax, algorithm, key ID mismatch). */
  | 'SAKI_ERR_NOTE_KEY_INVALID'
  /** Two configured verifiers share a key name and key ID. */
  | 'SAKI_ERR_NOTE_KEY_AMBIGUOUS'
  /** A signature by a known key does not verify. */
  | 'SAKI_ERR_NOTE_SIGNATURE_INVALID'
  /** No signature by a known key. */
  | 'SAKI_ERR_NOTE_UNVERIFIED'
  /** Note text is not a tlog-checkpoint body. */
  | 'SAKI_ERR_CHECKPOINT_MALFORMED';

export class SignedNoteError extends Error {
  readonly code: SignedNoteErrorCode;

  constructor(code: SignedNoteErrorCode, message: string) {
    super(message);
    this.name = 'SignedNoteError';
    this.code = code;
  }
}

/** Signature type byte of Ed25519 note signatures (signed-note "Signature types"). */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/** signed-note: verifiers SHOULD cap the count and MUST accept at least 16; Go's sumdb caps at 100. */
export const MAX_NOTE_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** base64(key ID || signature) exactly as on the signature line. */
  base64: string;
}

export interface OpenedNote {
  /** The signed text, final newline included. */
  text: string;
  /** Signatures in note order, repeated ones dropped. */
  signatures: readonly (NoteSignature & { status: 'verified' | 'unknown' | 'invalid' })[];
  verified: readonly NoteSignature[];
  /** Signatures whose (name, key ID) matches no verifier; signed-note says to ignore them. */
  unknown: readonly NoteSignature[];
  invalid: readonly NoteSignature[];
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: readonly string[];
}

/** Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian (signed-note "Signatures"). */
export function noteKeyId(name: string, signatureType: number, publicKey: Uint8Array): number {
  const sum = createHash('sha256').update(name, 'utf8').update('\n').update(Uint8Array.of(signatureType)).update(publicKey).digest();
  return sum.readUInt32BE(0);
}

/** A key name is non-empty and has neither Unicode spaces nor '+' (signed-note "Format"). */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !/[\p{White_Space}+]/u.test(name) && isWellFormed(name);
}

export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  requireKeyName(name);
  if (publicKey.length !== 32) throw keyError('Ed25519 public key must be 32 bytes');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch {
    throw keyError('Ed25519 public key cannot be imported');
  }
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE_ED25519, publicKey),
    verify(message, signature) {
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  requireKeyName(name);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw keyError('signer key must be an Ed25519 private key');
  return {
    name,
    keyId: noteKeyId(name, SIGNATURE_TYPE_ED25519, ed25519PublicKey(privateKey)),
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** Verifier key "<name>+<hex key ID>+base64(0x01 || public key)" (signed-note "Verifier keys"). */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  const v = ed25519Verifier(name, publicKey);
  return `${name}+${hex32(v.keyId)}+${Buffer.concat([Uint8Array.of(SIGNATURE_TYPE_ED25519), publicKey]).toString('base64')}`;
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  const [name, idHex, key] = splitKey(vkey);
  if (key[0] !== SIGNATURE_TYPE_ED25519) throw keyError('unsupported signature type');
  const verifier = ed25519Verifier(name, key.subarray(1));
  if (verifier.keyId !== idHex) throw keyError('key ID does not match the key');
  return verifier;
}

/** Signer key "PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || seed)", as Go's note.GenerateKey writes it. */
export function formatSignerKey(name: string, privateKey: KeyObject): string {
  const signer = ed25519Signer(name, privateKey);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return `PRIVATE+KEY+${name}+${hex32(signer.keyId)}+${Buffer.concat([Uint8Array.of(SIGNATURE_TYPE_ED25519), seed]).toString('base64')}`;
}

export function parseSignerKey(skey: string): NoteSigner {
  if (!skey.startsWith('PRIVATE+KEY+')) throw keyError('signer key must start with PRIVATE+KEY+');
  const [name, idHex, key] = splitKey(skey.slice('PRIVATE+KEY+'.length));
  if (key[0] !== SIGNATURE_TYPE_ED25519) throw keyError('unsupported signature type');
  if (key.length !== 33) throw keyError('Ed25519 seed must be 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, key.subarray(1)]), format: 'der', type: 'pkcs8' });
  const signer = ed25519Signer(name, privateKey);
  // The key ID is over the public key, so it can only be checked once the seed is expanded.
  if (signer.keyId !== idHex) throw keyError('key ID does not match the key');
  return signer;
}

export function generateNoteKey(name: string): { skey: string; vkey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { skey: formatSignerKey(name, privateKey), vkey: formatVerifierKey(name, ed25519PublicKey(privateKey)) };
}

/** Signs `text` (ending in a newline) with each signer, in order (signed-note "Format"). */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  requireNoteText(text);
  return text + '\n' + signers.map((s) => signatureLine(text, s)).join('');
}

/**
 * Adds signatures to a note that was opened and verified, keeping its other signatures in
 * order: the witness cosigning of tlog-checkpoint "Signatures". A signature by the same key
 * as a new signer is replaced, as Go's note.Sign does.
 */
export function cosignNote(note: OpenedNote, signers: readonly NoteSigner[]): string {
  if (note.invalid.length > 0) throw new SignedNoteError('SAKI_ERR_NOTE_SIGNATURE_INVALID', 'refusing to cosign a note carrying an invalid signature');
  if (note.verified.length === 0) throw new SignedNoteError('SAKI_ERR_NOTE_UNVERIFIED', 'refusing to cosign a note no known key has signed');
  requireNoteText(note.text);
  const replaced = (s: NoteSignature): boolean => signers.some((n) => n.name === s.name && n.keyId === s.keyId);
  const kept = note.signatures.filter((s) => !replaced(s)).map((s) => `${SIGNATURE_PREFIX}${s.name} ${s.base64}\n`);
  return note.text + '\n' + kept.join('') + signers.map((s) => signatureLine(note.text, s)).join('');
}

/**
 * Parses a signed note and checks every signature made by a key in `verifiers`; it does not
 * decide acceptance (see verifyNote). Repeated lines from an unknown key and repeated
 * signatures from a known key are dropped, as Go's note.Open does.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const msg = typeof message === 'string' ? message : decodeUtf8(message);
  if (!isNoteText(msg)) throw malformed('note is not UTF-8 text without control characters');
  // The text ends at the last blank line; everything after it is signature lines.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no signature block');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw malformed('signature block must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformed(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);

  const textBytes = Buffer.from(text, 'utf8');
  const signatures: (NoteSignature & { status: 'verified' | 'unknown' | 'invalid' })[] = [];
  const seenLines = new Set<string>();
  const seenKeys = new Set<string>();
  for (const line of lines) {
    const sig = parseSignatureLine(line);
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matches.length > 1) throw new SignedNoteError('SAKI_ERR_NOTE_KEY_AMBIGUOUS', `more than one verifier for key ${sig.name}+${hex32(sig.keyId)}`);
    if (matches.length === 0) {
      if (seenLines.has(line)) continue;
      seenLines.add(line);
      signatures.push({ ...sig, status: 'unknown' });
      continue;
    }
    const key = `${sig.name}+${sig.keyId}`;
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    const ok = matches[0].verify(textBytes, Buffer.from(sig.base64, 'base64').subarray(4));
    signatures.push({ ...sig, status: ok ? 'verified' : 'invalid' });
  }
  const pick = (status: string): NoteSignature[] =>
    signatures.filter((s) => s.status === status).map(({ name, keyId, base64 }) => ({ name, keyId, base64 }));
  return { text, signatures, verified: pick('verified'), unknown: pick('unknown'), invalid: pick('invalid') };
}

/**
 * openNote plus the acceptance rule of signed-note "Signatures": a failing signature by a known
 * key rejects the note (SHOULD), and so does the absence of any verified signature (MUST).
 */
export function verifyNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const note = openNote(message, verifiers);
  const bad = note.invalid[0];
  if (bad) throw new SignedNoteError('SAKI_ERR_NOTE_SIGNATURE_INVALID', `invalid signature for key ${bad.name}+${hex32(bad.keyId)}`);
  if (note.verified.length === 0) throw new SignedNoteError('SAKI_ERR_NOTE_UNVERIFIED', 'note has no signature by a known key');
  return note;
}

/** Note text of a checkpoint: origin, size, base64 root, extension lines (tlog-checkpoint "Note text"). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  // Our own origins follow the SHOULD (no spaces or '+') so they can double as the log's key name.
  if (!isValidKeyName(origin)) throw checkpointError('origin must be non-empty, without spaces or +');
  if (!Number.isSafeInteger(size) || size < 0) throw checkpointError('tree size must be an integer in [0, 2^53)');
  if (rootHash.length !== HASH_SIZE) throw checkpointError(`root hash must be ${HASH_SIZE} bytes`);
  for (const e of extensions) if (e === '' || e.includes('\n')) throw checkpointError('extension lines must be non-empty single lines');
  const text = [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions].join('\n') + '\n';
  requireNoteText(text);
  return text;
}

/** Parses a checkpoint body; the origin is only required to be non-empty, as clients MUST NOT assume more. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw checkpointError('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw checkpointError('checkpoint needs origin, size and root hash lines, none empty');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) throw checkpointError('tree size is not a decimal without leading zeroes');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw checkpointError('tree size exceeds 2^53 - 1');
  const rootHash = decodeBase64(rootLine);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) throw checkpointError(`root hash is not base64 of ${HASH_SIZE} bytes`);
  return { origin, size, rootHash: new Uint8Array(rootHash), extensions };
}

/** A verified checkpoint (verifyNote then parseCheckpoint). */
export function openCheckpoint(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): { checkpoint: Checkpoint; note: OpenedNote } {
  const note = verifyNote(message, verifiers);
  return { checkpoint: parseCheckpoint(note.text), note };
}

function signatureLine(text: string, signer: NoteSigner): string {
  requireKeyName(signer.name);
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId >>> 0);
  const sig = signer.sign(Buffer.from(text, 'utf8'));
  return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed('signature line must start with an em dash and a space');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  const raw = decodeBase64(base64);
  if (!isValidKeyName(name) || raw === undefined || raw.length < 5) throw malformed('signature line has a bad key name or signature');
  return { name, keyId: raw.readUInt32BE(0), base64 };
}

function splitKey(key: string): [string, number, Buffer] {
  // The name cannot contain '+', the base64 key can: split at the first two only.
  const a = key.indexOf('+');
  const b = a < 0 ? -1 : key.indexOf('+', a + 1);
  if (b < 0) throw keyError('key must be <name>+<key ID>+<key>');
  const name = key.slice(0, a);
  const idHex = key.slice(a + 1, b);
  const raw = decodeBase64(key.slice(b + 1));
  if (!isValidKeyName(name)) throw keyError('bad key name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw keyError('key ID must be 8 lowercase hex digits');
  if (raw === undefined || raw.length === 0) throw keyError('key is not base64');
  return [name, Number.parseInt(idHex, 16), raw];
}

function ed25519PublicKey(privateKey: KeyObject): Uint8Array {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

/** RFC 4648 §4 base64, padded, canonical (re-encodes to the same string); undefined otherwise. */
function decodeBase64(s: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('note is not valid UTF-8');
  }
}

function isWellFormed(s: string): boolean {
  return !/\p{Surrogate}/u.test(s);
}

/** Well-formed Unicode with no ASCII control character other than newline (signed-note "Format"). */
function isNoteText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return isWellFormed(s);
}

function requireNoteText(text: string): void {
  if (!text.endsWith('\n')) throw malformed('note text must end with a newline');
  if (!isNoteText(text)) throw malformed('note text must be UTF-8 without control characters');
}

function requireKeyName(name: string): void {
  if (!isValidKeyName(name)) throw keyError('key name must be non-empty, without spaces or +');
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function malformed(message: string): SignedNoteError {
  return new SignedNoteError('SAKI_ERR_NOTE_MALFORMED', message);
}

function keyError(message: string): SignedNoteError {
  return new SignedNoteError('SAKI_ERR_NOTE_KEY_INVALID', message);
}

function checkpointError(message: string): SignedNoteError {
  return new SignedNoteError('SAKI_ERR_CHECKPOINT_MALFORMED', message);
}
