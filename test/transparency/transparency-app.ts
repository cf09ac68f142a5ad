import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.js';
import type { CollectorStatus } from '../../src/collector/collector.js';
import { createLogger } from '../../src/observability/logger.js';
import type { TransparencyLog } from '../../src/transparency/transparency-log.js';

/** The app as serve builds it around a transparency log: createApp mounts the transparency routes itself. */
export function transparencyApp(log: TransparencyLog): ReturnType<typeof createApp> {
  return createApp({
    role: 'cyber-office',
    demo: false,
    status: () => ({}) as CollectorStatus,
    flows: undefined,
    logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })),
    metrics: () => '',
    version: 'test',
    transparency: log,
  });
}
