/**
 * Special-purpose addresses, from the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (RFC 6890, RFC 8190) plus the multicast blocks (RFC 5771, RFC 4291 §2.7). They override the
 * geolocation data, which labels some of them with countries (172.16.0.0/12 and 192.168.0.0/16
 * as AU, 2001:2::/48 as JP in the 2026-06-17 data): a private address says nothing about where
 * a host is. The table is mirrored in docs/reference/classification.md; keep both in step.
 *
 * Scopes:
 * - `local`: belongs to the network where it is observed (the carrier's or operator's own).
 *   Counted as domestic or unknown per the `specialAddresses` setting.
 * - `unlocatable`: documentation, benchmarking, reserved, anycast services, multicast,
 *   cryptographic identifiers: no country can be derived. Always unknown.
 * - `embedded-ipv4`: an IPv6 form that names one IPv4 host; classified as that IPv4 address.
 */
import { parseIPv4, parseIPv6 } from '../net/ip-text.js';
import { flattenRanges, nextBigint, nextNumber, type RangeRow } from './range-partition.js';
import { IPv4RangeTable, IPv6RangeTable, packIPv4Partition, packIPv6Partition } from './ip-range-table.js';

export type SpecialScope = 'local' | 'unlocatable' | 'embedded-ipv4';

export interface SpecialRange {
  /** Stable identifier, used in classification results and metrics. */
  readonly id: string;
  readonly prefix: string;
  readonly name: string;
  readonly reference: string;
  readonly scope: SpecialScope;
}

const r = (prefix: string, id: string, name: string, reference: string, scope: SpecialScope): SpecialRange => ({ prefix, id, name, reference, scope });

