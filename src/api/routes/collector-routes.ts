import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CollectorStatus } from '../../collector/collector.js';
import { SakimoriError } from '../../core/errors.js';
import type { FlowQueries } from '../../storage/flow-store.js';
import { collectorStatusSchema, errorSchema, flowRecordSchema } from '../api-schemas.js';

export interface CollectorRouteDeps {
  role: 'carrier' | 'cyber-office';
  demo: boolean;
  status(): CollectorStatus;
  flows: FlowQueries | undefined;
}

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/collector/status',
  tags: ['collector'],
  summary: 'Live collector counters, per exporter, with the last 5 minutes of per-second rates',
  responses: { 200: { content: { 'application/json': { schema: collectorStatusSchema } }, description: 'Collector status' } },
});

const recentFlowsRoute = createRoute({
  method: 'get',
  path: '/api/v1/flows/recent',
  tags: ['collector'],
  summary: 'Most recently stored flow records (carrier role only)',
  description: 'In the cyber-office role pre-selection records are never shown (Act Art. 22–23): 403 SAKI_ERR_FORBIDDEN.',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }) },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ records: z.array(flowRecordSchema) }) } }, description: 'Records, newest first' },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid query' },
    403: { content: { 'application/json': { schema: errorSchema } }, description: 'Not allowed in this role' },
  },
});

export function collectorRoutes(deps: CollectorRouteDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(statusRoute, (c) => c.json({ role: deps.role, demo: deps.demo, now: new Date().toISOString(), ...deps.status() }, 200));
  app.openapi(recentFlowsRoute, async (c) => {
    if (deps.role !== 'carrier' || !deps.flows) {
      throw new SakimoriError('SAKI_ERR_FORBIDDEN', 'stored flow records are not readable in this role or with flow storage disabled');
    }
    const { limit } = c.req.valid('query');
    return c.json({ records: await deps.flows.recent(limit) }, 200);
  });
  return app;
}
