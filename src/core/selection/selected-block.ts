/**
 * The stored form of one batch's selected records of one approval: a column block, like nfdump's
 * data blocks. A row per selected record cost SQLite about 4–5 µs (record encoding, B-tree and
 * index inserts, WAL frames) — more than decoding, classifying and selecting the record together;
 * one block per batch costs one row and its encoding here, well under 1 µs per record.
 *
 * Layout (all integers little-endian):
 *   "SKB1"  u32 count  u32 dictionaryBytes  u8 columnCount
 *   per column: u8 field (index in OUTPUT_FIELDS)  u8 kind
 *   dictionary: UTF-8 JSON array of the block's distinct strings
 *   criteria column: u32 × count (dictionary index of the comma-joined criterion ids)
 *   per column, in order: kind U32 → u32 × count; kind F64 → f64 × count; kind STR → u32 × count
 *     (dictionary index); kind TEXT → u32 × count (end offset of each value in the column's text),
 *     u32 textBytes, then the values back to back as ASCII. A field a record lacks is NaN (F64),
 *     ABSENT (U32, STR, TEXT).
 * Addresses (src, dst) are mostly distinct: they go to TEXT columns (one join and one copy per
 * column) rather than through the dictionary (a hash lookup per value); a column with a non-ASCII
 * value falls back to STR.
 * Columns are 4- or 8-byte aligned in the block so they are read as typed-array views.
 * Only the fields of the records are written: what selection minimized away never reaches the block.
 */
import { SakimoriError } from '../errors.js';
import { ValueInterner } from '../value-interner.js';
import { OUTPUT_FIELDS, type OutputField } from './criteria.js';
import type { OutputRecord, SelectedRecord } from './selector.js';

const MAGIC = 0x31424b53; // "SKB1" read as a little-endian u32
const enum Kind {
  U32 = 0,
  F64 = 1,
  STR = 2,
  TEXT = 3,
}
/** Missing value in a U32 or STR column. */
const ABSENT = 0xffffffff;
const STRING_FIELDS: ReadonlySet<OutputField> = new Set(['exporter', 'source', 'src', 'dst', 'direction', 'srcCountry', 'dstCountry']);
/** String fields whose values are mostly distinct (TEXT columns). */
const TEXT_FIELDS: ReadonlySet<OutputField> = new Set(['src', 'dst']);
/** Times are stored as whole milliseconds (the record may carry sub-millisecond interpolation). */
const TIME_FIELDS: ReadonlySet<OutputField> = new Set(['start', 'end']);
const FIELD_INDEX = new Map<string, number>(OUTPUT_FIELDS.map((f, i) => [f, i]));
/** Largest number of records in one block: record ids are block id × MAX_BLOCK_RECORDS + index. */
export const MAX_BLOCK_RECORDS = 65_536;

const align = (n: number, to: number) => Math.ceil(n / to) * to;

function corrupt(why: string): SakimoriError {
  return new SakimoriError('SAKI_ERR_SELECTED_BLOCK_CORRUPT', `stored block of selected records is corrupt: ${why}`);
}

/** Where a field's values go while a block is built: numbers, dictionary strings, or TEXT values. */
const enum Raw {
  NUMBER,
  STRING,
  TEXT,
}

function rawOf(field: OutputField): Raw {
  return TEXT_FIELDS.has(field) ? Raw.TEXT : STRING_FIELDS.has(field) ? Raw.STRING : Raw.NUMBER;
}

/** Column c of the block as read from the records: Float64Array, Uint32Array (dictionary ids) or the strings. */
type RawColumn = Float64Array | Uint32Array | (string | null)[];

type Extract = (records: readonly SelectedRecord[], columns: readonly RawColumn[], criteria: Uint32Array, intern: (s: string) => number) => void;

const extractors = new Map<string, Extract>();

/**
 * Reads the block's columns out of the records: one function per field list, compiled once, with
 * a named property load per field (a loop over field names would cost a keyed lookup per value).
 * The source is built only from OUTPUT_FIELDS names, as the selector's minimizer is.
 */
function extractorFor(fields: readonly OutputField[]): Extract {
  const key = fields.join(',');
  let fn = extractors.get(key);
  if (fn) return fn;
  const head: string[] = [];
  const body: string[] = [];
  fields.forEach((field, c) => {
    if (!FIELD_INDEX.has(field) || !/^[A-Za-z]+$/.test(field)) throw new RangeError(`unknown output field ${field}`);
    head.push(`const c${c} = columns[${c}];`);
    const raw = rawOf(field);
    if (raw === Raw.TEXT) body.push(`const v${c} = f.${field}; c${c}[i] = typeof v${c} === 'string' ? v${c} : null;`);
    else if (raw === Raw.STRING) body.push(`const v${c} = f.${field}; c${c}[i] = typeof v${c} === 'string' ? intern(v${c}) : ${ABSENT};`);
    else {
      const value = TIME_FIELDS.has(field) ? `Math.round(f.${field})` : `f.${field}`;
      body.push(`c${c}[i] = typeof f.${field} === 'number' ? ${value} : NaN;`);
    }
  });
  fn = new Function(
    'records',
    'columns',
    'criteria',
    'intern',
    `${head.join('\n')}
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const f = r.fields;
      const c = r.criteria;
      criteria[i] = intern(c.length === 1 ? c[0] : c.join(','));
      ${body.join('\n')}
    }`,
  ) as Extract;
  extractors.set(key, fn);
  return fn;
}

