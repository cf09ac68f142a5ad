/**
 * Coded errors of approved automated selection (自動選別, Act Art. 22/35). They follow the
 * SAKI_ERR_* pattern of src/core/errors.ts; they live here until the catalogue there takes them.
 * Messages never carry flow content or key material.
 */
export const SELECTION_ERRORS = {
  SAKI_ERR_APPROVAL_FORGED: { status: 422, message: 'an approval signature does not verify' },
  SAKI_ERR_APPROVAL_ALTERED: { status: 422, message: 'approval or criteria differ from what was approved' },
  SAKI_ERR_APPROVAL_EXPIRED: { status: 422, message: 'approval is expired or not yet valid' },
  SAKI_ERR_APPROVAL_UNKNOWN_KEY: { status: 422, message: 'approval is signed by a key that is not trusted' },
  SAKI_ERR_APPROVAL_QUORUM: { status: 422, message: 'approval has too few distinct approvers' },
  SAKI_ERR_CRITERIA_INVALID: { status: 400, message: 'criteria document is invalid' },
} as const;

export type SelectionErrorCode = keyof typeof SELECTION_ERRORS;

export class SelectionError extends Error {
  readonly code: SelectionErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: SelectionErrorCode, detail?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    const base = SELECTION_ERRORS[code].message;
    super(detail ? `${base}: ${detail}` : base, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SelectionError';
    this.code = code;
    this.status = SELECTION_ERRORS[code].status;
    this.details = options?.details;
  }

  toJSON(): { code: SelectionErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}
