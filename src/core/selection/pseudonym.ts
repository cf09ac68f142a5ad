/**
 * Keyed pseudonyms for domestic endpoint addresses in selected records (Act Art. 22: identifiers
 * of people processed so no individual can be identified). HMAC-SHA-256 under a key the cyber
 * office holds, truncated to 64 bits (16 hex), prefixed by the key id so a rotation is visible in
 * the data: "p1:3f9a0c…". Same address and key → same token; a new key → unlinkable tokens.
 */
import { createHmac } from 'node:crypto';

export class Pseudonymizer {
  readonly keyId: string;
  private readonly key: Buffer;

  constructor(keyId: string, key: Uint8Array) {
    if (!/^[A-Za-z0-9]{1,16}$/.test(keyId)) throw new RangeError('pseudonym key id must be 1–16 letters or digits');
    if (key.length < 32) throw new RangeError('pseudonym key must be at least 32 bytes');
    this.keyId = keyId;
    this.key = Buffer.from(key);
  }

  pseudonym(address: string): string {
    return `${this.keyId}:${createHmac('sha256', this.key).update(address, 'utf8').digest('hex').slice(0, 16)}`;
  }
}
