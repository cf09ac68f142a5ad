/**
 * Signed documents between carriers and the hub (docs/reference/sharing.md#hub-protocol).
 * A carrier's C&C list and the hub's redistributed list are each a JSON document signed with
 * Ed25519 over its canonical JSON (sorted keys, no whitespace; the same canonicalisation as
 * commission approvals in core/selection/approval.ts), wrapped in an envelope with the key id.
 * The SHA-256 of the signed bytes is the document's digest: the hub refuses a digest it has
 * already accepted (replay).
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { SakimoriError } from '../errors.js';
import { canonicalJson } from '../selection/canonical.js';
import { normaliseAddress } from './address-match.js';

const ms = z.number().int().min(0).max(8.64e15);
const keyId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1–64 letters, digits, . _ -');

export const listEntrySchema = z.strictObject({
  ip: z.string().min(2).max(45),
  port: z.number().int().min(0).max(65535),
  proto: z.number().int().min(0).max(255),
  score: z.number().min(0).max(1),
  firstSeen: ms,
  lastSeen: ms,
  detectors: z.array(z.string().regex(/^[a-z0-9-]{1,32}$/)).max(16),
});

/** Most entries one carrier list may carry (the hub may configure fewer). */
export const MAX_LIST_ENTRIES = 100_000;

export const carrierListSchema = z.strictObject({
  type: z.literal('sakimori-c2-list'),
  version: z.literal(1),
  carrierId: keyId,
  generatedAt: ms,
  entries: z.array(listEntrySchema).max(MAX_LIST_ENTRIES),
});

export const hubListEntrySchema = listEntrySchema.omit({ detectors: true }).extend({ carriers: z.number().int().min(1), status: z.literal('published') });

export const hubListSchema = z.strictObject({
  type: z.literal('sakimori-hub-list'),
  version: z.literal(1),
  hubId: keyId,
  generatedAt: ms,
  entries: z.array(hubListEntrySchema),
});

export const signatureSchema = z.strictObject({ keyId, alg: z.literal('ed25519'), value: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64') });

export type ListEntry = z.infer<typeof listEntrySchema>;
export type CarrierList = z.infer<typeof carrierListSchema>;
export type HubList = z.infer<typeof hubListSchema>;
export type HubListEntry = z.infer<typeof hubListEntrySchema>;
export interface SignedEnvelope<T> {
  document: T;
  signature: z.infer<typeof signatureSchema>;
}

export function signingBytes(document: CarrierList | HubList): Buffer {
  return Buffer.from(canonicalJson(document), 'utf8');
}

export function documentDigest(document: CarrierList | HubList): string {
  return createHash('sha256').update(signingBytes(document)).digest('hex');
}

export function signDocument<T extends CarrierList | HubList>(document: T, privateKey: KeyObject, id: string): SignedEnvelope<T> {
  return { document, signature: { keyId: id, alg: 'ed25519', value: sign(null, signingBytes(document), privateKey).toString('base64') } };
}

function issues(e: z.ZodError): { path: string; message: string }[] {
  return e.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * Parses a carrier's envelope (shape, addresses normalised, no duplicate (ip, port, proto),
 * firstSeen ≤ lastSeen, keyId = carrierId). Signature, carrier and freshness are checked by the hub.
 */
export function parseCarrierEnvelope(body: unknown, maxEntries: number): SignedEnvelope<CarrierList> {
  const parsed = z.strictObject({ document: carrierListSchema, signature: signatureSchema }).safeParse(body);
  if (!parsed.success) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', 'not a signed sakimori-c2-list', { details: { issues: issues(parsed.error) } });
  const env = parsed.data;
  const d = env.document;
  if (env.signature.keyId !== d.carrierId) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', 'signature keyId differs from carrierId');
  if (d.entries.length > maxEntries) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', `more than ${maxEntries} entries`);
  const seen = new Set<string>();
  d.entries.forEach((e, i) => {
    const ip = normaliseAddress(e.ip);
    if (ip === null) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', `entries.${i}.ip is not an IP address`);
    if (e.firstSeen > e.lastSeen) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', `entries.${i}: firstSeen after lastSeen`);
    const k = `${ip}|${e.port}|${e.proto}`;
    if (seen.has(k)) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', `entries.${i} repeats ${k}`);
    seen.add(k);
  });
  return env;
}

/** True when the envelope's signature verifies over its canonical document with `publicKey`. */
export function verifyEnvelope(env: SignedEnvelope<CarrierList | HubList>, publicKey: KeyObject): boolean {
  try {
    return verify(null, signingBytes(env.document), publicKey, Buffer.from(env.signature.value, 'base64'));
  } catch {
    return false;
  }
}

/** Carrier side: accepts a hub list only when it parses and is signed by the hub key it trusts. */
export function verifyHubList(body: unknown, hubPublicKey: KeyObject): HubList {
  const parsed = z.strictObject({ document: hubListSchema, signature: signatureSchema }).safeParse(body);
  if (!parsed.success) throw new SakimoriError('SAKI_ERR_HUB_SIGNATURE_INVALID', 'not a signed sakimori-hub-list', { details: { issues: issues(parsed.error) } });
  if (!verifyEnvelope(parsed.data, hubPublicKey)) throw new SakimoriError('SAKI_ERR_HUB_SIGNATURE_INVALID', 'hub list signature does not verify');
  return parsed.data.document;
}
