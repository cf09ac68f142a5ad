/** GET /api/v1/selection/status and GET /api/v1/selected (src/api/routes/selection-routes.ts, selected-routes.ts). */
export type SelectionChannel = 'agreement' | 'foreign-foreign' | 'foreign-domestic';
export type ApprovalState = 'valid' | 'expired' | 'revoked' | 'not-yet-valid';

export interface SelectionCounts {
  in: number;
  selected: number;
  erased: number;
  domesticDomestic: number;
  outOfScope: number;
  perCriterion: Record<string, number>;
}

export interface SelectionApproval {
  id: string;
  channel: SelectionChannel;
  feeds: string[];
  /** Agreement only: the consenting operator, who may read this approval's selected records. */
  operator?: string;
  criteriaHash: string;
  criteriaIds: string[];
  validFrom: string;
  validTo: string;
  revokedAt?: string;
  revokedBy?: string;
  state: ApprovalState;
  source: string;
  counts: SelectionCounts;
}

export interface SelectionSample {
  t: number;
  in: number;
  selected: number;
  erased: number;
  ratio: number | null;
  perApproval: Record<string, { in: number; selected: number; ratio: number | null }>;
}

export interface SelectionStatus {
  role: 'carrier' | 'cyber-office';
  enabled: boolean;
  note?: string;
  now: string;
  totals: { in: number; selected: number; erased: number };
  channels: { channel: SelectionChannel; feeds: string[]; approvalIds: string[] }[];
  approvals: SelectionApproval[];
  refused: { file: string; code: string }[];
  lastReload: { at: string; trigger: string; ok: boolean; code?: string } | null;
  history: SelectionSample[];
}

export interface SelectedRecordView {
  id: number;
  approvalId: string;
  criteria: string[];
  storedAt: string;
  fields: Record<string, unknown>;
}

export interface SelectedReadResult {
  records: SelectedRecordView[];
  /** Position of the selected-data-access entry that recorded this read in the transparency log. */
  accessEntrySeq: number;
}

/** Roles the API lets read selected records (Act Art. 23). */
export const READER_ROLES = ['cyber-office-analyst', 'commission', 'operator'] as const;
export type ReaderRole = (typeof READER_ROLES)[number];
