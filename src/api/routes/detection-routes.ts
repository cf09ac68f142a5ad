import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SakimoriError } from '../../core/errors.js';
import { exportStixBundle, type Tlp } from '../../core/share/stix-export.js';
import { DETECTION_KINDS, DETECTOR_NAMES, type DetectionFilter, type DetectionStore } from '../../storage/detection-store.js';
import { errorSchema } from '../api-schemas.js';

/**
 * Read side of detections (docs/reference/detections-api.md): the ranked candidate list, one
 * candidate with its evidence, stats for the page's charts, and the STIX 2.1 export.
 * Evidence is counts and short facts, never communications content.
 */
export interface DetectionRouteDeps {
  store: DetectionStore;
  now(): number;
  /** The store holds the synthetic demo detections (serve --demo); the UI labels them. */
  demo: boolean;
  stix: { producer: string; tlp: Tlp };
}

/** Most candidates one STIX export carries (ranked by score). */
export const MAX_STIX_EXPORT = 10_000;

const kind = z.enum(DETECTION_KINDS as [string, ...string[]]);
const detector = z.enum(DETECTOR_NAMES as [string, ...string[]]);

const detectionSchema = z
  .object({
    key: z.string().openapi({ description: 'kind|ip|port|proto (detectionKey)', example: 'c2|203.0.113.10|443|6' }),
    kind,
    ip: z.string(),
    port: z.number(),
    proto: z.number(),
    score: z.number().openapi({ description: 'combined confidence in [0, 1]' }),
    detectors: z.array(detector),
    family: z.string().optional(),
    country: z.string(),
    as: z.number(),
    firstSeen: z.number().openapi({ description: 'ms since the Unix epoch' }),
    lastSeen: z.number(),
    expiresAt: z.number(),
    expired: z.boolean(),
    evidence: z
      .object({
        flows: z.number(),
        peers: z.number(),
        seedPeers: z.number().optional(),
        scores: z.record(z.string(), z.number()),
        facts: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
      })
      .openapi('DetectionEvidence'),
  })
  .openapi('Detection');

const filterQuery = {
  kind: kind.optional(),
  country: z
    .string()
    .regex(/^([A-Z]{2}|special|unknown)$/)
    .optional(),
  detector: detector.optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
};

const bool = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/detections',
  tags: ['detections'],
  summary: 'Current detection candidates ranked by score, filtered and paged',
  request: {
    query: z.object({
      ...filterQuery,
      history: bool.openapi({ description: 'include expired candidates still within the retention' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    }),
  },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ demo: z.boolean(), total: z.number(), items: z.array(detectionSchema) }).openapi('DetectionPage') } },
      description: 'Candidates, highest score first',
    },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid filter or paging' },
  },
});

const kindCounts = z.object({ c2: z.number(), bot: z.number(), scanner: z.number(), 'ddos-victim': z.number() });

const statsRoute = createRoute({
  method: 'get',
  path: '/api/v1/detections/stats',
  tags: ['detections'],
  summary: 'Counts of current candidates by kind and by country, and candidates active per time bucket',
  request: {
    query: z.object({
      ...filterQuery,
      from: z.coerce.number().int().min(0).optional().openapi({ description: 'series start, ms (default: to − 24 h)' }),
      to: z.coerce.number().int().min(0).optional().openapi({ description: 'series end, ms (default: now)' }),
      bucket: z.coerce.number().int().min(60_000).max(86_400_000).default(3_600_000).openapi({ description: 'bucket width, ms' }),
    }),
  },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              demo: z.boolean(),
              now: z.number(),
              total: z.number(),
              byKind: kindCounts,
              byCountry: z.array(z.object({ country: z.string(), count: z.number(), maxScore: z.number() })),
              series: z.array(kindCounts.extend({ t: z.number() })),
            })
            .openapi('DetectionStats'),
        },
      },
      description: 'Stats',
    },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid query (from ≥ to, or more than 10,000 buckets)' },
  },
});

