/**
 * Seed lists (known bot addresses, e.g. from darknet observation, seed 004) as text: one address
 * per line, optionally followed by whitespace and the list's source name; `#` starts a comment;
 * blank lines are skipped. Addresses are normalized to the spelling flow records use (dotted quad,
 * RFC 5952 for IPv6) so that they match. A malformed line rejects the whole list.
 */
import { SakimoriError } from '../errors.js';
import { formatIPv6 } from '../flow/ip-address.js';
import { parseAddress } from '../net/ip-text.js';

export interface SeedEntry {
  ip: string;
  source: string;
}

export function parseSeedList(text: string, defaultSource: string): SeedEntry[] {
  const out: SeedEntry[] = [];
  const words = new Uint32Array(4);
  const bytes = new Uint8Array(16);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*/, '').trim();
    if (line === '') continue;
    const [addr, source, extra] = line.split(/\s+/);
    if (extra !== undefined) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `line ${i + 1}: expected "ADDRESS [SOURCE]"`);
    const family = parseAddress(addr, words);
    if (family === 0) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `line ${i + 1}: not an IP address`);
    let ip: string;
    if (family === 4) ip = `${words[3] >>> 24}.${(words[3] >>> 16) & 255}.${(words[3] >>> 8) & 255}.${words[3] & 255}`;
    else {
      for (let w = 0; w < 4; w++) {
        bytes[w * 4] = words[w] >>> 24;
        bytes[w * 4 + 1] = (words[w] >>> 16) & 255;
        bytes[w * 4 + 2] = (words[w] >>> 8) & 255;
        bytes[w * 4 + 3] = words[w] & 255;
      }
      ip = formatIPv6(bytes, 0);
    }
    out.push({ ip, source: source ?? defaultSource });
  }
  return out;
}
