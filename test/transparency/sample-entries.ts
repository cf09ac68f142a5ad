import type { LogEntryInput } from '../../src/core/transparency/log-entry.js';

const HASH = 'a'.repeat(64);
const analyst = { who: 'analyst-017', role: 'cyber-office-analyst', organisation: 'National Cybersecurity Office' };
const commission = { who: 'member-2', role: 'commission', organisation: 'サイバー通信情報監理委員会' };

/** One valid entry of every type; `i` varies the content so leaves differ. */
export function sampleEntry(i: number): LogEntryInput {
  switch (i % 7) {
    case 0:
      return {
        type: 'selection-attestation',
        channel: 'foreign-foreign',
        approvalId: `APR-2026-${i}`,
        criteriaHash: HASH,
        windowStart: '2026-11-01T00:00:00.000Z',
        windowEnd: '2026-11-01T00:01:00.000Z',
        counts: { in: 1000 + i, selected: 3, erased: 997 + i, domesticDomestic: 10, outOfScope: 5, perCriterion: { 'c2-list': 3 } },
        softwareVersion: '0.1.0',
      };
    case 1:
      return { type: 'selected-data-access', actor: analyst, purpose: 'trace C&C server of IoT botnet', basisId: `APR-2026-${i}`, query: `dst_port=23 AND dst=203.0.113.${i % 250}`, resultCount: i };
    case 2:
      return { type: 'approval-decision', approvalId: `APR-2026-${i}`, subject: 'foreign-transit-acquisition', decision: 'approved', decidedBy: commission, criteriaHash: HASH, validFrom: '2026-11-01T00:00:00.000Z' };
    case 3:
      return { type: 'case-transition', caseId: `NTR-${i}`, from: 'requested', to: 'authorized', actor: { who: 'cmdr-1', role: 'commander', organisation: 'NPA' } };
    case 4:
      return { type: 'report-routing', reportId: `RPT-${i}`, event: 'routed', recipients: ['ministry:meti', 'pm:cyber-office'] };
    case 5:
      return {
        type: 'key-rotation',
        keyName: 'commission.example',
        newKey: 'commission.example+cf9f8c9c+Ae9v9CJf+vf7+pNzVExWZqO6AVJQk3UxOz42s54NNUQM',
        actor: commission,
      };
    default:
      return { type: 'config-change', actor: analyst, changedPaths: ['collector.flowRetentionHours'], configDigest: HASH };
  }
}

export function sampleEntries(n: number, offset = 0): LogEntryInput[] {
  return Array.from({ length: n }, (_, i) => sampleEntry(offset + i));
}
