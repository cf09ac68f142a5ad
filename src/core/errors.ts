/**
 * The catalogue of coded errors (Fastify's FST_ERR_* pattern). Every code is documented in
 * docs/reference/errors.md; test/core/errors.test.ts fails if one is not.
 * Messages never carry communications content, report bodies, passwords or tokens.
 */
export const ERROR_CATALOGUE = {
  SAKI_ERR_CONFIG_INVALID: { status: 500, message: 'configuration is invalid' },
  SAKI_ERR_CONFIG_UNREADABLE: { status: 500, message: 'configuration file cannot be read' },
  SAKI_ERR_CLI_USAGE: { status: 400, message: 'invalid command-line usage' },
  SAKI_ERR_DECODE_MALFORMED: { status: 400, message: 'flow export datagram is malformed' },
  SAKI_ERR_DECODE_UNSUPPORTED: { status: 400, message: 'flow export format or version is not supported' },
  SAKI_ERR_CAPTURE_UNREADABLE: { status: 400, message: 'capture file cannot be read' },
  SAKI_ERR_CAPTURE_FORMAT: { status: 400, message: 'capture file is not pcap, pcapng or a raw export payload' },
  SAKI_ERR_CAPTURE_TRUNCATED: { status: 400, message: 'capture file is truncated' },
  SAKI_ERR_LISTEN_FAILED: { status: 500, message: 'cannot listen on the configured address' },
  SAKI_ERR_STORAGE: { status: 500, message: 'storage operation failed' },
  SAKI_ERR_VALIDATION: { status: 400, message: 'request does not match the schema' },
  SAKI_ERR_NOT_FOUND: { status: 404, message: 'resource not found' },
  SAKI_ERR_UNAUTHENTICATED: { status: 401, message: 'authentication required' },
  SAKI_ERR_FORBIDDEN: { status: 403, message: 'role is not allowed to do this' },
  SAKI_ERR_APPROVAL_FORGED: { status: 422, message: 'an approval signature does not verify' },
  SAKI_ERR_APPROVAL_ALTERED: { status: 422, message: 'approval or criteria differ from what was approved' },
  SAKI_ERR_APPROVAL_EXPIRED: { status: 422, message: 'approval is expired or not yet valid' },
  SAKI_ERR_APPROVAL_UNKNOWN_KEY: { status: 422, message: 'approval is signed by a key that is not trusted' },
  SAKI_ERR_APPROVAL_QUORUM: { status: 422, message: 'approval has too few distinct approvers' },
  SAKI_ERR_CRITERIA_INVALID: { status: 400, message: 'criteria document is invalid' },
  SAKI_ERR_REVOCATION_INVALID: { status: 400, message: 'approval revocation list is invalid' },
  SAKI_ERR_SELECTION_RELOAD_REFUSED: { status: 422, message: 'new approval set refused; the previous set stays active' },
  SAKI_ERR_INTERNAL: { status: 500, message: 'internal error' },
  SAKI_ERR_PROOF_RANGE: { status: 400, message: 'Merkle index or tree size is out of range' },
  SAKI_ERR_PROOF_MALFORMED: { status: 400, message: 'Merkle proof is malformed' },
  SAKI_ERR_PROOF_INVALID: { status: 422, message: 'Merkle proof does not verify' },
  SAKI_ERR_MERKLE_NODE_MISSING: { status: 500, message: 'a stored Merkle tree node is missing' },
  SAKI_ERR_NOTE_MALFORMED: { status: 400, message: 'signed note is malformed' },
  SAKI_ERR_NOTE_KEY_INVALID: { status: 400, message: 'signed-note key is invalid' },
  SAKI_ERR_NOTE_KEY_AMBIGUOUS: { status: 400, message: 'two verifier keys share a name and key ID' },
  SAKI_ERR_NOTE_SIGNATURE_INVALID: { status: 422, message: 'a signature by a known key does not verify' },
  SAKI_ERR_NOTE_UNVERIFIED: { status: 422, message: 'signed note has no signature by a known key' },
  SAKI_ERR_CHECKPOINT_MALFORMED: { status: 400, message: 'checkpoint is malformed' },
  SAKI_ERR_LOG_ENTRY_INVALID: { status: 400, message: 'transparency log entry is invalid' },
  SAKI_ERR_LOG_KEY_UNUSABLE: { status: 500, message: 'transparency log signing key cannot be used' },
  SAKI_ERR_LOG_KEY_RETIRED: { status: 409, message: 'transparency log key was replaced by a rotation' },
  SAKI_ERR_LOG_CORRUPT: { status: 500, message: 'stored transparency log is inconsistent' },
  SAKI_ERR_WITNESS_REFUSED: { status: 409, message: 'witness refuses to cosign the checkpoint' },
  SAKI_ERR_AUDIT_BUNDLE_UNREADABLE: { status: 400, message: 'audit bundle cannot be read' },
  SAKI_ERR_AUDIT_VERIFY_FAILED: { status: 422, message: 'audit verification failed' },
  SAKI_ERR_DETECTION_INVALID: { status: 400, message: 'detection does not match the detection contract' },
  SAKI_ERR_HUB_SUBMISSION_INVALID: { status: 400, message: 'hub submission is malformed' },
  SAKI_ERR_HUB_UNKNOWN_CARRIER: { status: 403, message: 'hub submission is from a carrier the hub does not know' },
  SAKI_ERR_HUB_SIGNATURE_INVALID: { status: 422, message: 'hub document signature does not verify' },
  SAKI_ERR_HUB_SUBMISSION_STALE: { status: 422, message: 'hub submission is too old, from the future, or older than the last one accepted' },
  SAKI_ERR_HUB_SUBMISSION_REPLAYED: { status: 409, message: 'hub submission was already accepted' },
  SAKI_ERR_HUB_VET_TRANSITION: { status: 409, message: 'vetting status change is not allowed' },
  SAKI_ERR_HUB_KEY_UNUSABLE: { status: 500, message: 'hub or carrier signing key cannot be used' },
  SAKI_ERR_HUB_PUSH_FAILED: { status: 502, message: 'the hub refused the submission or could not be reached' },
  SAKI_ERR_DARKNET_PREFIX: { status: 400, message: 'darknet prefix list is invalid' },
  SAKI_ERR_DDOS_CONFIG: { status: 400, message: 'DDoS detection settings are invalid' },
  SAKI_ERR_NOTIFY_STATUS: { status: 400, message: 'unknown notification status' },
  SAKI_ERR_NOTIFY_TRANSITION: { status: 409, message: 'notification status change is not allowed' },
  SAKI_ERR_SEEDS_INVALID: { status: 400, message: 'seed list is invalid' },
  SAKI_ERR_SEEDS_UNREADABLE: { status: 400, message: 'seed list file cannot be read' },
  SAKI_ERR_SELECTED_BLOCK_CORRUPT: { status: 500, message: 'a stored block of selected records is corrupt' },
  SAKI_ERR_NATIVE_UNAVAILABLE: { status: 500, message: 'the native accelerators are required but not available' },
  SAKI_ERR_NATIVE_ARGUMENT: { status: 500, message: 'a native accelerator was called with a wrong argument' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class SakimoriError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    const base = ERROR_CATALOGUE[code].message;
    super(detail ? `${base}: ${detail}` : base, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'SakimoriError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = options?.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isSakimoriError(e: unknown): e is SakimoriError {
  return e instanceof SakimoriError;
}
