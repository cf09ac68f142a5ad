/**
 * Revocation of commission approvals (承認の取消し, Act Art. 17–18, 32–33): the list the cyber office
 * keeps of approvals the commission revoked. It is not signed, on purpose: a revocation can only
 * stop selection, never start or widen it, so whoever can write the file can do no more harm than
 * stopping the service (fail-safe). Starting or changing selection always needs a signed approval.
 *
 * ```json
 * { "version": 1, "revocations": [
 *   { "approvalId": "approval-2026-001", "revokedAt": "2026-05-01T00:00:00Z", "revokedBy": "commission-chair", "reason": "…" } ] }
 * ```
 */
import { z } from 'zod';
import { SakimoriError } from '../errors.js';

const isoTime = z.string().refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s)), { message: 'not an ISO 8601 date-time' });
/** The transparency log's identifier alphabet, so the revocation can be logged as it is. */
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/, 'identifier: 1–128 of A-Z a-z 0-9 . _ : / @ + -');

export const revocationListSchema = z.strictObject({
  version: z.literal(1),
  revocations: z.array(
    z.strictObject({
      /** In the log's identifier alphabet, so the revocation can be logged under it. */
      approvalId: id,
      /** From this time on the approval selects nothing; a past time means at once. */
      revokedAt: isoTime,
      /** Commission member or office that revoked it. */
      revokedBy: id,
      reason: z
        .string()
        .min(1)
        .max(500)
        .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'single line')
        .optional(),
    }),
  ),
});

export type RevocationList = z.infer<typeof revocationListSchema>;
export type Revocation = RevocationList['revocations'][number] & { revokedAtMs: number };

/** Revocations by approval id (the earliest when an id is listed twice). Invalid: SAKI_ERR_REVOCATION_INVALID, nothing applied. */
export function parseRevocationList(value: unknown): Map<string, Revocation> {
  const parsed = revocationListSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new SakimoriError('SAKI_ERR_REVOCATION_INVALID', 'revocation list does not match its schema', { details: { issues } });
  }
  const out = new Map<string, Revocation>();
  for (const r of parsed.data.revocations) {
    const revokedAtMs = Date.parse(r.revokedAt);
    const prev = out.get(r.approvalId);
    if (!prev || revokedAtMs < prev.revokedAtMs) out.set(r.approvalId, { ...r, revokedAtMs });
  }
  return out;
}
