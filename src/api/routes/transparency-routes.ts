import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SakimoriError } from '../../core/errors.js';
import { parseVerifierKey } from '../../core/transparency/checkpoint.js';
import { exportBundle } from '../../transparency/audit-export.js';
import { verifyBundle } from '../../transparency/audit-verify.js';
import type { StoredCheckpoint, TransparencyLog } from '../../transparency/transparency-log.js';
import { toSakimoriError } from '../../transparency/transparency-errors.js';
import { errorSchema } from '../api-schemas.js';

/**
 * Read side of the transparency log for witnesses, auditors and the commission page: the
 * latest checkpoint, inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4) and the
 * entries themselves. Entries are oversight metadata (who accessed selected data, under which
 * approval, with what query), never communications content (docs/reference/transparency-log.md).
 * Hashes are base64, as in C2SP checkpoints.
 */
export interface TransparencyRouteDeps {
  log: TransparencyLog;
}

/** Most entries one /entries request returns. */
export const MAX_ENTRIES_PER_REQUEST = 1000;

const b64 = z.string().openapi({ description: 'base64 (RFC 4648 §4)', example: 'ZdMr8OvEcjRPecAEasaIHUK5RcAbgCQ/bEIOeOKBYAA=' });
const index = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const checkpointSchema = z
  .object({
    origin: z.string(),
    size: z.number(),
    rootHash: b64,
    note: z.string().openapi({ description: 'C2SP signed-note text: tlog-checkpoint body, the log signature, then every cosignature' }),
    logKey: z.string().openapi({ description: 'signed-note verifier key of the log' }),
    witnessKeys: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi('TransparencyCheckpoint');

const errors = {
  400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid or out-of-range parameters' },
};

const checkpointRoute = createRoute({
  method: 'get',
  path: '/api/v1/transparency/checkpoint',
  tags: ['transparency'],
  summary: 'The latest signed checkpoint with its cosignatures',
  responses: {
    200: { content: { 'application/json': { schema: checkpointSchema } }, description: 'Latest checkpoint' },
    404: { content: { 'application/json': { schema: errorSchema } }, description: 'No checkpoint issued yet' },
  },
});

const inclusionRoute = createRoute({
  method: 'get',
  path: '/api/v1/transparency/proof/inclusion',
  tags: ['transparency'],
  summary: 'Inclusion proof of entry `index` in the tree of `size` (RFC 9162 §2.1.3)',
  request: { query: z.object({ index, size: index }) },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ index: z.number(), size: z.number(), leafHash: b64, proof: z.array(b64) }).openapi('InclusionProof') } },
      description: 'Proof, leaf side first',
    },
    ...errors,
  },
});

const consistencyRoute = createRoute({
  method: 'get',
  path: '/api/v1/transparency/proof/consistency',
  tags: ['transparency'],
  summary: 'Consistency proof from tree size `first` to `second` (RFC 9162 §2.1.4)',
  request: { query: z.object({ first: index, second: index }) },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ first: z.number(), second: z.number(), proof: z.array(b64) }).openapi('ConsistencyProof') } },
      description: 'Proof',
    },
    ...errors,
  },
});

const entriesRoute = createRoute({
  method: 'get',
  path: '/api/v1/transparency/entries',
  tags: ['transparency'],
  summary: `Entries with start <= seq < end (at most ${MAX_ENTRIES_PER_REQUEST})`,
  description: '`entry` is the exact leaf data (canonical JSON, RFC 8785); its SHA-256 with a 0x00 prefix is `leafHash`.',
  request: { query: z.object({ start: index, end: index }) },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({ size: z.number(), entries: z.array(z.object({ seq: z.number(), entry: z.string(), leafHash: b64, appendedAt: z.string() })) })
            .openapi('TransparencyEntries'),
        },
      },
      description: 'Entries in sequence order',
    },
    ...errors,
  },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/transparency/status',
  tags: ['transparency'],
  summary: 'Log size, the latest checkpoint in brief, and the verifier keys (for the commission page)',
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              size: z.number(),
              latestCheckpoint: z
                .object({
                  size: z.number(),
                  rootHash: b64,
                  origin: z.string(),
                  createdAt: z.string(),
                  signers: z.array(z.string()).openapi({ description: 'key names: the log first, then each cosigning witness' }),
                  cosigned: z.boolean(),
                })
                .nullable(),
              verifierKeys: z.array(z.string()).openapi({ description: "the log's key, then every witness key seen on a checkpoint" }),
            })
            .openapi('TransparencyStatus'),
        },
      },
      description: 'Status',
    },
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/api/v1/transparency/verify',
  tags: ['transparency'],
  summary: 'Runs the offline audit verification (as `sakimori audit verify`) over the current log contents',
  description:
    'Exports an audit bundle of the log as it is now and verifies it with the same code as the CLI, trusting the keys listed by /status. ' +
    'A convenience for the operator and commission page; it does not replace an auditor verifying a bundle with keys they hold.',
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              ok: z.boolean(),
              checkedEntries: z.number(),
              checkedCheckpoints: z.number(),
              firstProblem: z.string().optional(),
              durationMs: z.number(),
            })
            .openapi('TransparencyVerifyResult'),
        },
      },
      description: 'Verification result (ok=false is still 200: the check ran and found a problem)',
    },
  },
});

