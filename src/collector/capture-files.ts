import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SakimoriError } from '../core/errors.js';

/**
 * Expands files and folders into capture files in replay order. In a folder, template captures
 * come before data captures so that NetFlow v9/IPFIX data can be decoded on first sight.
 */
export function expandCapturePaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => /\.(pcap|pcapng|cap|bin|raw)$/i.test(f))
        .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      out.push(...files.map((f) => join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

function rank(name: string): number {
  if (/options-template/.test(name)) return 0;
  if (/template/.test(name)) return 1;
  if (/options-data/.test(name)) return 2;
  return 3;
}

/** The bytes of one capture file; an unreadable file is SAKI_ERR_CAPTURE_UNREADABLE naming it. */
export function readCaptureFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_CAPTURE_UNREADABLE', `${file}: ${(e as NodeJS.ErrnoException).code ?? 'read failed'}`, { cause: e });
  }
}