/** Output fields present in any of the records, in OUTPUT_FIELDS order. */
function fieldsOf(records: readonly SelectedRecord[]): OutputField[] {
  let mask = 0;
  for (const r of records) {
    for (const k in r.fields) {
      const idx = FIELD_INDEX.get(k);
      if (idx !== undefined && (r.fields as Record<string, unknown>)[k] !== undefined) mask |= 1 << idx;
    }
  }
  return OUTPUT_FIELDS.filter((_, i) => (mask & (1 << i)) !== 0);
}

/**
 * Encodes up to MAX_BLOCK_RECORDS selected records into one block. `fields` is the approval's
 * output field list when the caller has it (every record of one selector carries exactly those;
 * a field outside the list is not stored); without it the block holds every field any record has.
 */
export function encodeSelectedBlock(records: readonly SelectedRecord[], fields?: readonly OutputField[]): Buffer {
  const n = records.length;
  if (n > MAX_BLOCK_RECORDS) throw new RangeError(`a block holds at most ${MAX_BLOCK_RECORDS} records`);
  const columnsOf = fields ? OUTPUT_FIELDS.filter((f) => fields.includes(f)) : fieldsOf(records);
  const interner = new ValueInterner();
  const dictionary = interner.values;
  const intern = (s: string): number => interner.intern(s);
  const criteria = new Uint32Array(n);
  const raws = columnsOf.map(rawOf);
  const read: RawColumn[] = raws.map((raw) => (raw === Raw.TEXT ? new Array<string | null>(n) : raw === Raw.STRING ? new Uint32Array(n) : new Float64Array(n)));
  extractorFor(columnsOf)(records, read, criteria, intern);
  const columns: { kind: Kind; data: Uint32Array | Float64Array; text?: Buffer }[] = [];
  for (let c = 0; c < columnsOf.length; c++) {
    if (raws[c] === Raw.TEXT) {
      const values = read[c] as (string | null)[];
      columns.push(textColumn(values) ?? { kind: Kind.STR, data: Uint32Array.from(values, (v) => (v === null ? ABSENT : intern(v))) });
      continue;
    }
    if (raws[c] === Raw.STRING) {
      columns.push({ kind: Kind.STR, data: read[c] as Uint32Array });
      continue;
    }
    const col = read[c] as Float64Array;
    let fitsU32 = true;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      // ABSENT itself marks "missing" in a U32 column: a real 0xffffffff goes to an F64 column.
      if (!(v >= 0 && v < ABSENT && v === Math.floor(v))) {
        fitsU32 = false;
        break;
      }
    }
    columns.push(fitsU32 ? { kind: Kind.U32, data: new Uint32Array(col) } : { kind: Kind.F64, data: col });
  }
  const dict = Buffer.from(JSON.stringify(dictionary), 'utf8');
  let size = align(13 + 2 * columnsOf.length + dict.length, 4) + 4 * n;
  for (const c of columns) {
    size = align(size, c.kind === Kind.F64 ? 8 : 4) + c.data.byteLength;
    if (c.text) size += 4 + c.text.length;
  }
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(dict.length, 8);
  out.writeUInt8(columnsOf.length, 12);
  let o = 13;
  columnsOf.forEach((field, c) => {
    out[o++] = FIELD_INDEX.get(field)!;
    out[o++] = columns[c].kind;
  });
  dict.copy(out, o);
  o = align(o + dict.length, 4);
  out.set(new Uint8Array(criteria.buffer), o);
  o += 4 * n;
  for (const c of columns) {
    o = align(o, c.kind === Kind.F64 ? 8 : 4);
    out.set(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength), o);
    o += c.data.byteLength;
    if (c.text) {
      out.writeUInt32LE(c.text.length, o);
      c.text.copy(out, o + 4);
      o += 4 + c.text.length;
    }
  }
  return out;
}

/** A TEXT column (end offsets and the values back to back), or undefined if a value is not ASCII. */
function textColumn(values: readonly (string | null)[]): { kind: Kind; data: Uint32Array; text: Buffer } | undefined {
  const joined = values.join('');
  // UTF-8 length equals the string length exactly when every character is ASCII.
  if (Buffer.byteLength(joined, 'utf8') !== joined.length) return undefined;
  const ends = new Uint32Array(values.length);
  let end = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) ends[i] = ABSENT;
    else ends[i] = end += v.length;
  }
  return { kind: Kind.TEXT, data: ends, text: Buffer.from(joined, 'latin1') };
}

