import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SakimoriError } from '../core/errors.js';
import { configSchema, type SakimoriConfig } from './config-schema.js';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Validates a plain object against the schema; the result is frozen. */
export function parseConfig(raw: unknown): Readonly<SakimoriConfig> {
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', issues.join('; '), { details: { issues } });
  }
  return deepFreeze(r.data);
}

/** Reads a JSON config file (or none: embedded defaults), applies overrides, validates once. */
export function loadConfig(file: string | undefined, overrides: (raw: Record<string, unknown>) => void = () => {}): Readonly<SakimoriConfig> {
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_CONFIG_UNREADABLE', file, { cause: e });
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', `${file} is not valid JSON`, { cause: e });
    }
  }
  overrides(raw);
  return parseConfig(raw);
}

/** JSON Schema of the configuration (docs/reference/configuration.md is generated from it). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
