/**
 * Seed lists (known bot addresses, e.g. from darknet observation, seed 004) as text: one address
 * per line, optionally followed by whitespace and the list's source name; `#` starts a comment;
 * blank lines are skipped. A JSON array is accepted too: strings, or objects with `ip` and an optional
 * `source` (other fields, such as `port` in the generator's seeds.json or `firstSeen` in a darknet seed
 * export, are ignored). Addresses are normalized to the spelling flow records use (dotted quad,
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
  if (text.trimStart().startsWith('[')) return parseJsonSeedList(text, defaultSource);
  const out: SeedEntry[] = [];
  const words = new Uint32Array(4);
  const bytes = new Uint8Array(16);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*/, '').trim();
    if (line === '') continue;
    const [addr, source, extra] = line.split(/\s+/);
    if (extra !== undefined) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `line ${i + 1}: expected "ADDRESS [SOURCE]"`);
    const ip = normalize(addr, words, bytes);
    if (ip === undefined) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `line ${i + 1}: not an IP address`);
    out.push({ ip, source: source ?? defaultSource });
  }
  return out;
}

function parseJsonSeedList(text: string, defaultSource: string): SeedEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', 'seed list starts with "[" but is not valid JSON');
  }
  if (!Array.isArray(doc)) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', 'JSON seed list must be an array');
  const words = new Uint32Array(4);
  const bytes = new Uint8Array(16);
  return doc.map((e: unknown, i): SeedEntry => {
    const o = typeof e === 'string' ? { ip: e } : (e as { ip?: unknown; source?: unknown } | null);
    const ip = o && typeof o.ip === 'string' ? normalize(o.ip, words, bytes) : undefined;
    if (ip === undefined) throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `entry ${i}: expected an IP address string or an object with "ip"`);
    if (o!.source !== undefined && typeof o!.source !== 'string') throw new SakimoriError('SAKI_ERR_SEEDS_INVALID', `entry ${i}: "source" must be a string`);
    return { ip, source: (o!.source as string | undefined) ?? defaultSource };
  });
}

/** The spelling flow records use (dotted quad, RFC 5952), or undefined when not an address. */
function normalize(addr: string, words: Uint32Array, bytes: Uint8Array): string | undefined {
  const family = parseAddress(addr, words);
  if (family === 0) return undefined;
  if (family === 4) return `${words[3] >>> 24}.${(words[3] >>> 16) & 255}.${(words[3] >>> 8) & 255}.${words[3] & 255}`;
  for (let w = 0; w < 4; w++) {
    bytes[w * 4] = words[w] >>> 24;
    bytes[w * 4 + 1] = (words[w] >>> 16) & 255;
    bytes[w * 4 + 2] = (words[w] >>> 8) & 255;
    bytes[w * 4 + 3] = words[w] & 255;
  }
  return formatIPv6(bytes, 0);
}
