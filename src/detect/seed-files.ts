/**
 * Seed files from disk (the IO edge of src/core/detect/seed-list.ts), for `sakimori detect
 * --seeds` and the collector's `detections.seedFiles`. A file that cannot be read or parsed refuses
 * the whole set with its coded error, naming the file.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseSeedList, type SeedEntry } from '../core/detect/seed-list.js';
import { SakimoriError } from '../core/errors.js';

export function readSeedFiles(files: readonly string[]): SeedEntry[] {
  const out: SeedEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_SEEDS_UNREADABLE', `${f}: ${(e as NodeJS.ErrnoException).code ?? 'read failed'}`, { cause: e });
    }
    try {
      out.push(...parseSeedList(text, basename(f)));
    } catch (e) {
      if (e instanceof SakimoriError) throw new SakimoriError(e.code, `${f}: ${e.message.replace(/^seed list is invalid: /, '')}`, { cause: e });
      throw e;
    }
  }
  return out;
}
