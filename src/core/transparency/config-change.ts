import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/**
 * 'config-change' entries (issue 4: configuration changes land in the transparency log): which
 * dotted paths of the effective configuration differ from the one applied last time, and the
 * SHA-256 of the new one. Pure: the caller keeps the previous configuration.
 */
export interface ConfigChange {
  changedPaths: string[];
  configDigest: string;
}

const MAX_PATHS = 256;

export function configDigest(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** Dotted paths where `a` and `b` differ; arrays and scalars compare whole at their path. */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [prefix || 'root'];
}

/**
 * The change from `previous` (undefined on first start: every top-level key counts as changed) to
 * `current`, or undefined when nothing changed. Long path lists are cut to the log's bound with
 * their common parents kept.
 */
export function configChange(previous: unknown, current: Record<string, unknown>): ConfigChange | undefined {
  let paths = previous === undefined ? Object.keys(current).sort() : changedPaths(previous, current);
  if (paths.length === 0) return undefined;
  if (paths.length > MAX_PATHS) paths = [...new Set(paths.map((p) => p.split('.')[0]))].slice(0, MAX_PATHS);
  return { changedPaths: paths, configDigest: configDigest(current) };
}
