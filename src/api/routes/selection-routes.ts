import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Collector } from '../../collector/collector.js';
import { CHANNELS } from '../../core/selection/approval.js';
import { approvalState } from '../../selection/approval-set.js';

/**
 * What approved selection (自動選別, Act Art. 22) is doing right now: the channels and the feeds
 * bound to them, each approval with its validity state, criteria hash and counts since start, and
 * the last two minutes of selection ratios. Counts, ids and hashes only: never a record, never a
 * criterion's content beyond its id. A carrier-role instance runs no selection and says so.
 */
export interface SelectionRouteDeps {
  role: 'carrier' | 'cyber-office';
  selectionStatus(): ReturnType<Collector['selectionStatus']>;
}

const countsSchema = z.object({
  in: z.number(),
  selected: z.number(),
  erased: z.number(),
  domesticDomestic: z.number(),
  outOfScope: z.number(),
  perCriterion: z.record(z.string(), z.number()).openapi({ description: 'Records kept per criterion id' }),
});

const approvalSchema = z
  .object({
    id: z.string(),
    channel: z.enum(CHANNELS),
    feeds: z.array(z.string()),
    operator: z.string().optional().openapi({ description: 'Agreement (ch. 3) only: the consenting operator, who may read this approval\'s selected records' }),
    criteriaHash: z.string().openapi({ description: 'SHA-256 of the approved criteria document (canonical JSON)' }),
    criteriaIds: z.array(z.string()),
    validFrom: z.string(),
    validTo: z.string(),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
    state: z.enum(['valid', 'expired', 'revoked', 'not-yet-valid']),
    source: z.string().openapi({ description: 'File name the approval was loaded from' }),
    counts: countsSchema.openapi({ description: 'Since start, carried across reloads' }),
  })
  .openapi('SelectionApproval');

const ratio = z.number().nullable().openapi({ description: 'selected / in over the second; null when nothing came in' });

export const selectionStatusSchema = z
  .object({
    role: z.enum(['carrier', 'cyber-office']),
    enabled: z.boolean(),
    note: z.string().optional(),
    now: z.string(),
    totals: z.object({ in: z.number(), selected: z.number(), erased: z.number() }),
    channels: z.array(z.object({ channel: z.enum(CHANNELS), feeds: z.array(z.string()), approvalIds: z.array(z.string()) })),
    approvals: z.array(approvalSchema),
    refused: z.array(z.object({ file: z.string(), code: z.string() })).openapi({ description: 'Approvals refused at start-up (code and file name only)' }),
    lastReload: z.object({ at: z.string(), trigger: z.string(), ok: z.boolean(), code: z.string().optional() }).nullable(),
    history: z.array(
      z.object({
        t: z.number(),
        in: z.number(),
        selected: z.number(),
        erased: z.number(),
        ratio,
        perApproval: z.record(z.string(), z.object({ in: z.number(), selected: z.number(), ratio })),
      }),
    ),
  })
  .openapi('SelectionStatus');

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/selection/status',
  tags: ['selection'],
  summary: 'Approved selection: channels and feeds, approvals with validity state, live counts and selection ratios',
  description: 'In the carrier role there is no selection: enabled is false and note says so.',
  responses: { 200: { content: { 'application/json': { schema: selectionStatusSchema } }, description: 'Selection status' } },
});

const ratioOf = (selected: number, n: number) => (n > 0 ? selected / n : null);

export function selectionRoutes(deps: SelectionRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(statusRoute, (c) => {
    const now = Date.now();
    const s = deps.role === 'cyber-office' ? deps.selectionStatus() : undefined;
    if (!s) {
      return c.json(
        {
          role: deps.role,
          enabled: false,
          note: 'carrier role: this instance runs no approved selection; it collects flows for the carrier only (Act Art. 22 applies to cyber-office instances)',
          now: new Date(now).toISOString(),
          totals: { in: 0, selected: 0, erased: 0 },
          channels: [],
          approvals: [],
          refused: [],
          lastReload: null,
          history: [],
        },
        200,
      );
    }
    const zero = { in: 0, selected: 0, erased: 0, domesticDomestic: 0, outOfScope: 0, perCriterion: {} };
    const approvals = s.approvals.map((a) => ({
      id: a.id,
      channel: a.channel,
      feeds: a.feeds,
      ...(a.operator !== undefined ? { operator: a.operator } : {}),
      criteriaHash: a.criteriaHash,
      criteriaIds: a.criteriaIds,
      validFrom: a.validFrom,
      validTo: a.validTo,
      ...(a.revokedAt ? { revokedAt: a.revokedAt, revokedBy: a.revokedBy } : {}),
      state: approvalState(a, now),
      source: a.source,
      counts: s.counts[a.id] ?? zero,
    }));
    const channels = CHANNELS.map((channel) => {
      const of = s.approvals.filter((a) => a.channel === channel);
      return { channel, feeds: [...new Set(of.flatMap((a) => a.feeds))].sort(), approvalIds: of.map((a) => a.id) };
    }).filter((ch) => ch.approvalIds.length > 0);
    const history = s.history.map((h) => ({
      ...h,
      ratio: ratioOf(h.selected, h.in),
      perApproval: Object.fromEntries(Object.entries(h.perApproval).map(([id, p]) => [id, { ...p, ratio: ratioOf(p.selected, p.in) }])),
    }));
    return c.json(
      {
        role: deps.role,
        enabled: true,
        now: new Date(now).toISOString(),
        totals: { in: s.in, selected: s.selected, erased: s.erased },
        channels,
        approvals,
        refused: s.refused,
        lastReload: s.lastReload ?? null,
        history,
      },
      200,
    );
  });
  return app;
}
