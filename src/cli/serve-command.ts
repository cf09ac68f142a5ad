import { demoBotnet } from '../demo/demo-botnet.js';
import type { Detection } from '../core/detect/detection.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { expandCapturePaths } from '../collector/capture-files.js';
import { Collector } from '../collector/collector.js';
import { loadConfig } from '../config/load-config.js';
import { SakimoriError } from '../core/errors.js';
import { DemoReplayer } from '../demo/demo-replayer.js';
import { createLogger } from '../observability/logger.js';
import { renderMetrics } from '../observability/metrics.js';
import { FlowQueries } from '../storage/flow-store.js';
import { SelectedFlowQueries } from '../storage/selected-flow-store.js';
import { openSqlite } from '../storage/sqlite/sqlite-database.js';
import { VERSION } from '../version.js';
import { scheduleCheckpoints } from '../transparency/checkpoint-scheduler.js';
import { openTransparencyLog } from '../transparency/open-transparency-log.js';
import type { TransparencyLog } from '../transparency/transparency-log.js';
import { configChange } from '../core/transparency/config-change.js';
import type { SakimoriConfig } from '../config/config-schema.js';
import type { KeyObject } from 'node:crypto';
import { DetectionStore } from '../storage/detection-store.js';
import { HubStore } from '../storage/hub-store.js';
import { syntheticDetections } from '../demo/synthetic-detections.js';
import { demoCarrierKeys, seedDemoHub } from '../demo/demo-hub.js';
import { openHub } from '../hub/open-hub.js';
import type { HubService } from '../hub/hub-service.js';

export const SERVE_USAGE = `sakimori serve [--config FILE] [--demo] [--hub] [--role carrier|cyber-office] [--data-dir DIR]
               [--http-host HOST] [--http-port N] [--netflow-port N] [--sflow-port N]
  Runs the collector, the HTTP API (/api/v1, /openapi.json, /metrics) and the web UI.
  --demo  replays the sample captures to the collector on loopback so data flows at once,
          and fills the detections page with synthetic demo candidates (labelled as demo data)
  --hub   also runs as a C&C list hub (hub.enabled); with --demo, three demo carriers submit lists`;

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

