import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SakimoriError } from '../../core/errors.js';
import { VET_STATUSES, type VetStatus } from '../../core/share/hub-merge.js';
import type { HubService } from '../../hub/hub-service.js';
import { errorSchema } from '../api-schemas.js';

/**
 * Hub mode (docs/reference/sharing.md#hub-protocol). Submissions authenticate by their Ed25519
 * signature. Vetting uses the PLACEHOLDER IDENTITY header x-sakimori-user (as the selected-records
 * route does) until real authentication arrives: anyone who can reach the API can vet.
 */
export interface HubRouteDeps {
  service: HubService;
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/;

const signature = z.object({ keyId: z.string(), alg: z.literal('ed25519'), value: z.string() }).openapi('HubSignature');
const listEntry = z.object({
  ip: z.string(),
  port: z.number().int(),
  proto: z.number().int(),
  score: z.number(),
  firstSeen: z.number().int(),
  lastSeen: z.number().int(),
  detectors: z.array(z.string()),
});

const submissionBody = z
  .object({
    document: z.object({ type: z.literal('sakimori-c2-list'), version: z.literal(1), carrierId: z.string(), generatedAt: z.number().int(), entries: z.array(listEntry) }),
    signature,
  })
  .openapi('HubSubmission');

const errors = (codes: Record<number, string>) =>
  Object.fromEntries(Object.entries(codes).map(([s, d]) => [s, { content: { 'application/json': { schema: errorSchema } }, description: d }]));

const submitRoute = createRoute({
  method: 'post',
  path: '/api/v1/hub/submissions',
  tags: ['hub'],
  summary: "A carrier's signed C&C list; replaces that carrier's previous list",
  description: 'Ed25519 over the canonical JSON of `document`; `signature.keyId` is the carrierId. Refusals store nothing.',
  request: { body: { content: { 'application/json': { schema: submissionBody } }, required: true } },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ carrierId: z.string(), entries: z.number(), digest: z.string(), submissionId: z.number() }).openapi('HubReceipt') } },
      description: 'Accepted',
    },
    ...errors({
      400: 'SAKI_ERR_HUB_SUBMISSION_INVALID',
      403: 'SAKI_ERR_HUB_UNKNOWN_CARRIER',
      409: 'SAKI_ERR_HUB_SUBMISSION_REPLAYED',
      422: 'SAKI_ERR_HUB_SIGNATURE_INVALID or SAKI_ERR_HUB_SUBMISSION_STALE',
    }),
  },
});

const hubEntry = z
  .object({
    ip: z.string(),
    port: z.number(),
    proto: z.number(),
    score: z.number().openapi({ description: 'corroboration score: 1 − Π(1 − score_c·2^(−age_c/halfLife))' }),
    carriers: z.array(z.object({ carrierId: z.string(), score: z.number(), lastSeen: z.number(), detectors: z.array(z.string()) })),
    firstSeen: z.number(),
    lastSeen: z.number(),
    status: z.enum(['pending', 'vetted', 'published', 'rejected', 'allowlisted']),
    allowlistedBy: z.string().optional(),
    note: z.string(),
    vettedBy: z.string().optional(),
    vettedAt: z.number().optional(),
  })
  .openapi('HubEntry');

const entriesRoute = createRoute({
  method: 'get',
  path: '/api/v1/hub/entries',
  tags: ['hub'],
  summary: 'The merged list (all statuses), highest corroboration score first',
  request: { query: z.object({ status: z.enum(['pending', 'vetted', 'published', 'rejected', 'allowlisted']).optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) }) },
  responses: { 200: { content: { 'application/json': { schema: z.object({ total: z.number(), entries: z.array(hubEntry) }) } }, description: 'Merged entries' } },
});

const overlapRoute = createRoute({
  method: 'get',
  path: '/api/v1/hub/overlap',
  tags: ['hub'],
  summary: "Overlap between carriers' latest lists: pairwise Jaccard, entries seen by 1, 2, ≥ 3 carriers",
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              total: z.number(),
              carriers: z.array(z.object({ carrierId: z.string(), entries: z.number(), unique: z.number() })),
              pairs: z.array(z.object({ a: z.string(), b: z.string(), intersection: z.number(), union: z.number(), jaccard: z.number() })),
              seenBy: z.object({ one: z.number(), two: z.number(), threeOrMore: z.number() }),
              submissions: z.array(z.object({ carrierId: z.string(), generatedAt: z.number(), receivedAt: z.number(), entries: z.number() })),
            })
            .openapi('HubOverlap'),
        },
      },
      description: 'Overlap',
    },
  },
});

