/**
 * Ed25519 keys of hub sharing: a carrier's signing key (private PEM, mode 0600) and the public
 * keys the hub trusts; the hub's own signing key for the redistributed list. PEM (PKCS#8 / SPKI)
 * as node:crypto reads and writes them, like the commission keys of approvals.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { SakimoriError } from '../core/errors.js';

export function readPrivateKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `${path} is accessible by group or others; chmod 600 it`);
    key = createPrivateKey(readFileSync(path));
  } catch (e) {
    if (e instanceof SakimoriError) throw e;
    throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `cannot read private key ${path}`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `${path} is not an Ed25519 key`);
  return key;
}

export function readPublicKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(path));
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `cannot read public key ${path}`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `${path} is not an Ed25519 key`);
  return key;
}

/** Writes `<path>` (private, 0600, never overwritten) and `<path>.pub`; returns the public PEM. */
export function generateKeyFiles(path: string): string {
  if (existsSync(path)) throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `${path} exists; not overwriting a key`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  try {
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(`${path}.pub`, pub, { mode: 0o644, flag: 'wx' });
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_HUB_KEY_UNUSABLE', `cannot write ${path}`, { cause: e });
  }
  return pub;
}

/** The hub's signing key: the configured file, or <dataDir>/hub-signing.key created on first start. */
export function loadOrCreateHubKey(path: string): KeyObject {
  if (!existsSync(path)) generateKeyFiles(path);
  return readPrivateKey(path);
}
