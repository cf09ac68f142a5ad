import type { SelectionAttestation } from '../core/selection/attestation.js';
import type { LogEntryInput } from '../core/transparency/log-entry.js';

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
