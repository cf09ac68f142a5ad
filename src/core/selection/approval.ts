/**
 * Commission approvals (委員会の承認, Act Art. 17–18 for 外外, Art. 32–33 for 外内/内外; agreements
 * under ch. 3). An approval binds a channel, the feeds it covers, the exact criteria document (by
 * SHA-256 of its canonical JSON) and a validity period, and is signed with Ed25519 by commission
 * members' keys. What is signed is the canonical JSON (sorted keys, no whitespace) of every
 * member except `signatures`. Selection runs only under an approval that verifyApproval accepted.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from './canonical.js';
import { criteriaHash, parseCriteriaDocument, type CriteriaDocument } from './criteria.js';
import { SelectionError } from './selection-error.js';

export const CHANNELS = ['agreement', 'foreign-foreign', 'foreign-domestic'] as const;
export type Channel = (typeof CHANNELS)[number];

const isoTime = z.string().refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s)), {
  message: 'not an ISO 8601 date-time',
});

/** An organisation id (the consenting operator of an agreement): as the transparency log's identifiers. */
export const ORGANISATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;

const approvalBodyShape = z.strictObject({
  id: z.string().min(1).max(200),
  channel: z.enum(CHANNELS),
  scope: z.strictObject({
    feeds: z.array(z.string().min(1)).min(1),
    /**
     * Agreement (協定, ch. 3) only, and required there: the operator whose own traffic the feeds
     * carry and who consented. The results go back to it: it may read this approval's selected
     * records (docs/reference/selection.md). Signed with the rest of the scope.
     */
    operator: z.string().regex(ORGANISATION_ID, 'an organisation id').optional(),
  }),
  criteriaHash: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case SHA-256 hex'),
  validFrom: isoTime,
  validTo: isoTime,
  approvers: z.array(z.string().min(1)).min(1),
});

/** An agreement names its operator; no other channel does. */
function operatorRule(a: { channel: Channel; scope: { operator?: string } }, ctx: z.RefinementCtx): void {
  if (a.channel === 'agreement' && a.scope.operator === undefined) {
    ctx.addIssue({ code: 'custom', path: ['scope', 'operator'], message: 'an agreement names the consenting operator' });
  }
  if (a.channel !== 'agreement' && a.scope.operator !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['scope', 'operator'], message: 'only an agreement names an operator' });
  }
}

export const approvalBodySchema = approvalBodyShape.superRefine(operatorRule);

