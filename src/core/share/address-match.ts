/**
 * Address normalisation and CIDR membership for the hub: carriers may spell an IPv6 address
 * differently, so entries are keyed by the RFC 5952 text; the allowlist of known-benign ranges
 * (public resolvers, NTP pools, CDNs) is a short list checked linearly.
 */
import { formatIPv4Number, formatIPv6 } from '../flow/ip-address.js';
import { parseAddress } from '../net/ip-text.js';
import { parseCidr, type ParsedCidr } from '../selection/address-text.js';

/** RFC 5952 / dotted-quad text of an address, or null when it is not one. */
export function normaliseAddress(text: string): string | null {
  const w = new Uint32Array(4);
  const fam = parseAddress(text, w);
  if (fam === 0) return null;
  if (fam === 4) return formatIPv4Number(w[3]);
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, w[0]);
  new DataView(b.buffer).setUint32(4, w[1]);
  new DataView(b.buffer).setUint32(8, w[2]);
  new DataView(b.buffer).setUint32(12, w[3]);
  return formatIPv6(b, 0);
}

export class AddressAllowlist {
  private readonly cidrs: { text: string; c: ParsedCidr }[];

  /** Throws TypeError naming the first entry that is not an address or CIDR. */
  constructor(entries: readonly string[]) {
    this.cidrs = entries.map((text) => {
      const c = parseCidr(text);
      if (!c) throw new TypeError(`allowlist entry "${text}" is not an address or CIDR`);
      return { text, c };
    });
  }

  /** The allowlist entry covering `ip`, if any. */
  match(ip: string): string | undefined {
    const w = new Uint32Array(4);
    const fam = parseAddress(ip, w);
    if (fam === 0) return undefined;
    for (const { text, c } of this.cidrs) {
      if (c.family !== fam) continue;
      let inside = true;
      for (let k = fam === 4 ? 3 : 0; k < 4 && inside; k++) {
        const bits = fam === 4 ? c.prefix : Math.max(0, Math.min(32, c.prefix - 32 * k));
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        inside = ((w[k] & mask) >>> 0) === c.words[k];
      }
      if (inside) return text;
    }
    return undefined;
  }
}