function port(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SakimoriError('SAKI_ERR_CLI_USAGE', `${name} must be a port number`);
  return n;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean', default: false },
      hub: { type: 'boolean', default: false },
      role: { type: 'string' },
      'data-dir': { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      'netflow-port': { type: 'string' },
      'sflow-port': { type: 'string' },
    },
  });
  const httpPort = port(values['http-port'], '--http-port');
  const netflowPort = port(values['netflow-port'], '--netflow-port');
  const sflowPort = port(values['sflow-port'], '--sflow-port');
  // The demo botnet's darknet prefix is watched by live detection unless the config names others.
  const botnet = values.demo ? demoBotnet(Date.now()) : undefined;
  const config = loadConfig(values.config, (raw) => {
    if (botnet) {
      const detections = (raw.detections ??= {}) as Record<string, unknown>;
      detections.darknetPrefixes ??= botnet.darknetPrefixes;
    }
    if (values.role) raw.role = values.role;
    if (values['data-dir']) raw.dataDir = values['data-dir'];
    const http = (raw.http ??= {}) as Record<string, unknown>;
    if (values['http-host']) http.host = values['http-host'];
    if (httpPort !== undefined) http.port = httpPort;
    const demo = (raw.demo ??= {}) as Record<string, unknown>;
    if (values.demo) demo.enabled = true;
    if (values.hub) ((raw.hub ??= {}) as Record<string, unknown>).enabled = true;
    if (netflowPort !== undefined || sflowPort !== undefined) {
      const collector = (raw.collector ??= {}) as Record<string, unknown>;
      const listeners: unknown[] = [];
      listeners.push({ protocol: 'netflow', address: '0.0.0.0', port: netflowPort ?? 2055 });
      listeners.push({ protocol: 'sflow', address: '0.0.0.0', port: sflowPort ?? 6343 });
      collector.listeners = listeners;
    }
  });
  const log = createLogger(config.log.level);
  // Opened before the collector: selection attestations (cyber-office role) go into it.
  const transparency = openTransparencyLog(config.dataDir);
  await recordConfigChange(transparency, config);
  const db = openSqlite(config.dataDir);
  const detectionStore = new DetectionStore(db.db);
  // Live detections are upserted one batch after another, so a candidate's updates stay in order.
  let upserting: Promise<unknown> = Promise.resolve();
  const onDetections = (ds: Detection[]) => {
    upserting = upserting.then(() => detectionStore.upsert(ds, Date.now())).catch((e: unknown) => log.warn({ code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' }, 'live detections could not be stored'));
  };
  const collector = new Collector(config, log, { transparency, onDetections });
  const listeners = await collector.start();
  const flows = config.role === 'carrier' ? new FlowQueries(db.db) : undefined;
  // Under an agreement (ch. 3) the results go back to the consenting operator the approval names.
  const agreementsOf = (operator: string): string[] =>
    (collector.selectionStatus()?.approvals ?? []).filter((a) => a.channel === 'agreement' && a.operator === operator).map((a) => a.id);
  const selected = config.role === 'cyber-office' ? { queries: new SelectedFlowQueries(db.db), transparency, agreementsOf } : undefined;
  if (config.demo.enabled) await detectionStore.upsert(syntheticDetections(Date.now()), Date.now());
  let hub: HubService | undefined;
  if (config.hub.enabled) {
    const demoKeys = config.demo.enabled ? demoCarrierKeys() : undefined;
    const demoPublic = new Map([...(demoKeys ?? new Map<string, { publicKey: KeyObject }>())].map(([id, k]) => [id, k.publicKey]));
    hub = openHub(config, new HubStore(db.db), demoPublic);
    if (demoKeys) await seedDemoHub(hub, demoKeys, Date.now());
  }
  const stopCheckpoints = scheduleCheckpoints(transparency, 60_000, {
    immediately: true,
    onError: (e) => log.warn({ code: (e as { code?: string }).code }, 'transparency checkpoint failed'),
  });

  let demo: DemoReplayer | undefined;
  if (config.demo.enabled) {
    const captures = config.demo.captures.length > 0 ? config.demo.captures : defaultDemoCaptures();
    demo = new DemoReplayer(expandCapturePaths(captures), listeners, config.demo.rate, log);
    demo.addSynthetic(listeners, Date.now());
    demo.start();
    if (botnet && config.detections.enabled && config.role === 'carrier') {
      // Sent once live detection runs (the geo database loads first), so every flow is observed.
      const replayer = demo;
      const started = Date.now();
      const wait = setInterval(() => {
        if (collector.status().detection === undefined && Date.now() - started < 120_000) return;
        clearInterval(wait);
        replayer.sendOnce(listeners, botnet.records, '127.0.0.9');
        log.info({ flows: botnet.records.length, ...botnet.planted }, 'demo botnet replayed once for live detection (loopback only)');
      }, 500);
      wait.unref();
    }
  }

  const detectionSweep = setInterval(() => {
    void detectionStore.prune(Date.now(), config.detections.retentionDays * 86_400_000).catch(() => log.warn('detection retention sweep failed'));
  }, 3_600_000);
  detectionSweep.unref();

  const retention = setInterval(() => {
    if (flows && config.collector.flowRetentionHours > 0) {
      void flows.deleteOlderThan(Date.now() - config.collector.flowRetentionHours * 3600_000).catch(() => log.warn('flow retention sweep failed'));
    }
  }, 60_000);
  retention.unref();

  const app = createApp({
    role: config.role,
    demo: config.demo.enabled,
    status: () => collector.status(),
    flows,
    logger: log,
    metrics: () => renderMetrics(collector.status(), config.role),
    webRoot: resolve(REPO_ROOT, 'web/dist'),
    version: VERSION,
    transparency,
    selected,
    detections: { store: detectionStore, now: Date.now, demo: config.demo.enabled, stix: config.detections.stix },
    hub: hub ? { service: hub } : undefined,
    selectionStatus: () => collector.selectionStatus(),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, (info) => {
      log.info({ url: `http://${config.http.host}:${info.port}/`, role: config.role }, 'Sakimori is serving');
      resolveServer(s);
    });
    s.once('error', (e) => reject(new SakimoriError('SAKI_ERR_LISTEN_FAILED', `http ${config.http.host}:${config.http.port}`, { cause: e })));
  });

  // SIGHUP re-reads approvals and revocations (cyber-office role); a bad set is refused, the old one stays.
  const reload = () => void collector.reloadSelection('sighup');
  if (config.role === 'cyber-office') process.on('SIGHUP', reload);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  log.info('stopping');
  demo?.stop();
  clearInterval(retention);
  clearInterval(detectionSweep);
  await new Promise<void>((r) => {
    server.close(() => r());
    // Idle keep-alive connections (a browser tab) must not hold the shutdown.
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  await collector.stop();
  await upserting;
  stopCheckpoints();
  await transparency.close();
  await db.close();
  return 0;
}

/** The shared sample captures beside the checkout, if present. */
function defaultDemoCaptures(): string[] {
  return [resolve(REPO_ROOT, '../shared/testdata/flow-exports/akvorado/netflow'), resolve(REPO_ROOT, '../shared/testdata/flow-exports/akvorado/sflow')].filter((p) => existsSync(p));
}

/**
 * Appends a 'config-change' entry when the effective configuration differs from the one applied at
 * the previous start (kept in the data dir), so the log shows under which settings data was handled.
 */
async function recordConfigChange(log: TransparencyLog, config: Readonly<SakimoriConfig>): Promise<void> {
  const applied = join(config.dataDir, 'config-applied.json');
  let previous: unknown;
  try {
    previous = JSON.parse(readFileSync(applied, 'utf8'));
  } catch {
    previous = undefined;
  }
  const change = configChange(previous, config as unknown as Record<string, unknown>);
  if (!change) return;
  await log.append([{ type: 'config-change', actor: { who: 'sakimori-serve', role: 'system', organisation: 'this instance' }, ...change }]);
  writeFileSync(applied, JSON.stringify(config), { mode: 0o600 });
}