export const approvalSignatureSchema = z.strictObject({
  keyId: z.string().min(1),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64'),
  /**
   * SHA-256 hex of the signed bytes, as the signer saw them. Not trusted for anything; it only
   * tells "the body was changed after signing" (ALTERED) apart from "this signature is not genuine"
   * (FORGED) in the refusal.
   */
  signedBodySha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const approvalSchema = approvalBodyShape.extend({ signatures: z.array(approvalSignatureSchema).min(1) }).superRefine(operatorRule);

export type ApprovalBody = z.infer<typeof approvalBodySchema>;
export type ApprovalSignature = z.infer<typeof approvalSignatureSchema>;
export type Approval = z.infer<typeof approvalSchema>;

/** An approval that passed verifyApproval; frozen. Only these can drive a selector. */
export type VerifiedApproval = Readonly<Approval> & { readonly validFromMs: number; readonly validToMs: number };

const verified = new WeakSet<object>();

export function isVerifiedApproval(a: unknown): a is VerifiedApproval {
  return typeof a === 'object' && a !== null && verified.has(a);
}

/** The exact bytes every approver signs. */
export function approvalSigningBytes(body: ApprovalBody): Buffer {
  const { id, channel, scope, criteriaHash: h, validFrom, validTo, approvers } = body;
  return Buffer.from(canonicalJson({ id, channel, scope, criteriaHash: h, validFrom, validTo, approvers }), 'utf8');
}

/** One approver's signature over the body (Ed25519 private key). */
export function signApproval(body: ApprovalBody, privateKey: KeyObject, keyId: string): ApprovalSignature {
  const bytes = approvalSigningBytes(body);
  return {
    keyId,
    signature: sign(null, bytes, privateKey).toString('base64'),
    signedBodySha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export interface VerifyOptions {
  /** Distinct trusted keys with valid signatures, and distinct listed approvers, required (≥ 1). */
  minSignatures: number;
  /**
   * false: accept an approval outside its validity period (it still passes every other check). A
   * selector checks validity per record anyway, so a not-yet-valid approval loaded now starts
   * selecting at validFrom and an expired one selects nothing. Default true (refuse with EXPIRED).
   */
  checkValidity?: boolean;
}

export type VerifyResult =
  | { ok: true; approval: VerifiedApproval; criteria: CriteriaDocument }
  | { ok: false; error: SelectionError };

function refuse(code: ConstructorParameters<typeof SelectionError>[0], detail: string, details?: Record<string, unknown>): VerifyResult {
  return { ok: false, error: new SelectionError(code, detail, details ? { details } : undefined) };
}

/**
 * Checks, in this order: shape (ALTERED), criteria document validity (CRITERIA_INVALID) and hash
 * (ALTERED), every signature's key is trusted (UNKNOWN_KEY), every signature verifies (ALTERED when
 * the signer's recorded body hash differs from this body, else FORGED), quorum of distinct keys and
 * distinct approvers (QUORUM), validFrom ≤ now < validTo (EXPIRED).
 */
export function verifyApproval(
  approval: unknown,
  criteriaDocument: unknown,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  now: number | Date,
  options: VerifyOptions,
): VerifyResult {
  const minSignatures = Math.max(1, Math.floor(options.minSignatures));
  const parsed = approvalSchema.safeParse(approval);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
    return refuse('SAKI_ERR_APPROVAL_ALTERED', 'approval does not match the approval schema', { issues });
  }
  const a = parsed.data;
  let criteria: CriteriaDocument;
  try {
    criteria = parseCriteriaDocument(criteriaDocument);
  } catch (e) {
    if (e instanceof SelectionError) return { ok: false, error: e };
    throw e;
  }
  if (criteriaHash(criteriaDocument) !== a.criteriaHash) {
    return refuse('SAKI_ERR_APPROVAL_ALTERED', 'criteria document hash differs from the approved criteriaHash', { approvalId: a.id });
  }
  const bytes = approvalSigningBytes(a);
  const bodyHash = sha256Hex(bytes.toString('utf8'));
  const goodKeys = new Set<string>();
  for (const s of a.signatures) {
    const key = trustedKeys.get(s.keyId);
    if (!key) return refuse('SAKI_ERR_APPROVAL_UNKNOWN_KEY', `key ${s.keyId} is not a trusted commission key`, { keyId: s.keyId });
    let ok: boolean;
    try {
      ok = verify(null, bytes, key, Buffer.from(s.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) {
      if (s.signedBodySha256 !== undefined && s.signedBodySha256 !== bodyHash) {
        return refuse('SAKI_ERR_APPROVAL_ALTERED', `approval body differs from what key ${s.keyId} signed`, { keyId: s.keyId });
      }
      return refuse('SAKI_ERR_APPROVAL_FORGED', `signature by key ${s.keyId} does not verify`, { keyId: s.keyId });
    }
    goodKeys.add(s.keyId);
  }
  const approvers = new Set(a.approvers);
  if (goodKeys.size < minSignatures || approvers.size < minSignatures) {
    return refuse('SAKI_ERR_APPROVAL_QUORUM', `${goodKeys.size} distinct keys, ${approvers.size} distinct approvers, ${minSignatures} required`, {
      keys: goodKeys.size,
      approvers: approvers.size,
      required: minSignatures,
    });
  }
  const t = typeof now === 'number' ? now : now.getTime();
  const validFromMs = Date.parse(a.validFrom);
  const validToMs = Date.parse(a.validTo);
  if (options.checkValidity !== false && !(validFromMs <= t && t < validToMs)) {
    return refuse('SAKI_ERR_APPROVAL_EXPIRED', t < validFromMs ? 'approval is not yet valid' : 'approval has expired', {
      validFrom: a.validFrom,
      validTo: a.validTo,
    });
  }
  const result = deepFreeze({ ...a, validFromMs, validToMs });
  verified.add(result);
  return { ok: true, approval: result, criteria };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
