/**
 * Name-based UUIDs (RFC 9562 §5.5, version 5: SHA-1 of namespace + name). Used for STIX ids so
 * that exporting the same detection again yields the same id (STIX 2.1 §2.9 recommends v5 for
 * deterministic identifiers).
 */
import { createHash } from 'node:crypto';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

export function uuidV5(namespace: string, name: string): string {
  const h = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
