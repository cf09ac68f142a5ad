import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { LogEntryInput } from '../core/transparency/log-entry.js';
import type { SelectionReloadResult } from '../selection/approval-set.js';

/**
 * The selector's per-batch attestation (core/selection/attestation.ts) as a transparency log
 * entry: the same members, counts only, under the log's `type` name. The selection pipeline
 * appends one per batch so the commission can check, offline, that every record examined was
 * either kept under an approval or erased (Act Art. 22, 35).
 */
export function selectionAttestationEntry(a: SelectionAttestation, options: { sourceId?: string } = {}): LogEntryInput {
  return {
    type: 'selection-attestation',
    channel: a.channel,
    approvalId: a.approvalId,
    criteriaHash: a.criteriaHash,
    ...(options.sourceId !== undefined ? { sourceId: options.sourceId } : {}),
    windowStart: a.windowStart,
    windowEnd: a.windowEnd,
    counts: {
      in: a.counts.in,
      selected: a.counts.selected,
      erased: a.counts.erased,
      domesticDomestic: a.counts.domesticDomestic,
      outOfScope: a.counts.outOfScope,
      perCriterion: { ...a.counts.perCriterion },
    },
    softwareVersion: a.softwareVersion,
  };
}

/**
 * What a runtime approval reload puts in the log: a `config-change` (paths and the digest of the
 * running set, never criteria content) when the set changed, and an `approval-decision` with
 * decision 'revoked' for each revocation seen for the first time (Act Art. 17–18, 32–33).
 */
export function approvalReloadEntries(result: Extract<SelectionReloadResult, { ok: true }>): LogEntryInput[] {
  const out: LogEntryInput[] = [];
  if (result.digest !== result.previousDigest) {
    out.push({
      type: 'config-change',
      actor: { who: 'sakimori-selection', role: 'system', organisation: 'this instance' },
      changedPaths: result.newlyRevoked.length > 0 ? ['selection.approvals', 'selection.revocationFile'] : ['selection.approvals'],
      configDigest: result.digest,
    });
  }
  for (const r of result.newlyRevoked) {
    out.push({
      type: 'approval-decision',
      approvalId: r.approvalId,
      subject: 'selection-criteria',
      decision: 'revoked',
      decidedBy: { who: r.revokedBy, role: 'commission', organisation: 'commission' },
      ...(r.criteriaHash ? { criteriaHash: r.criteriaHash } : {}),
      validUntil: new Date(r.revokedAtMs).toISOString(),
      ...(r.reason ? { reason: r.reason } : {}),
    });
  }
  return out;
}
