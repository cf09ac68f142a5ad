/** Shared fixtures for selection tests: test-only commission keys, approvals, random flows. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { emptyFlowRecord, type FlowRecord } from '../../../src/core/flow/flow-record.js';
import { signApproval, type Approval, type ApprovalBody } from '../../../src/core/selection/approval.js';
import type { ClassifiedFlow } from '../../../src/core/selection/classified-flow.js';
import { criteriaHash } from '../../../src/core/selection/criteria.js';

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
    scope: { feeds: [FEED] },
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

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
