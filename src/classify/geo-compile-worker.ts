/**
 * Compiles the geolocation snapshot into a data directory on a thread of its own. The decode
 * worker starts it when the data directory has no snapshot yet (a first start: about 6 s of CPU),
 * so decoding goes on meanwhile; it then loads the fresh snapshot in ~0.1 s.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadGeoDatabase } from '../core/classify/geo-loader.js';
import { nodeGeoIo } from './node-geo-io.js';

export interface GeoCompileResult {
  ok: boolean;
  /** Error code when not ok (never a message with paths or data). */
  code?: string;
}

const { dataDir } = workerData as { dataDir: string };
loadGeoDatabase(nodeGeoIo(dataDir)).then(
  () => parentPort?.postMessage({ ok: true } satisfies GeoCompileResult),
  (e: unknown) => parentPort?.postMessage({ ok: false, code: (e as { code?: string }).code ?? 'SAKI_ERR_INTERNAL' } satisfies GeoCompileResult),
);
