/** GET /api/v1/transparency/status (src/api/routes/transparency-routes.ts). */
export interface TransparencyStatus {
  size: number;
  latestCheckpoint: {
    size: number;
    /** base64 */
    rootHash: string;
    origin: string;
    createdAt: string;
    /** Key names: the log first, then each cosigning witness. */
    signers: string[];
    cosigned: boolean;
  } | null;
  /** Signed-note verifier keys: the log's, then the witnesses'. */
  verifierKeys: string[];
}

/** POST /api/v1/transparency/verify: the `sakimori audit verify` check over the live log. */
export interface TransparencyVerifyResult {
  ok: boolean;
  checkedEntries: number;
  checkedCheckpoints: number;
  firstProblem?: string;
  durationMs: number;
}