const stixRoute = createRoute({
  method: 'get',
  path: '/api/v1/detections/export.stix',
  tags: ['detections'],
  summary: `Current candidates as a STIX 2.1 bundle (at most ${MAX_STIX_EXPORT}, highest score first; ddos-victim never exported)`,
  request: { query: z.object({ ...filterQuery, tlp: z.enum(['white', 'green', 'amber', 'red']).optional() }) },
  responses: {
    200: {
      content: {
        'application/stix+json;version=2.1': {
          schema: z.object({ type: z.literal('bundle'), id: z.string(), objects: z.array(z.record(z.string(), z.unknown())) }).openapi('StixBundle'),
        },
      },
      description: 'STIX bundle (docs/reference/detections-api.md#stix-mapping)',
    },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid filter' },
  },
});

const KEY = /^(c2|bot|scanner|ddos-victim)\|[0-9A-Fa-f.:]{2,45}\|\d{1,5}\|\d{1,3}$/;

const detailRoute = createRoute({
  method: 'get',
  path: '/api/v1/detections/{key}',
  tags: ['detections'],
  summary: 'One candidate (current or in history) with its evidence',
  request: { params: z.object({ key: z.string().regex(KEY).openapi({ description: 'URL-encoded detectionKey', example: 'c2%7C203.0.113.10%7C443%7C6' }) }) },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ demo: z.boolean(), detection: detectionSchema }) } }, description: 'The candidate' },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Not a detection key' },
    404: { content: { 'application/json': { schema: errorSchema } }, description: 'No such candidate (or pruned)' },
  },
});

function toFilter(q: { kind?: string; country?: string; detector?: string; minScore?: number }): DetectionFilter {
  return { kind: q.kind as DetectionFilter['kind'], country: q.country, detector: q.detector as DetectionFilter['detector'], minScore: q.minScore };
}

export function detectionRoutes(deps: DetectionRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await deps.store.list({ ...toFilter(q), includeExpired: q.history }, deps.now(), { limit: q.limit, offset: q.offset });
    return c.json({ demo: deps.demo, ...page }, 200);
  });
  app.openapi(statsRoute, async (c) => {
    const q = c.req.valid('query');
    const now = deps.now();
    const to = q.to ?? now;
    const from = q.from ?? to - 24 * 3_600_000;
    if (!(from < to) || (to - from) / q.bucket > 10_000) throw new SakimoriError('SAKI_ERR_VALIDATION', 'from must be before to, with at most 10,000 buckets');
    const filter = toFilter(q);
    const byKind = await deps.store.countsByKind(filter, now);
    const total = byKind.c2 + byKind.bot + byKind.scanner + byKind['ddos-victim'];
    const { includeExpired: _h, ...seriesFilter } = filter;
    return c.json({ demo: deps.demo, now, total, byKind, byCountry: await deps.store.byCountry(filter, now), series: await deps.store.series(from, to, q.bucket, seriesFilter) }, 200);
  });
  app.openapi(stixRoute, async (c) => {
    const q = c.req.valid('query');
    const { items } = await deps.store.list(toFilter(q), deps.now(), { limit: MAX_STIX_EXPORT, offset: 0 });
    const bundle = exportStixBundle(items.map(({ key: _k, expired: _e, ...d }) => d), { producer: deps.stix.producer, tlp: (q.tlp as Tlp | undefined) ?? deps.stix.tlp });
    return new Response(JSON.stringify(bundle), {
      status: 200,
      headers: { 'content-type': 'application/stix+json;version=2.1', 'content-disposition': 'attachment; filename="sakimori-detections.stix.json"' },
    }) as never;
  });
  app.openapi(detailRoute, async (c) => {
    const { key } = c.req.valid('param');
    const d = await deps.store.get(key, deps.now());
    if (!d) throw new SakimoriError('SAKI_ERR_NOT_FOUND', 'no such detection');
    return c.json({ demo: deps.demo, detection: d }, 200);
  });
  return app;
}