export function transparencyRoutes(deps: TransparencyRouteDeps): OpenAPIHono {
  // Same validation hook as createApp: a bad query is a coded SAKI_ERR_VALIDATION, not zod's shape.
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new SakimoriError('SAKI_ERR_VALIDATION', issues.join('; '), { details: { issues } });
      }
    },
  });
  const { log } = deps;
  const coded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toSakimoriError(e);
    }
  };
  const base64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

  app.openapi(checkpointRoute, async (c) => {
    const cp = await log.latestCheckpoint();
    if (!cp) throw new SakimoriError('SAKI_ERR_NOT_FOUND', 'no checkpoint has been issued yet');
    return c.json(checkpointJson(log.origin, cp), 200);
  });

  app.openapi(inclusionRoute, async (c) => {
    const { index: i, size } = c.req.valid('query');
    const proof = await coded(() => log.inclusionProof(i, size));
    const [leaf] = await log.storedHashes(0, i, i + 1);
    return c.json({ index: i, size, leafHash: leaf ? base64(leaf) : '', proof: proof.map(base64) }, 200);
  });

  app.openapi(consistencyRoute, async (c) => {
    const { first, second } = c.req.valid('query');
    const proof = await coded(() => log.consistencyProof(first, second));
    return c.json({ first, second, proof: proof.map(base64) }, 200);
  });

  app.openapi(entriesRoute, async (c) => {
    const { start, end } = c.req.valid('query');
    if (end < start || end - start > MAX_ENTRIES_PER_REQUEST) {
      throw new SakimoriError('SAKI_ERR_PROOF_RANGE', `need start <= end <= start + ${MAX_ENTRIES_PER_REQUEST}`);
    }
    const [size, rows] = await Promise.all([log.size(), log.entries(start, end)]);
    return c.json({ size, entries: rows.map((r) => ({ seq: r.seq, entry: r.entry, leafHash: base64(r.leafHash), appendedAt: r.appendedAt })) }, 200);
  });
  app.openapi(statusRoute, async (c) => {
    const [size, cp, all] = await Promise.all([log.size(), log.latestCheckpoint(), log.checkpoints()]);
    return c.json(
      {
        size,
        latestCheckpoint: cp
          ? {
              size: cp.size,
              rootHash: base64(cp.rootHash),
              origin: log.origin,
              createdAt: cp.createdAt,
              signers: [cp.logKey, ...cp.witnessKeys].map(keyName),
              cosigned: cp.witnessKeys.length > 0,
            }
          : null,
        verifierKeys: verifierKeys(log.logKeys, all),
      },
      200,
    );
  });

  app.openapi(verifyRoute, async (c) => {
    const t0 = performance.now();
    const dir = mkdtempSync(join(tmpdir(), 'sakimori-verify-'));
    try {
      // The very export and verification `sakimori audit export` + `audit verify` run, on a
      // private temporary bundle that is removed afterwards.
      await coded(() => exportBundle(log, dir));
      // The log's first key is the anchor; later ones must follow from it by endorsed rotations.
      const keys = verifierKeys(log.logKeys.slice(0, 1), await log.checkpoints());
      let report;
      try {
        report = verifyBundle(dir, { trustedKeys: keys }).report;
      } catch (e) {
        // The bundle could not even be checked (e.g. no usable log key): a failed verification.
        const err = toSakimoriError(e);
        if (!(err instanceof SakimoriError)) throw err;
        return c.json({ ok: false, checkedEntries: 0, checkedCheckpoints: 0, firstProblem: `${err.code}: ${err.message}`, durationMs: Math.round(performance.now() - t0) }, 200);
      }
      const first = report.problems[0];
      return c.json(
        {
          ok: report.ok,
          checkedEntries: report.entries,
          checkedCheckpoints: report.checkpoints.length,
          ...(first ? { firstProblem: `[${first.kind}] ${first.message}` } : {}),
          durationMs: Math.round(performance.now() - t0),
        },
        200,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return app;
}

function keyName(vkey: string): string {
  try {
    return parseVerifierKey(vkey).name;
  } catch {
    return vkey.split('+')[0];
  }
}

/**
 * The keys this server vouches for: its own log keys (the key history beside the key file it
 * signs with, oldest first) and every witness key seen on a checkpoint. Keys that signed stored
 * checkpoints as the log are listed only when the server has no key files (opened read-only).
 */
function verifierKeys(logKeys: readonly string[], checkpoints: readonly StoredCheckpoint[]): string[] {
  const own = logKeys.length > 0 ? logKeys : checkpoints.map((c) => c.logKey);
  return [...new Set([...own, ...checkpoints.flatMap((c) => c.witnessKeys)])];
}

function checkpointJson(origin: string, cp: StoredCheckpoint) {
  return {
    origin,
    size: cp.size,
    rootHash: Buffer.from(cp.rootHash).toString('base64'),
    note: cp.note,
    logKey: cp.logKey,
    witnessKeys: [...cp.witnessKeys],
    createdAt: cp.createdAt,
  };
}