export const SPECIAL_IPV4: readonly SpecialRange[] = Object.freeze([
  r('0.0.0.0/8', 'this-network', '"This network"', 'RFC 791 §3.2', 'unlocatable'),
  r('10.0.0.0/8', 'private-use', 'Private-Use', 'RFC 1918', 'local'),
  r('100.64.0.0/10', 'shared-address-space', 'Shared Address Space (CGN)', 'RFC 6598', 'local'),
  r('127.0.0.0/8', 'loopback', 'Loopback', 'RFC 1122 §3.2.1.3', 'local'),
  r('169.254.0.0/16', 'link-local', 'Link Local', 'RFC 3927', 'local'),
  r('172.16.0.0/12', 'private-use', 'Private-Use', 'RFC 1918', 'local'),
  r('192.0.0.0/24', 'ietf-protocol-assignments', 'IETF Protocol Assignments', 'RFC 6890 §2.1', 'unlocatable'),
  r('192.0.0.0/29', 'service-continuity', 'IPv4 Service Continuity Prefix (DS-Lite)', 'RFC 7335', 'local'),
  r('192.0.0.8/32', 'ipv4-dummy', 'IPv4 dummy address', 'RFC 7600', 'unlocatable'),
  r('192.0.0.9/32', 'pcp-anycast', 'Port Control Protocol Anycast', 'RFC 7723', 'unlocatable'),
  r('192.0.0.10/32', 'turn-anycast', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'unlocatable'),
  r('192.0.0.170/31', 'nat64-discovery', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 §2.2', 'unlocatable'),
  r('192.0.2.0/24', 'documentation', 'Documentation (TEST-NET-1)', 'RFC 5737', 'unlocatable'),
  r('192.31.196.0/24', 'as112', 'AS112-v4', 'RFC 7535', 'unlocatable'),
  r('192.52.193.0/24', 'amt', 'AMT', 'RFC 7450', 'unlocatable'),
  r('192.88.99.0/24', '6to4-relay-anycast', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', 'unlocatable'),
  r('192.88.99.2/32', '6a44-relay-anycast', '6a44-relay anycast address', 'RFC 6751', 'unlocatable'),
  r('192.168.0.0/16', 'private-use', 'Private-Use', 'RFC 1918', 'local'),
  r('192.175.48.0/24', 'as112-direct-delegation', 'Direct Delegation AS112 Service', 'RFC 7534', 'unlocatable'),
  r('198.18.0.0/15', 'benchmarking', 'Benchmarking', 'RFC 2544', 'unlocatable'),
  r('198.51.100.0/24', 'documentation', 'Documentation (TEST-NET-2)', 'RFC 5737', 'unlocatable'),
  r('203.0.113.0/24', 'documentation', 'Documentation (TEST-NET-3)', 'RFC 5737', 'unlocatable'),
  r('224.0.0.0/4', 'multicast', 'Multicast', 'RFC 5771', 'unlocatable'),
  r('240.0.0.0/4', 'reserved', 'Reserved', 'RFC 1112 §4', 'unlocatable'),
  r('255.255.255.255/32', 'limited-broadcast', 'Limited Broadcast', 'RFC 919 §7, RFC 8190', 'unlocatable'),
]);

export const SPECIAL_IPV6: readonly SpecialRange[] = Object.freeze([
  r('::/128', 'unspecified', 'Unspecified Address', 'RFC 4291', 'unlocatable'),
  r('::1/128', 'loopback', 'Loopback Address', 'RFC 4291', 'local'),
  r('::ffff:0:0/96', 'ipv4-mapped', 'IPv4-mapped Address', 'RFC 4291 §2.5.5.2', 'embedded-ipv4'),
  r('64:ff9b::/96', 'nat64-well-known', 'IPv4-IPv6 Translation (well-known prefix)', 'RFC 6052 §2.1', 'embedded-ipv4'),
  r('64:ff9b:1::/48', 'nat64-local-use', 'IPv4-IPv6 Translation (local use)', 'RFC 8215', 'local'),
  r('100::/64', 'discard-only', 'Discard-Only Address Block', 'RFC 6666', 'unlocatable'),
  r('100:0:0:1::/64', 'ipv6-dummy', 'Dummy IPv6 Prefix', 'RFC 9780', 'unlocatable'),
  r('2001::/23', 'ietf-protocol-assignments', 'IETF Protocol Assignments', 'RFC 2928', 'unlocatable'),
  r('2001::/32', 'teredo', 'TEREDO', 'RFC 4380, RFC 8190', 'unlocatable'),
  r('2001:1::1/128', 'pcp-anycast', 'Port Control Protocol Anycast', 'RFC 7723', 'unlocatable'),
  r('2001:1::2/128', 'turn-anycast', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'unlocatable'),
  r('2001:1::3/128', 'dnssd-srp-anycast', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', 'unlocatable'),
  r('2001:2::/48', 'benchmarking', 'Benchmarking', 'RFC 5180', 'unlocatable'),
  r('2001:3::/32', 'amt', 'AMT', 'RFC 7450', 'unlocatable'),
  r('2001:4:112::/48', 'as112', 'AS112-v6', 'RFC 7535', 'unlocatable'),
  r('2001:10::/28', 'orchid-deprecated', 'Deprecated (previously ORCHID)', 'RFC 4843', 'unlocatable'),
  r('2001:20::/28', 'orchid-v2', 'ORCHIDv2', 'RFC 7343', 'unlocatable'),
  r('2001:30::/28', 'drone-det', 'Drone Remote ID Protocol Entity Tags (DETs)', 'RFC 9374', 'unlocatable'),
  r('2001:db8::/32', 'documentation', 'Documentation', 'RFC 3849', 'unlocatable'),
  r('2002::/16', '6to4', '6to4', 'RFC 3056 §2', 'embedded-ipv4'),
  r('2620:4f:8000::/48', 'as112-direct-delegation', 'Direct Delegation AS112 Service', 'RFC 7534', 'unlocatable'),
  r('3fff::/20', 'documentation', 'Documentation', 'RFC 9637', 'unlocatable'),
  r('5f00::/16', 'srv6-sids', 'Segment Routing (SRv6) SIDs', 'RFC 9602', 'local'),
  r('fc00::/7', 'unique-local', 'Unique-Local', 'RFC 4193, RFC 8190', 'local'),
  r('fe80::/10', 'link-local', 'Link-Local Unicast', 'RFC 4291', 'local'),
  r('ff00::/8', 'multicast', 'Multicast', 'RFC 4291 §2.7', 'unlocatable'),
]);

function prefixParts(prefix: string): [string, number] {
  const slash = prefix.indexOf('/');
  return [prefix.slice(0, slash), Number(prefix.slice(slash + 1))];
}

/** First and last address of an IPv4 prefix. */
export function ipv4PrefixBounds(prefix: string): [number, number] {
  const [addr, len] = prefixParts(prefix);
  const base = parseIPv4(addr);
  if (base < 0 || !(len >= 0 && len <= 32)) throw new RangeError(`bad IPv4 prefix ${prefix}`);
  const size = 2 ** (32 - len);
  if (base % size !== 0) throw new RangeError(`IPv4 prefix ${prefix} has host bits set`);
  return [base, base + size - 1];
}

/** First and last address of an IPv6 prefix, as 128-bit integers. */
export function ipv6PrefixBounds(prefix: string): [bigint, bigint] {
  const [addr, len] = prefixParts(prefix);
  const w = new Uint32Array(4);
  if (!parseIPv6(addr, w) || !(len >= 0 && len <= 128)) throw new RangeError(`bad IPv6 prefix ${prefix}`);
  const base = (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
  const host = (1n << BigInt(128 - len)) - 1n;
  if ((base & host) !== 0n) throw new RangeError(`IPv6 prefix ${prefix} has host bits set`);
  return [base, base | host];
}

// Nested entries (192.0.0.9/32 inside 192.0.0.0/24) resolve to the most specific one, by the
// same rule as the geolocation rows.
const v4Rows: RangeRow<number>[] = SPECIAL_IPV4.map((s, i) => {
  const [start, end] = ipv4PrefixBounds(s.prefix);
  return { start, end, value: i + 1 };
});
const v4Partition = flattenRanges(v4Rows, 0, nextNumber);
const v4Packed = packIPv4Partition(v4Partition.starts, v4Partition.values);
const v4Table = new IPv4RangeTable(v4Packed.starts);
const v4Values = Uint8Array.from(v4Packed.values);

const v6Rows: RangeRow<bigint>[] = SPECIAL_IPV6.map((s, i) => {
  const [start, end] = ipv6PrefixBounds(s.prefix);
  return { start, end, value: i + 1 };
});
const v6Partition = flattenRanges(v6Rows, 0n, nextBigint);
const v6Packed = packIPv6Partition(v6Partition.starts, v6Partition.values);
const v6Table = new IPv6RangeTable(v6Packed.starts);
const v6Values = Uint8Array.from(v6Packed.values);

// Buckets (IPv4 /16, IPv6 first 16 bits) that intersect any special range: ordinary unicast,
// nearly every address on the hot path, is answered by one byte load.
const v4Buckets = new Uint8Array(65536);
for (const row of v4Rows) v4Buckets.fill(1, row.start >>> 16, (row.end >>> 16) + 1);
const v6Buckets = new Uint8Array(65536);
for (const row of v6Rows) v6Buckets.fill(1, Number(row.start >> 112n), Number(row.end >> 112n) + 1);

/**
 * Every address where the special-purpose answer for IPv4 may change (ascending, from 0): the
 * answer is constant from one to the next. For tables derived per prefix (the classifier's sides).
 */
export function specialIPv4Boundaries(): Uint32Array {
  return v4Table.starts;
}

/** Whether any address of the /16 `top16` (an IPv4 address >>> 16) is special-purpose. */
export function hasSpecialIPv4In16(top16: number): boolean {
  return v4Buckets[top16] !== 0;
}

/** The special range holding an IPv4 address, or undefined for ordinary unicast. */
export function specialOfIPv4(ip: number): SpecialRange | undefined {
  if (v4Buckets[ip >>> 16] === 0) return undefined;
  const v = v4Values[v4Table.locate(ip)];
  return v === 0 ? undefined : SPECIAL_IPV4[v - 1];
}

/** The special range holding an IPv6 address, or undefined for ordinary unicast. */
export function specialOfIPv6(w0: number, w1: number, w2: number, w3: number): SpecialRange | undefined {
  if (v6Buckets[w0 >>> 16] === 0) return undefined;
  const v = v6Values[v6Table.locate(w0, w1, w2, w3)];
  return v === 0 ? undefined : SPECIAL_IPV6[v - 1];
}

/**
 * The IPv4 host an `embedded-ipv4` IPv6 address names: the low 32 bits for ::ffff:0:0/96 and
 * 64:ff9b::/96 (RFC 6052 §2.2, /96 layout), bits 16–47 for 6to4 2002::/16 (RFC 3056 §2).
 */
export function embeddedIPv4(special: SpecialRange, w0: number, w1: number, w3: number): number {
  if (special.id === '6to4') return (((w0 & 0xffff) << 16) | (w1 >>> 16)) >>> 0;
  return w3;
}