const vetRoute = createRoute({
  method: 'post',
  path: '/api/v1/hub/vet',
  tags: ['hub'],
  summary: 'Sets the vetting status of a merged entry (pending → vetted → published; rejected; reopen to pending)',
  description: 'Header x-sakimori-user (placeholder identity). Allowlisted entries cannot be vetted.',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({
            ip: z.string().min(2).max(45),
            port: z.number().int().min(0).max(65535),
            proto: z.number().int().min(0).max(255),
            status: z.enum(VET_STATUSES),
            note: z.string().max(500).regex(/^[^\p{Cc}]*$/u, 'one line').default(''),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: { content: { 'application/json': { schema: hubEntry } }, description: 'The entry after the change' },
    ...errors({ 400: 'Invalid body', 401: 'No x-sakimori-user', 404: 'No such merged entry', 409: 'SAKI_ERR_HUB_VET_TRANSITION' }),
  },
});

const hubListRoute = createRoute({
  method: 'get',
  path: '/api/v1/hub/list',
  tags: ['hub'],
  summary: 'The redistributed list: published entries only, signed with the hub key (verify with /api/v1/hub/key)',
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              document: z.object({
                type: z.literal('sakimori-hub-list'),
                version: z.literal(1),
                hubId: z.string(),
                generatedAt: z.number(),
                entries: z.array(z.object({ ip: z.string(), port: z.number(), proto: z.number(), score: z.number(), firstSeen: z.number(), lastSeen: z.number(), carriers: z.number(), status: z.literal('published') })),
              }),
              signature,
            })
            .openapi('HubList'),
        },
      },
      description: 'Signed list',
    },
  },
});

const keyRoute = createRoute({
  method: 'get',
  path: '/api/v1/hub/key',
  tags: ['hub'],
  summary: "The hub's Ed25519 public key (SPKI PEM); carriers should pin it out of band",
  responses: { 200: { content: { 'application/json': { schema: z.object({ hubId: z.string(), publicKeyPem: z.string() }) } }, description: 'Public key' } },
});

export function hubRoutes(deps: HubRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  // A body that is not JSON gets a coded 400 here, before the schema validator sees it (Hono caches the parse).
  const jsonBody = (code: 'SAKI_ERR_HUB_SUBMISSION_INVALID' | 'SAKI_ERR_VALIDATION') => async (c: { req: { json(): Promise<unknown> } }, next: () => Promise<void>) => {
    try {
      await c.req.json();
    } catch {
      throw new SakimoriError(code, 'body is not JSON');
    }
    await next();
  };
  app.post('/api/v1/hub/submissions', jsonBody('SAKI_ERR_HUB_SUBMISSION_INVALID'));
  app.post('/api/v1/hub/vet', jsonBody('SAKI_ERR_VALIDATION'));
  app.openapi(submitRoute, async (c) => {
    const body: unknown = await c.req.json();
    return c.json(await deps.service.submit(body), 200);
  }, (result) => {
    // Every refusal of a submission carries a hub code; the hub re-parses the raw body strictly.
    if (!result.success) {
      const issues = result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_INVALID', 'not a signed sakimori-c2-list', { details: { issues } });
    }
    return undefined;
  });
  app.openapi(entriesRoute, async (c) => {
    const { status, limit } = c.req.valid('query');
    const all = (await deps.service.merged()).filter((e) => status === undefined || e.status === status);
    return c.json({ total: all.length, entries: all.slice(0, limit) }, 200);
  });
  app.openapi(overlapRoute, async (c) => c.json({ ...(await deps.service.overlap()), submissions: await deps.service.submissions(50) }, 200));
  app.openapi(vetRoute, async (c) => {
    const who = c.req.header('x-sakimori-user');
    if (!who) throw new SakimoriError('SAKI_ERR_UNAUTHENTICATED', 'x-sakimori-user is required');
    if (!USER_ID.test(who)) throw new SakimoriError('SAKI_ERR_VALIDATION', 'x-sakimori-user is not a valid identifier');
    const b = c.req.valid('json');
    return c.json(await deps.service.vet(b, b.status as VetStatus, b.note, who), 200);
  });
  app.openapi(hubListRoute, async (c) => c.json(await deps.service.signedList(), 200));
  app.openapi(keyRoute, (c) => c.json({ hubId: deps.service.hubId, publicKeyPem: deps.service.publicKeyPem }, 200));
  return app;
}
