/**
 * Textual IP addresses → numbers on the classification and selection hot paths: char-code scanning into
 * numbers and a reused scratch array, no split, regex, substring or array allocation.
 * IPv6 is handled as four unsigned 32-bit words, most significant first.
 */

/**
 * Parses `s[from, to)` as a dotted quad (four decimal octets, RFC 791 text form). Leading zeros
 * are refused ("01.2.3.4"), as Node's net.isIPv4 does: inet_aton would read them as octal.
 * Returns the address as an unsigned 32-bit number, or -1.
 */
export function parseIPv4Span(s: string, from: number, to: number): number {
  const len = to - from;
  if (len < 7 || len > 15) return -1;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
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

/** Parses a whole string as a dotted quad; -1 when it is not one. */
export function parseIPv4(s: string): number {
  return parseIPv4Span(s, 0, s.length);
}

const groups = new Uint16Array(8);
/** Hex digit value by char code (Latin-1 range), -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/**
 * Parses RFC 4291 §2.2 text (all three forms: full, "::"-compressed, and with a trailing dotted
 * quad) into `out[0..3]`. Hex digits in either case, at most four per group. Zone indices
 * ("%eth0", RFC 4007) are refused: flow records never carry them. Returns false when invalid;
 * `out` is then unspecified.
 */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  const ok = parseIPv6Groups(s, out);
  // The module-level scratch must not keep an address (possibly of an unselected flow, Act Art. 22).
  groups.fill(0);
  return ok;
}

function parseIPv6Groups(s: string, out: Uint32Array): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
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
    let j = i;
    const limit = i + 4 < n ? i + 4 : n;
    while (j < limit) {
      const c = s.charCodeAt(j);
      const h = c < 256 ? HEX[c] : -1;
      if (h < 0) break;
      v = (v << 4) | h;
      j++;
    }
    if (j === i) return false;
    if (j === n) {
      groups[count++] = v;
      break;
    }
    const c = s.charCodeAt(j);
    if (c === 46) {
      // Trailing dotted quad (§2.2 form 3): takes the last two groups.
      if (count > 6) return false;
      const v4 = parseIPv4Span(s, i, n);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    // A fifth hex digit lands here too, and is refused.
    if (c !== 58) return false;
    groups[count++] = v;
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
    // Move the groups after "::" to the end and zero the gap.
    const tail = count - gap;
    for (let k = 1; k <= tail; k++) groups[8 - k] = groups[gap + tail - k];
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  out[0] = (groups[0] << 16) | groups[1];
  out[1] = (groups[2] << 16) | groups[3];
  out[2] = (groups[4] << 16) | groups[5];
  out[3] = (groups[6] << 16) | groups[7];
  return true;
}

/** Address family of a parsed address; 0 = not an address. */
export type ParsedFamily = 0 | 4 | 6;

/**
 * Parses either family. IPv4-mapped IPv6 (::ffff:0:0/96, RFC 4291 §2.5.5.2) is the IPv4 host it
 * names and is reported as family 4. Family 4 leaves the address in `out[3]` (and zeroes out[0..2]).
 */
export function parseAddress(s: string, out: Uint32Array): ParsedFamily {
  const v4 = parseIPv4(s);
  if (v4 >= 0) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    out[3] = v4;
    return 4;
  }
  if (!parseIPv6(s, out)) return 0;
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[2] = 0;
    return 4;
  }
  return 6;
}
