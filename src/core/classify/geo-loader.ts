/**
 * Start-up path for the geolocation database: the snapshot cache in the data directory when it
 * matches the installed data packages, else compile from the CSV files and write the cache.
 * All IO goes through the injected GeoDataIo; the adapter (node:fs, package resolution) lives
 * at the edge.
 */
import { isSakimoriError } from '../errors.js';
import { compileGeoDatabase, GEO_CSV_FILES, type GeoCsvRole, type GeoDatabase, type GeoSourceVersions } from './geo-database.js';
import { deserializeGeoDatabase, GEO_SNAPSHOT_FORMAT, serializeGeoDatabase } from './geo-snapshot.js';

export interface GeoDataIo {
  /** Installed versions of the two data packages; they name the cache file. */
  readonly versions: GeoSourceVersions;
  /** Text of one input CSV (GEO_CSV_FILES[role]). */
  readCsv(role: GeoCsvRole): Promise<string>;
  /** Bytes of a cache file, or undefined when absent. */
  readSnapshot(name: string): Promise<Uint8Array | undefined>;
  /** Stores a cache file (an adapter should write a temporary file and rename it). */
  writeSnapshot(name: string, bytes: Uint8Array): Promise<void>;
}

export type GeoLoadEvent =
  | { event: 'snapshot-loaded'; name: string }
  | { event: 'snapshot-missing'; name: string }
  | { event: 'snapshot-rejected'; name: string; code: string; reason: string }
  | { event: 'compiled'; name: string }
  | { event: 'snapshot-written'; name: string; bytes: number }
  | { event: 'snapshot-write-failed'; name: string; reason: string };

export interface GeoLoadResult {
  db: GeoDatabase;
  from: 'snapshot' | 'csv';
  snapshotName: string;
}

const SAFE = /[^0-9A-Za-z._-]/g;

/** Cache file name: both package versions and the snapshot format. */
export function geoSnapshotName(versions: GeoSourceVersions): string {
  return `geo-${versions.country.replace(SAFE, '_')}-asn-${versions.asn.replace(SAFE, '_')}-f${GEO_SNAPSHOT_FORMAT}.bin`;
}

export async function loadGeoDatabase(io: GeoDataIo, onEvent: (e: GeoLoadEvent) => void = () => {}): Promise<GeoLoadResult> {
  const name = geoSnapshotName(io.versions);
  const cached = await io.readSnapshot(name);
  if (cached === undefined) onEvent({ event: 'snapshot-missing', name });
  else {
    try {
      const db = deserializeGeoDatabase(cached, { expectVersions: io.versions });
      onEvent({ event: 'snapshot-loaded', name });
      return { db, from: 'snapshot', snapshotName: name };
    } catch (e) {
      if (!isSakimoriError(e)) throw e;
      onEvent({ event: 'snapshot-rejected', name, code: e.code, reason: e.message });
    }
  }
  const roles = Object.keys(GEO_CSV_FILES) as GeoCsvRole[];
  const texts = await Promise.all(roles.map((r) => io.readCsv(r)));
  const db = compileGeoDatabase(Object.fromEntries(roles.map((r, i) => [r, texts[i]])) as Record<GeoCsvRole, string>, io.versions);
  onEvent({ event: 'compiled', name });
  const bytes = serializeGeoDatabase(db);
  try {
    await io.writeSnapshot(name, bytes);
    onEvent({ event: 'snapshot-written', name, bytes: bytes.length });
  } catch (e) {
    // A read-only data directory costs start-up time, not correctness.
    onEvent({ event: 'snapshot-write-failed', name, reason: e instanceof Error ? e.message : String(e) });
  }
  return { db, from: 'csv', snapshotName: name };
}
