/** Address formatting on the decode hot path: table lookups and concatenation, no allocation of arrays. */
const OCTET: string[] = Array.from({ length: 256 }, (_, i) => String(i));
/**
 * "0." … "255.": a dotted quad is then three concatenations instead of six. Every concatenation
 * allocates a new string (short ones are copied flat), and these are per address of every record.
 */
const OCTET_DOT: string[] = OCTET.map((o) => o + '.');

export function formatIPv4(b: Uint8Array, off: number): string {
  return OCTET_DOT[b[off]] + OCTET_DOT[b[off + 1]] + OCTET_DOT[b[off + 2]] + OCTET[b[off + 3]];
}

export function formatIPv4Number(n: number): string {
  return OCTET_DOT[(n >>> 24) & 255] + OCTET_DOT[(n >>> 16) & 255] + OCTET_DOT[(n >>> 8) & 255] + OCTET[n & 255];
}

/** RFC 5952 canonical text: lower case, leading zeros dropped, longest run (≥2) of zero groups as "::". IPv4-mapped shown as ::ffff:a.b.c.d. */
export function formatIPv6(b: Uint8Array, off: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return '::ffff:' + formatIPv4(b, off + 12);
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return head + '::' + tail;
}
