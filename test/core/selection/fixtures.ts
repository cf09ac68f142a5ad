/** Shared fixtures for selection tests: test-only commission keys, approvals, random flows. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { emptyFlowRecord, type FlowRecord } from '../../../src/core/flow/flow-record.js';
import { signApproval, type Approval, type ApprovalBody } from '../../../src/core/selection/approval.js';
import type { ClassifiedFlow } from '../../../src/core/selection/classified-flow.js';
import { criteriaHash } from '../../../src/core/selection/criteria.js';
import { parseCidr } from '../../../src/core/selection/address-text.js';
import { prng } from '../../../src/demo/synthetic-flows.js';

export interface TestKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function testKeys(n: number): TestKey[] {
  return Array.from({ length: n }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { keyId: `commission-${i + 1}`, privateKey, publicKey };
  });
}

export function trusted(keys: TestKey[]): Map<string, KeyObject> {
  return new Map(keys.map((k) => [k.keyId, k.publicKey]));
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const FEED = '192.0.2.1';

export function approvalBody(criteria: unknown, over: Partial<ApprovalBody> = {}): ApprovalBody {
  return {
    id: 'approval-test-1',
    channel: 'foreign-domestic',
    // An agreement names its consenting operator (approval.ts); other channels do not.
    scope: over.channel === 'agreement' ? { feeds: [FEED], operator: 'operator-test' } : { feeds: [FEED] },
    criteriaHash: criteriaHash(criteria),
    validFrom: '2026-01-01T00:00:00Z',
    validTo: '2026-12-31T00:00:00Z',
    approvers: ['member-a', 'member-b'],
    ...over,
  };
}

export function makeApproval(criteria: unknown, keys: TestKey[], over: Partial<ApprovalBody> = {}): Approval {
  const body = approvalBody(criteria, over);
  return { ...body, signatures: keys.map((k) => signApproval(body, k.privateKey, k.keyId)) };
}

/** Deterministic PRNG (mulberry32, shared with the demo generator) so failures reproduce. */
export const rng = prng;

export function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function flow(over: Partial<FlowRecord>, cls: Partial<Omit<ClassifiedFlow, 'record'>> = {}): ClassifiedFlow {
  const record = { ...emptyFlowRecord('ipfix', FEED, 0), start: T0 + 1000, end: T0 + 2000, ...over };
  return {
    record,
    direction: 'foreign-domestic',
    srcCountry: 'US',
    dstCountry: 'JP',
    srcDomestic: false,
    dstDomestic: true,
    ...cls,
  };
}

function hex4(n: number): string {
  return (n & 0xffff).toString(16);
}

/** Random CIDRs: overlapping IPv4 /8–/32 in a few /8s, IPv6 /16–/128 under 2001:db8::/29-ish space. */
export function randomCidrs(r: () => number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (r() < 0.75) {
      const prefix = 8 + Math.floor(r() * 25);
      const top = [10, 172, 203, 45][Math.floor(r() * 4)];
      const addr = ((top << 24) | Math.floor(r() * 0x1000000)) >>> 0;
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      out.push(`${v4Text((addr & mask) >>> 0)}/${prefix}`);
    } else {
      const prefix = 16 + Math.floor(r() * 113);
      const g = [0x2001, 0x0db8 + Math.floor(r() * 2), Math.floor(r() * 4), Math.floor(r() * 65536), 0, 0, 0, Math.floor(r() * 65536)];
      const bits: number[] = [];
      for (let k = 0; k < 8; k++) for (let b = 15; b >= 0; b--) bits.push((g[k] >> b) & 1);
      for (let b = prefix; b < 128; b++) bits[b] = 0;
      const groups = Array.from({ length: 8 }, (_, k) => bits.slice(16 * k, 16 * k + 16).reduce((a, x) => a * 2 + x, 0));
      out.push(`${groups.map(hex4).join(':')}/${prefix}`);
    }
  }
  return out;
}

/** A random address, often inside one of the CIDRs (so matches are frequent). */
export function randomAddress(r: () => number, cidrs: string[], v6: boolean): string {
  if (cidrs.length > 0 && r() < 0.6) {
    const c = parseCidr(cidrs[Math.floor(r() * cidrs.length)])!;
    if (c.family === 4) {
      const span = 2 ** (32 - c.prefix);
      return v4Text((c.words[3] + Math.floor(r() * span)) >>> 0);
    }
    const w = [...c.words];
    const hostBits = 128 - c.prefix;
    w[3] = (w[3] | (Math.floor(r() * 2 ** Math.min(32, hostBits)) >>> 0)) >>> 0;
    return Array.from({ length: 8 }, (_, k) => hex4(k % 2 === 0 ? w[k >> 1] >>> 16 : w[k >> 1])).join(':');
  }
  if (v6) return `2001:db8:${hex4(Math.floor(r() * 4))}::${hex4(Math.floor(r() * 65536))}`;
  return v4Text((([10, 172, 203, 45, 8][Math.floor(r() * 5)] << 24) | Math.floor(r() * 0x1000000)) >>> 0);
}


/** A stable per-address "domestic" verdict for random tests (the classifier is consistent per address). */
export function isDomesticForTest(addr: string): boolean {
  let h = 0;
  for (let i = 0; i < addr.length; i++) h = (h * 31 + addr.charCodeAt(i)) >>> 0;
  return h % 5 < 2;
}
