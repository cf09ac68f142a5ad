/**
 * The darknet: unused address space (no hosts, no services, routed to a sensor), as NICTER
 * observes ~300k addresses (seed 004). Nothing legitimate is addressed to it, so every packet
 * that arrives is a scan, backscatter of a spoofed-source attack, or misconfiguration.
 */
import { SakimoriError } from '../errors.js';
import { CidrSet } from '../selection/cidr-set.js';
import { parseCidr, type ParsedCidr } from '../selection/address-text.js';

export class DarknetPrefixes {
  readonly prefixes: readonly string[];
  /** Distinct IPv4 addresses covered (overlaps counted once). */
  readonly ipv4Addresses: number;
  /** Whether any IPv6 prefix is configured. */
  readonly hasIPv6: boolean;
  readonly #set: CidrSet;

  private constructor(prefixes: string[], parsed: ParsedCidr[]) {
    this.prefixes = Object.freeze(prefixes);
    this.#set = CidrSet.compile(parsed.map((cidr) => ({ cidr, tag: 1 })));
    this.ipv4Addresses = countIPv4(parsed.filter((c) => c.family === 4));
    this.hasIPv6 = parsed.some((c) => c.family === 6);
  }

  /** Parses an IPv4/IPv6 CIDR list; refuses an empty list or any invalid entry (SAKI_ERR_DARKNET_PREFIX). */
  static parse(texts: readonly string[]): DarknetPrefixes {
    if (texts.length === 0) throw new SakimoriError('SAKI_ERR_DARKNET_PREFIX', 'no darknet prefix given');
    const parsed: ParsedCidr[] = [];
    for (const t of texts) {
      const c = parseCidr(t.trim());
      if (!c) throw new SakimoriError('SAKI_ERR_DARKNET_PREFIX', `"${t}" is not an IPv4/IPv6 CIDR with host bits clear`);
      parsed.push(c);
    }
    return new DarknetPrefixes(texts.map((t) => t.trim()), parsed);
  }

  /** Whether the textual address is in the darknet. */
  contains(address: string): boolean {
    return this.#set.lookupId(address) !== 0;
  }

  /**
   * Share of the IPv4 address space the darknet covers: the chance that a uniformly random
   * spoofed source lands in it. 0 when the darknet has no IPv4 prefix.
   */
  get ipv4Fraction(): number {
    return this.ipv4Addresses / 4294967296;
  }
}

function countIPv4(cidrs: ParsedCidr[]): number {
  const spans = cidrs.map((c) => [c.words[3], c.words[3] + 2 ** (32 - c.prefix)] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curLo = -1;
  let curHi = -1;
  for (const [lo, hi] of spans) {
    if (lo > curHi) {
      total += curHi - curLo;
      curLo = lo;
      curHi = hi;
    } else if (hi > curHi) curHi = hi;
  }
  return total + (curHi - curLo);
}
