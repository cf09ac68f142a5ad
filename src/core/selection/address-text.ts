/**
 * CIDR text for criteria documents. Address parsing is the shared char-code scanner in
 * core/net/ip-text.ts (IPv6 as four unsigned 32-bit words, most significant first).
 */
import { parseIPv4, parseIPv6 } from '../net/ip-text.js';

export { parseIPv4, parseIPv6 };

/** A parsed CIDR: family, first address and prefix length; v4 in `words[3]`. */
export interface ParsedCidr {
  family: 4 | 6;
  /** IPv4: [0,0,0,addr]; IPv6: four words. Host bits are cleared. */
  words: [number, number, number, number];
  prefix: number;
}

/**
 * "a.b.c.d/n" or "x::/n"; a bare address is a host route (/32, /128). Host bits set below the
 * prefix are refused: "10.0.0.1/8" is almost always a typo for something else in a criteria document.
 */
export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? '' : text.slice(slash + 1);
  if (slash >= 0 && !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
  const v4 = parseIPv4(addr);
  if (v4 >= 0) {
    const prefix = slash < 0 ? 32 : Number(lenText);
    if (prefix > 32) return null;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((v4 & ~mask) >>> 0 !== 0) return null;
    return { family: 4, words: [0, 0, 0, v4], prefix };
  }
  const w = new Uint32Array(4);
  if (!parseIPv6(addr, w)) return null;
  const prefix = slash < 0 ? 128 : Number(lenText);
  if (prefix > 128) return null;
  for (let k = 0; k < 4; k++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * k));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((w[k] & ~mask) >>> 0 !== 0) return null;
  }
  return { family: 6, words: [w[0], w[1], w[2], w[3]], prefix };
}
