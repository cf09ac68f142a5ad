import { OpenAPIHono } from '@hono/zod-openapi';
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { isSakimoriError, SakimoriError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import { collectorRoutes, type CollectorRouteDeps } from './routes/collector-routes.js';
import type { TransparencyLog } from '../transparency/transparency-log.js';
import { transparencyRoutes } from './routes/transparency-routes.js';
import { selectedRoutes, type SelectedRouteDeps } from './routes/selected-routes.js';
import { detectionRoutes, type DetectionRouteDeps } from './routes/detection-routes.js';
import { hubRoutes, type HubRouteDeps } from './routes/hub-routes.js';
import { selectionRoutes, type SelectionRouteDeps } from './routes/selection-routes.js';

export interface AppDeps extends CollectorRouteDeps {
  logger: Logger;
  metrics(): string;
  /** Built web UI (web/dist); omitted in API-only tests. */
  webRoot?: string;
  version: string;
  /** Transparency log; its read routes are mounted when present. */
  transparency?: TransparencyLog;
  /** Selected records (cyber-office role): the purpose-bound read route is mounted when present. */
  selected?: SelectedRouteDeps;
  /** Detection candidates: list, detail, stats and STIX export are mounted when present. */
  detections?: DetectionRouteDeps;
  /** Hub mode: carriers' signed C&C list submissions, merged list, vetting, signed redistribution. */
  hub?: HubRouteDeps;
  /** Approved selection status (cyber-office role); absent: the status route reports no selection. */
  selectionStatus?: SelectionRouteDeps['selectionStatus'];
}

/**
 * The HTTP API, written against web-standard Request/Response (Hono) so tests call app.request()
 * in-process. Request logs carry method, path and status only: never headers or bodies.
 */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new SakimoriError('SAKI_ERR_VALIDATION', issues.join('; '), { details: { issues } });
      }
    },
  });
  const log = deps.logger.child({ component: 'http' });

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - t0) }, 'request');
  });

  app.onError((err, c) => {
    const e = isSakimoriError(err) ? err : new SakimoriError('SAKI_ERR_INTERNAL', undefined, { cause: err });
    if (e.status >= 500) log.error({ code: e.code, path: c.req.path }, 'request failed');
    return c.json(e.toJSON(), e.status as 400);
  });

  app.get('/healthz', (c) => c.json({ status: 'ok', version: deps.version }));
  app.get('/metrics', (c) => c.text(deps.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.route('/', collectorRoutes(deps));
  if (deps.transparency) app.route('/', transparencyRoutes({ log: deps.transparency }));
  if (deps.selected) app.route('/', selectedRoutes(deps.selected));
  if (deps.detections) app.route('/', detectionRoutes(deps.detections));
  if (deps.hub) app.route('/', hubRoutes(deps.hub));
  app.route('/', selectionRoutes({ role: deps.role, selectionStatus: deps.selectionStatus ?? (() => undefined) }));
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'Sakimori API', version: deps.version } });

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/')) return c.json(new SakimoriError('SAKI_ERR_NOT_FOUND', c.req.path).toJSON(), 404);
    return c.text('not found', 404);
  });

  if (deps.webRoot && existsSync(deps.webRoot)) {
    const root = relative(process.cwd(), deps.webRoot) || '.';
    const assets = serveStatic({ root });
    const shell = serveStatic({ root, path: 'index.html' });
    // Unknown /api paths stay 404 JSON; other client-side routes fall back to the SPA shell.
    app.get('*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : assets(c, next)));
    app.get('*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : shell(c, next)));
  }
  return app;
}
