/**
 * Textual addresses → numbers for CIDR matching on the selection hot path: char-code scanning,
 * no split/regex/allocation. IPv6 is four unsigned 32-bit words, most significant first.
 * Kept here rather than shared with classification so selection has no dependency on it.
 */

/** Dotted quad (leading zeros refused, as net.isIPv4 does) → unsigned 32-bit number, or -1. */
export function parseIPv4(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
      dots++;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    if (digits !== 0 && part === 0) return -1;
    part = part * 10 + d;
    if (part > 255) return -1;
    digits++;
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + part;
}

const groups = new Uint16Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** RFC 4291 §2.2 text (full, "::"-compressed, trailing dotted quad) → out[0..3]. Zones refused. */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  const ok = parseIPv6Groups(s);
  if (ok) {
    out[0] = ((groups[0] << 16) | groups[1]) >>> 0;
    out[1] = ((groups[2] << 16) | groups[3]) >>> 0;
    out[2] = ((groups[4] << 16) | groups[5]) >>> 0;
    out[3] = ((groups[6] << 16) | groups[7]) >>> 0;
  }
  // The module-level scratch must not keep an address of an unselected flow.
  groups.fill(0);
  return ok;
}

function parseIPv6Groups(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  groups.fill(0);
  let count = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (count === 8) return false;
    let v = 0;
    let digits = 0;
    let j = i;
    while (j < n) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return false;
      v = (v << 4) | h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      if (count > 6) return false;
      const v4 = parseIPv4(s.slice(i));
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (digits === 0) return false;
    groups[count++] = v;
    if (j === n) break;
    if (s.charCodeAt(j) !== 58) return false;
    if (j + 1 < n && s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i = j + 2;
      continue;
    }
    if (j + 1 === n) return false;
    i = j + 1;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    const tail = count - gap;
    for (let k = 1; k <= tail; k++) {
      groups[8 - k] = groups[gap + tail - k];
      groups[gap + tail - k] = 0;
    }
  }
  return true;
}

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
