import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SakimoriError } from '../../core/errors.js';
import { ORGANISATION_ID } from '../../core/selection/approval.js';
import type { SelectedFlowQueries } from '../../storage/selected-flow-store.js';
import type { TransparencyLog } from '../../transparency/transparency-log.js';
import { errorSchema } from '../api-schemas.js';

/**
 * Purpose-bound read of selected records (Act Art. 23): the reader states who they are, the role
 * they act in and why they read; the read is appended to the transparency log before any data is
 * returned, and if it cannot be recorded nothing is returned.
 *
 * PLACEHOLDER IDENTITY: x-sakimori-user / x-sakimori-role / x-sakimori-organisation are taken as
 * given until real authentication arrives; anyone who can reach the API can claim any role.
 */
export interface SelectedRouteDeps {
  queries: SelectedFlowQueries;
  transparency: TransparencyLog;
  /**
   * Ids of the agreement approvals (協定, ch. 3) that name `operator` as the consenting operator:
   * the results that go back to it. Absent: no operator reads anything.
   */
  agreementsOf?(operator: string): string[];
}

/**
 * Roles that may read selected records: the cyber office's analysts and the commission (oversight)
 * read all of them; an `operator` (x-sakimori-organisation required) reads only the records of the
 * agreements that name it, since under an agreement the results go back to the consenting operator.
 */
export const SELECTED_READER_ROLES: readonly string[] = ['cyber-office-analyst', 'commission', 'operator'];

const ORGANISATION_OF_ROLE: Record<string, string> = { 'cyber-office-analyst': 'cyber-office', commission: 'commission' };
/** The transparency log's identifier alphabet (core/transparency/log-entry.ts). */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;
const SINGLE_LINE = /^[^\p{Cc}\p{Cs}]*$/u;

const selectedRecordSchema = z
  .object({
    id: z.number(),
    approvalId: z.string(),
    criteria: z.array(z.string()),
    storedAt: z.string(),
    fields: z.record(z.string(), z.unknown()).openapi({ description: 'Only the fields the approved criteria document allows; domestic src/dst are pseudonyms ("p1:…")' }),
  })
  .openapi('SelectedRecord');

const selectedRoute = createRoute({
  method: 'get',
  path: '/api/v1/selected',
  tags: ['selection'],
  summary: 'Most recent selected records, purpose-bound; every read is recorded in the transparency log first',
  description:
    'Query: purpose (8–500 characters, one line, required), limit (1–1000, default 50). Headers: x-sakimori-user (required), ' +
    'x-sakimori-role (cyber-office-analyst, commission, or operator), x-sakimori-organisation (optional; required for operator, ' +
    'who reads only the records of the agreement approvals that name its organisation). The headers are a placeholder ' +
    'identity until real authentication arrives.',
  responses: {
    200: { content: { 'application/json': { schema: z.object({ records: z.array(selectedRecordSchema), accessEntrySeq: z.number() }) } }, description: 'Records, newest first' },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Missing or invalid purpose or limit' },
    401: { content: { 'application/json': { schema: errorSchema } }, description: 'No x-sakimori-user' },
    403: { content: { 'application/json': { schema: errorSchema } }, description: 'Role may not read selected records' },
    500: { content: { 'application/json': { schema: errorSchema } }, description: 'The read could not be recorded; no data returned' },
  },
});

export function selectedRoutes(deps: SelectedRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(selectedRoute, async (c) => {
    const who = c.req.header('x-sakimori-user');
    if (!who) throw new SakimoriError('SAKI_ERR_UNAUTHENTICATED', 'x-sakimori-user is required');
    if (!USER_ID.test(who)) throw new SakimoriError('SAKI_ERR_UNAUTHENTICATED', 'x-sakimori-user is not a valid user id');
    const role = c.req.header('x-sakimori-role') ?? '';
    if (!SELECTED_READER_ROLES.includes(role)) throw new SakimoriError('SAKI_ERR_FORBIDDEN', 'only cyber-office-analyst, commission and operator may read selected records');
    const purpose = c.req.query('purpose') ?? '';
    if (purpose.trim().length < 8 || purpose.length > 500 || !SINGLE_LINE.test(purpose)) {
      throw new SakimoriError('SAKI_ERR_VALIDATION', 'purpose is required: 8–500 characters on one line');
    }
    const limitText = c.req.query('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000) throw new SakimoriError('SAKI_ERR_VALIDATION', 'limit must be an integer 1–1000');
    const organisationHeader = c.req.header('x-sakimori-organisation');
    let organisation: string;
    let approvals: string[] | undefined;
    if (role === 'operator') {
      if (!organisationHeader || !ORGANISATION_ID.test(organisationHeader)) {
        throw new SakimoriError('SAKI_ERR_FORBIDDEN', 'an operator reads as its organisation: x-sakimori-organisation is required');
      }
      organisation = organisationHeader;
      approvals = deps.agreementsOf?.(organisation) ?? [];
    } else {
      organisation = organisationHeader && organisationHeader.length <= 200 && SINGLE_LINE.test(organisationHeader) ? organisationHeader : ORGANISATION_OF_ROLE[role];
    }

    const records = await deps.queries.recent(limit, approvals);
    const query = approvals === undefined ? `GET /api/v1/selected limit=${limit}` : `GET /api/v1/selected limit=${limit} approvals=${approvals.join(',')}`.slice(0, 4000);
    let seq: number;
    try {
      const receipt = await deps.transparency.append([{ type: 'selected-data-access', actor: { who, role, organisation }, purpose, query, resultCount: records.length }]);
      seq = receipt.firstSeq;
    } catch (e) {
      // Art. 23: an unrecorded read must not happen, so the data stays here.
      throw new SakimoriError('SAKI_ERR_INTERNAL', 'the read could not be recorded in the transparency log; no data returned', { cause: e });
    }
    return c.json({ records, accessEntrySeq: seq }, 200);
  });
  return app;
}
