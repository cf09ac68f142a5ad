/**
 * Per-batch selection attestation (Act Art. 22/35 oversight): what ran, under which approval and
 * criteria, over which time window, and how much was kept and erased. Counts only, never a
 * record, so it can be published in the transparency log.
 */
import type { Channel } from './approval.js';
import type { SelectionCounts } from './selector.js';

export interface SelectionAttestation {
  type: 'sakimori.selection.attestation/v1';
  channel: Channel;
  approvalId: string;
  criteriaHash: string;
  /** ISO 8601, the batch's time window (as the caller defines it: receive time or flow time). */
  windowStart: string;
  windowEnd: string;
  counts: { in: number; selected: number; erased: number; domesticDomestic: number; outOfScope: number; perCriterion: Record<string, number> };
  softwareVersion: string;
}

export function selectionAttestation(input: {
  /** With `criterionIds`, every criterion is listed (0 when it kept nothing). */
  selector: { channel: Channel; approvalId: string; criteriaHash: string; criterionIds?: readonly string[] };
  counts: SelectionCounts;
  windowStart: number | Date;
  windowEnd: number | Date;
  softwareVersion: string;
}): SelectionAttestation {
  const iso = (t: number | Date) => new Date(t).toISOString();
  const c = input.counts;
  const perCriterion: Record<string, number> = {};
  for (const id of input.selector.criterionIds ?? []) perCriterion[id] = 0;
  Object.assign(perCriterion, c.perCriterion);
  return {
    type: 'sakimori.selection.attestation/v1',
    channel: input.selector.channel,
    approvalId: input.selector.approvalId,
    criteriaHash: input.selector.criteriaHash,
    windowStart: iso(input.windowStart),
    windowEnd: iso(input.windowEnd),
    counts: {
      in: c.in,
      selected: c.selected,
      erased: c.erased,
      domesticDomestic: c.domesticDomestic,
      outOfScope: c.outOfScope,
      perCriterion,
    },
    softwareVersion: input.softwareVersion,
  };
}
