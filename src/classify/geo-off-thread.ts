import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { geoSnapshotName } from '../core/classify/geo-loader.js';
import type { GeoCompileResult } from './geo-compile-worker.js';
import { nodeGeoIo } from './node-geo-io.js';

/** Whether the data directory already holds the snapshot of the installed geo data packages. */
export function hasGeoSnapshot(dataDir: string): boolean {
  return existsSync(join(dataDir, geoSnapshotName(nodeGeoIo(dataDir).versions)));
}

/**
 * Compiles and writes the snapshot on a separate thread (src/classify/geo-compile-worker.ts) and
 * resolves when it is done, with the worker's result; the caller then loads the snapshot. A
 * failure here is not fatal: loading compiles in place as before.
 */
export function compileGeoSnapshotOffThread(dataDir: string): Promise<GeoCompileResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./geo-compile-worker.js', import.meta.url), { workerData: { dataDir } });
    let result: GeoCompileResult = { ok: false, code: 'SAKI_ERR_INTERNAL' };
    worker.on('message', (m: GeoCompileResult) => (result = m));
    worker.on('error', () => (result = { ok: false, code: 'SAKI_ERR_INTERNAL' }));
    worker.on('exit', () => resolve(result));
  });
}
