/** Test access to the installed ip-location-db packages (the data under test, not fixtures). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GEO_CSV_FILES, type GeoCsvRole, type GeoCsvTexts, type GeoSourceVersions } from '../../../src/core/classify/geo-database.js';
import { prng } from '../../../src/demo/synthetic-flows.js';

const require = createRequire(import.meta.url);

export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function readPackageFile(name: string, file: string): string {
  return readFileSync(join(packageDir(name), file), 'utf8');
}

export function dataVersions(): GeoSourceVersions {
  const version = (pkg: string) => (JSON.parse(readPackageFile(pkg, 'package.json')) as { version: string }).version;
  return { country: version(GEO_CSV_FILES.countryIPv4.package), asn: version(GEO_CSV_FILES.asnIPv4.package) };
}

/** The four "-num" files the compiler reads. */
export function realCsvTexts(): GeoCsvTexts {
  const out = {} as Record<GeoCsvRole, string>;
  for (const role of Object.keys(GEO_CSV_FILES) as GeoCsvRole[]) out[role] = readPackageFile(GEO_CSV_FILES[role].package, GEO_CSV_FILES[role].file);
  return out;
}

/** A deterministic PRNG (mulberry32) returning uint32s. */
export function rng(seed: number): () => number {
  const next = prng(seed);
  return () => Math.floor(next() * 4294967296) >>> 0;
}

/** Textual IPv6 → 128-bit integer, written independently of src/core/classify/ip-text.ts (split-based). */
export function ipv6ToBigint(text: string): bigint {
  let s = text;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const q = s.slice(lastColon + 1).split('.').map(Number);
    tail = [q[0] * 256 + q[1], q[2] * 256 + q[3]];
    s = s.slice(0, lastColon + 1) + '0';
  }
  let groups: number[];
  if (s.includes('::')) {
    const [head, rest] = s.split('::');
    const h = head === '' ? [] : head.split(':').map((x) => parseInt(x, 16));
    const t = rest === '' ? [] : rest.split(':').map((x) => parseInt(x, 16));
    if (tail.length > 0) t.pop();
    const fill = 8 - h.length - t.length - tail.length;
    groups = [...h, ...new Array<number>(fill).fill(0), ...t, ...tail];
  } else {
    groups = s.split(':').map((x) => parseInt(x, 16));
    if (tail.length > 0) groups = [...groups.slice(0, 6), ...tail];
  }
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`bad IPv6 ${text}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Dotted quad → number, split-based. */
export function ipv4ToNumber(text: string): number {
  const q = text.split('.').map(Number);
  if (q.length !== 4 || q.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${text}`);
  return ((q[0] * 256 + q[1]) * 256 + q[2]) * 256 + q[3];
}

export const MASK32 = 0xffffffffn;

/** 128-bit integer → the four words the lookups take. */
export function words128(k: bigint): [number, number, number, number] {
  return [Number((k >> 96n) & MASK32), Number((k >> 64n) & MASK32), Number((k >> 32n) & MASK32), Number(k & MASK32)];
}
