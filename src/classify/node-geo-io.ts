/**
 * The node:fs adapter of GeoDataIo (src/core/classify/geo-loader.ts): the CSV files come from the
 * installed @ip-location-db packages, the compiled snapshot is cached in a directory (the data
 * directory in production) and written through a temporary file and a rename.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { GEO_CSV_FILES, type GeoCsvRole, type GeoSourceVersions } from '../core/classify/geo-database.js';
import type { GeoDataIo } from '../core/classify/geo-loader.js';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

export function nodeGeoIo(cacheDir: string): GeoDataIo {
  const versions: GeoSourceVersions = { country: packageVersion(GEO_CSV_FILES.countryIPv4.package), asn: packageVersion(GEO_CSV_FILES.asnIPv4.package) };
  return {
    versions,
    readCsv: async (role: GeoCsvRole) => readFileSync(join(packageDir(GEO_CSV_FILES[role].package), GEO_CSV_FILES[role].file), 'utf8'),
    readSnapshot: async (name) => {
      try {
        return readFileSync(join(cacheDir, name));
      } catch {
        return undefined;
      }
    },
    writeSnapshot: async (name, bytes) => {
      mkdirSync(cacheDir, { recursive: true });
      // Unique per thread: a helper thread and the decode worker may write at once.
      const tmp = join(cacheDir, `${name}.tmp-${process.pid}-${threadId}`);
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(cacheDir, name));
    },
  };
}