/** A decoded block: record i is (criteria[i], fields[i]). */
export interface DecodedSelectedBlock {
  criteria: string[][];
  fields: OutputRecord[];
}

/**
 * Decodes records [from, to) of a block (all by default). Throws SAKI_ERR_SELECTED_BLOCK_CORRUPT
 * on anything that does not parse: a stored block is never half-read.
 */
export function decodeSelectedBlock(body: Uint8Array, from = 0, to = Number.POSITIVE_INFINITY): DecodedSelectedBlock {
  // Typed-array views need aligned offsets: SQLite hands out blobs at arbitrary addresses.
  const b = body.byteOffset % 8 === 0 ? body : new Uint8Array(body);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength < 13 || view.getUint32(0, true) !== MAGIC) throw corrupt('unknown format');
  const n = view.getUint32(4, true);
  const dictBytes = view.getUint32(8, true);
  const columnCount = b[12];
  let o = 13;
  if (n > MAX_BLOCK_RECORDS || o + 2 * columnCount + dictBytes > b.byteLength) throw corrupt('header out of range');
  const fields: OutputField[] = [];
  const kinds: Kind[] = [];
  for (let c = 0; c < columnCount; c++) {
    const field = OUTPUT_FIELDS[b[o]];
    const kind = b[o + 1] as Kind;
    const stringKind = kind === Kind.STR || kind === Kind.TEXT;
    if (field === undefined || kind > Kind.TEXT || stringKind !== STRING_FIELDS.has(field)) throw corrupt('unknown column');
    fields.push(field);
    kinds.push(kind);
    o += 2;
  }
  let dictionary: unknown;
  try {
    dictionary = JSON.parse(Buffer.from(b.buffer, b.byteOffset + o, dictBytes).toString('utf8'));
  } catch {
    throw corrupt('dictionary does not parse');
  }
  if (!Array.isArray(dictionary) || !dictionary.every((s) => typeof s === 'string')) throw corrupt('dictionary is not a list of strings');
  const dict = dictionary as string[];
  o = align(o + dictBytes, 4);
  const need = (bytes: number) => {
    if (o + bytes > b.byteLength) throw corrupt('truncated');
  };
  need(4 * n);
  const crit = new Uint32Array(b.buffer, b.byteOffset + o, n);
  o += 4 * n;
  const cols: (Uint32Array | Float64Array)[] = [];
  /** TEXT columns: their characters (latin1 = ASCII here), by column index. */
  const textOf: (Buffer | undefined)[] = [];
  for (let c = 0; c < columnCount; c++) {
    if (kinds[c] === Kind.F64) {
      o = align(o, 8);
      need(8 * n);
      cols.push(new Float64Array(b.buffer, b.byteOffset + o, n));
      o += 8 * n;
    } else {
      o = align(o, 4);
      need(4 * n);
      cols.push(new Uint32Array(b.buffer, b.byteOffset + o, n));
      o += 4 * n;
    }
    if (kinds[c] === Kind.TEXT) {
      need(4);
      const len = new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true);
      o += 4;
      need(len);
      textOf[c] = Buffer.from(b.buffer, b.byteOffset + o, len);
      o += len;
    }
  }
  const end = Math.min(n, to);
  const criteria: string[][] = [];
  const records: OutputRecord[] = [];
  const str = (k: number): string => {
    const s = dict[k];
    if (s === undefined) throw corrupt('string index out of range');
    return s;
  };
  /** Value i of TEXT column c: it starts where the last present value before it ended. */
  const text = (c: number, i: number): string => {
    const ends = cols[c] as Uint32Array;
    let start = 0;
    for (let k = i - 1; k >= 0; k--) {
      if (ends[k] !== ABSENT) {
        start = ends[k];
        break;
      }
    }
    const t = textOf[c]!;
    if (ends[i] < start || ends[i] > t.length) throw corrupt('text offset out of range');
    return t.toString('latin1', start, ends[i]);
  };
  for (let i = Math.max(0, from); i < end; i++) {
    criteria.push(str(crit[i]).split(','));
    const r: Record<string, string | number> = {};
    for (let c = 0; c < columnCount; c++) {
      const v = cols[c][i];
      const kind = kinds[c];
      if (kind === Kind.F64) {
        if (!Number.isNaN(v)) r[fields[c]] = v;
      } else if (v !== ABSENT) r[fields[c]] = kind === Kind.STR ? str(v) : kind === Kind.TEXT ? text(c, i) : v;
    }
    records.push(r as OutputRecord);
  }
  return { criteria, fields: records };
}

/** Record count of a block without decoding it. */
export function selectedBlockCount(body: Uint8Array): number {
  if (body.byteLength < 13) throw corrupt('unknown format');
  return new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(4, true);
}
