/**
 * JSON Canonicalization Scheme (RFC 8785) for the values log entries can hold: the exact bytes
 * of an entry are its Merkle leaf, so two encoders must produce the same text for the same value.
 * Object members are sorted by their UTF-16 code units (§3.2.3), strings and numbers are
 * serialized as ECMAScript JSON.stringify does (§3.2.2), and there is no whitespace.
 * Anything that is not JSON data (undefined, functions, NaN, class instances, lone surrogates)
 * is refused rather than dropped, so a value never changes silently on its way into the log.
 */

export class CanonicalJsonError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path || '(root)'}: ${message}`);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  return serialize(value, '');
}

/** True if `text` is exactly the canonical serialization of the JSON value it denotes. */
export function isCanonicalJson(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
    return canonicalJson(value) === text;
  } catch {
    return false;
  }
}

function serialize(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      // RFC 8785 §3.2.2.2 via I-JSON (RFC 7493 §2.1): strings are well-formed Unicode.
      if (/\p{Surrogate}/u.test(value)) throw new CanonicalJsonError('string contains a lone surrogate', path);
      return JSON.stringify(value);
    case 'number':
      // §3.2.2.3: ECMAScript Number serialization; -0 becomes 0, NaN/Infinity are not JSON.
      if (!Number.isFinite(value)) throw new CanonicalJsonError('number is not finite', path);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v, i) => serialize(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('only plain objects are JSON objects', path);
      const keys = Object.keys(value).sort();
      const members = keys.map((k) => {
        if (/\p{Surrogate}/u.test(k)) throw new CanonicalJsonError('member name contains a lone surrogate', path);
        return `${JSON.stringify(k)}:${serialize((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k)}`;
      });
      return `{${members.join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`${typeof value} is not a JSON value`, path);
  }
}
