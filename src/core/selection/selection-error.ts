import { ERROR_CATALOGUE, SakimoriError } from '../errors.js';

/**
 * Coded errors of approved automated selection (自動選別, Act Art. 22/35): the SAKI_ERR_APPROVAL_*
 * and SAKI_ERR_CRITERIA_INVALID entries of the one catalogue in src/core/errors.ts.
 * Messages never carry flow content or key material.
 */
export const SELECTION_ERROR_CODES = [
  'SAKI_ERR_APPROVAL_FORGED',
  'SAKI_ERR_APPROVAL_ALTERED',
  'SAKI_ERR_APPROVAL_EXPIRED',
  'SAKI_ERR_APPROVAL_UNKNOWN_KEY',
  'SAKI_ERR_APPROVAL_QUORUM',
  'SAKI_ERR_CRITERIA_INVALID',
] as const;

export type SelectionErrorCode = (typeof SELECTION_ERROR_CODES)[number];

export const SELECTION_ERRORS = Object.fromEntries(SELECTION_ERROR_CODES.map((c) => [c, ERROR_CATALOGUE[c]])) as Pick<typeof ERROR_CATALOGUE, SelectionErrorCode>;

export class SelectionError extends SakimoriError {
  declare readonly code: SelectionErrorCode;

  constructor(code: SelectionErrorCode, detail?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, detail, options);
    this.name = 'SelectionError';
  }
}
