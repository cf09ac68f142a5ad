/**
 * A small JSON Schema (draft-07 / 2020-12) validator covering exactly the keywords the OASIS STIX 2.1
 * schemas in shared/testdata/stix/schemas use: type, properties, patternProperties,
 * additionalProperties, required, enum, const, pattern, min/maxLength, minimum/maximum,
 * min/maxItems, items, contains, min/maxProperties, propertyNames, allOf/anyOf/oneOf/not,
 * if/then/else, $ref across files (resolved against each schema's $id) and to #/definitions/…,
 * format (date-time, uri checked; others are annotations, as in 2020-12 by default).
 * A keyword it does not know makes it throw rather than pass silently.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

type Schema = boolean | Record<string, unknown>;

const ANNOTATIONS = new Set(['$id', '$schema', 'title', 'description', 'definitions', '$defs', '$comment', 'examples', 'default']);
const KNOWN = new Set([
  ...ANNOTATIONS, 'type', 'properties', 'patternProperties', 'additionalProperties', 'required', 'enum', 'const', 'pattern', 'minLength', 'maxLength',
  'minimum', 'maximum', 'minItems', 'maxItems', 'items', 'contains', 'minProperties', 'maxProperties', 'propertyNames', 'allOf', 'anyOf', 'oneOf', 'not',
  'if', 'then', 'else', '$ref', 'format', 'uniqueItems',
]);

export interface SchemaError {
  path: string;
  message: string;
}

export class SchemaSet {
  private readonly byId = new Map<string, Record<string, unknown>>();
  private readonly regexes = new Map<string, RegExp>();

  /** Loads every *.json under `dir` (recursively) by its $id. */
  static fromDirectory(dir: string): SchemaSet {
    const set = new SchemaSet();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.json')) set.add(JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>);
      }
    };
    walk(dir);
    return set;
  }

  add(schema: Record<string, unknown>): void {
    const id = schema.$id;
    if (typeof id !== 'string') throw new Error('schema without $id');
    this.byId.set(id, schema);
  }

  /** Schema id relative to the first loaded id's base, e.g. "sdos/indicator.json", or an absolute $id. */
  validate(schemaRef: string, value: unknown): SchemaError[] {
    const id = [...this.byId.keys()].find((k) => k === schemaRef || k.endsWith(`/${schemaRef}`));
    if (!id) throw new Error(`no schema ${schemaRef}`);
    const errors: SchemaError[] = [];
    this.check(this.byId.get(id)!, id, value, '', errors);
    return errors;
  }

  private resolve(ref: string, base: string): { schema: Schema; base: string } {
    const url = new URL(ref, base);
    const hash = url.hash;
    url.hash = '';
    const docId = url.toString();
    const doc = this.byId.get(docId);
    if (!doc) throw new Error(`unresolvable $ref ${ref} from ${base}`);
    let node: unknown = doc;
    if (hash.length > 1) {
      for (const seg of hash.slice(2).split('/')) node = (node as Record<string, unknown>)[decodeURIComponent(seg.replace(/~1/g, '/').replace(/~0/g, '~'))];
      if (node === undefined) throw new Error(`unresolvable pointer ${ref}`);
    }
    return { schema: node as Schema, base: docId };
  }

  private regex(p: string): RegExp {
    let r = this.regexes.get(p);
    if (!r) {
      r = new RegExp(p);
      this.regexes.set(p, r);
    }
    return r;
  }

  private ok(schema: Schema, base: string, value: unknown, path: string): boolean {
    const errs: SchemaError[] = [];
    this.check(schema, base, value, path, errs);
    return errs.length === 0;
  }

  private check(schema: Schema, base: string, value: unknown, path: string, errors: SchemaError[]): void {
    if (schema === true) return;
    if (schema === false) {
      errors.push({ path, message: 'schema false' });
      return;
    }
    const s = schema;
    if (typeof s.$id === 'string') base = new URL(s.$id, base).toString();
    for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`keyword ${k} not supported by this validator (at ${base})`);
    const fail = (message: string) => errors.push({ path, message });

    if (typeof s.$ref === 'string') {
      const r = this.resolve(s.$ref, base);
      this.check(r.schema, r.base, value, path, errors);
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(t, value))) fail(`not of type ${types.join('|')}`);
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) fail(`not one of ${JSON.stringify(s.enum)}`);
    if ('const' in s && !deepEqual(s.const, value)) fail(`not ${JSON.stringify(s.const)}`);
    if (typeof value === 'string') {
      if (typeof s.pattern === 'string' && !this.regex(s.pattern).test(value)) fail(`does not match ${s.pattern}`);
      const len = [...value].length;
      if (typeof s.minLength === 'number' && len < s.minLength) fail(`shorter than ${s.minLength}`);
      if (typeof s.maxLength === 'number' && len > s.maxLength) fail(`longer than ${s.maxLength}`);
      if (s.format === 'date-time' && !isDateTime(value)) fail('not an RFC 3339 date-time');
      if (s.format === 'uri' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) fail('not a URI');
    }
    if (typeof value === 'number') {
      if (typeof s.minimum === 'number' && value < s.minimum) fail(`below ${s.minimum}`);
      if (typeof s.maximum === 'number' && value > s.maximum) fail(`above ${s.maximum}`);
    }
    if (Array.isArray(value)) {
      if (typeof s.minItems === 'number' && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
      if (s.items !== undefined && !Array.isArray(s.items)) value.forEach((v, i) => this.check(s.items as Schema, base, v, `${path}/${i}`, errors));
      if (s.contains !== undefined && !value.some((v, i) => this.ok(s.contains as Schema, base, v, `${path}/${i}`))) fail('no item matches contains');
      if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('items not unique');
    }
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (Array.isArray(s.required)) for (const r of s.required as string[]) if (!(r in value)) fail(`missing required ${r}`);
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties) fail(`fewer than ${s.minProperties} properties`);
      if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) fail(`more than ${s.maxProperties} properties`);
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const patterns = (s.patternProperties ?? {}) as Record<string, Schema>;
      for (const k of keys) {
        let matched = false;
        if (k in props) {
          matched = true;
          this.check(props[k], base, value[k], `${path}/${k}`, errors);
        }
        for (const [p, ps] of Object.entries(patterns)) {
          if (this.regex(p).test(k)) {
            matched = true;
            this.check(ps, base, value[k], `${path}/${k}`, errors);
          }
        }
        if (!matched && s.additionalProperties !== undefined) this.check(s.additionalProperties as Schema, base, value[k], `${path}/${k}`, errors);
        if (s.propertyNames !== undefined) this.check(s.propertyNames as Schema, base, k, `${path}/${k}`, errors);
      }
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) this.check(sub, base, value, path, errors);
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => this.ok(sub, base, value, path))) fail('matches none of anyOf');
    if (Array.isArray(s.oneOf)) {
      const n = (s.oneOf as Schema[]).filter((sub) => this.ok(sub, base, value, path)).length;
      if (n !== 1) fail(`matches ${n} of oneOf, not exactly 1`);
    }
    if (s.not !== undefined && this.ok(s.not as Schema, base, value, path)) fail('matches not');
    if (s.if !== undefined) {
      if (this.ok(s.if as Schema, base, value, path)) {
        if (s.then !== undefined) this.check(s.then as Schema, base, value, path, errors);
      } else if (s.else !== undefined) this.check(s.else as Schema, base, value, path, errors);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    default:
      throw new Error(`unknown type ${t}`);
  }
}

function isDateTime(s: string): boolean {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) && Number.isFinite(Date.parse(s));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
