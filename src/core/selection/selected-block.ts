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
 *     (dictionary index). A field a record lacks is NaN (F64), ABSENT (U32, STR).
 * Columns are 4- or 8-byte aligned in the block so they are read as typed-array views.
 * Only the fields of the records are written: what selection minimized away never reaches the block.
 */
import { SakimoriError } from '../errors.js';
import { OUTPUT_FIELDS, type OutputField } from './criteria.js';
import type { OutputRecord, SelectedRecord } from './selector.js';

const MAGIC = 0x31424b53; // "SKB1" read as a little-endian u32
const enum Kind {
  U32 = 0,
  F64 = 1,
  STR = 2,
}
/** Missing value in a U32 or STR column. */
const ABSENT = 0xffffffff;
const STRING_FIELDS: ReadonlySet<OutputField> = new Set(['exporter', 'source', 'src', 'dst', 'direction', 'srcCountry', 'dstCountry']);
/** Times are stored as whole milliseconds (the record may carry sub-millisecond interpolation). */
const TIME_FIELDS: ReadonlySet<OutputField> = new Set(['start', 'end']);
const FIELD_INDEX = new Map<string, number>(OUTPUT_FIELDS.map((f, i) => [f, i]));
/** Largest number of records in one block: record ids are block id × MAX_BLOCK_RECORDS + index. */
export const MAX_BLOCK_RECORDS = 65_536;

const align = (n: number, to: number) => Math.ceil(n / to) * to;

function corrupt(why: string): SakimoriError {
  return new SakimoriError('SAKI_ERR_SELECTED_BLOCK_CORRUPT', `stored block of selected records is corrupt: ${why}`);
}

type Extract = (
  records: readonly SelectedRecord[],
  numbers: readonly Float64Array[],
  strings: readonly Uint32Array[],
  criteria: Uint32Array,
  intern: (s: string) => number,
) => void;

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
  let num = 0;
  let str = 0;
  for (const field of fields) {
    if (!FIELD_INDEX.has(field) || !/^[A-Za-z]+$/.test(field)) throw new RangeError(`unknown output field ${field}`);
    if (STRING_FIELDS.has(field)) {
      head.push(`const s${str} = strings[${str}];`);
      body.push(`const v${field} = f.${field}; s${str}[i] = typeof v${field} === 'string' ? intern(v${field}) : ${ABSENT};`);
      str++;
    } else {
      head.push(`const n${num} = numbers[${num}];`);
      const value = TIME_FIELDS.has(field) ? `Math.round(f.${field})` : `f.${field}`;
      body.push(`n${num}[i] = typeof f.${field} === 'number' ? ${value} : NaN;`);
      num++;
    }
  }
  fn = new Function(
    'records',
    'numbers',
    'strings',
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
  const dictionary: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = dictionary.length;
      dictionary.push(s);
      ids.set(s, id);
    }
    return id;
  };
  const criteria = new Uint32Array(n);
  const numbers: Float64Array[] = [];
  const strings: Uint32Array[] = [];
  for (const field of columnsOf) {
    if (STRING_FIELDS.has(field)) strings.push(new Uint32Array(n));
    else numbers.push(new Float64Array(n));
  }
  extractorFor(columnsOf)(records, numbers, strings, criteria, intern);
  const kinds: Kind[] = [];
  const columns: (Uint32Array | Float64Array)[] = [];
  let num = 0;
  let str = 0;
  for (const field of columnsOf) {
    if (STRING_FIELDS.has(field)) {
      kinds.push(Kind.STR);
      columns.push(strings[str++]);
      continue;
    }
    const col = numbers[num++];
    let fitsU32 = true;
    for (let i = 0; i < n; i++) {
      const v = col[i];
      // ABSENT itself marks "missing" in a U32 column: a real 0xffffffff goes to an F64 column.
      if (!(v >= 0 && v < ABSENT && v === Math.floor(v))) {
        fitsU32 = false;
        break;
      }
    }
    kinds.push(fitsU32 ? Kind.U32 : Kind.F64);
    columns.push(fitsU32 ? new Uint32Array(col) : col);
  }
  const dict = Buffer.from(JSON.stringify(dictionary), 'utf8');
  let size = 13 + 2 * columnsOf.length + dict.length;
  size = align(size, 4) + 4 * n;
  for (let c = 0; c < columns.length; c++) size = kinds[c] === Kind.F64 ? align(size, 8) + 8 * n : align(size, 4) + 4 * n;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(dict.length, 8);
  out.writeUInt8(columnsOf.length, 12);
  let o = 13;
  columnsOf.forEach((field, c) => {
    out[o++] = FIELD_INDEX.get(field)!;
    out[o++] = kinds[c];
  });
  dict.copy(out, o);
  o = align(o + dict.length, 4);
  out.set(new Uint8Array(criteria.buffer), o);
  o += 4 * n;
  for (let c = 0; c < columns.length; c++) {
    o = align(o, kinds[c] === Kind.F64 ? 8 : 4);
    const col = columns[c];
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), o);
    o += col.byteLength;
  }
  return out;
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
    if (field === undefined || kind > Kind.STR || (kind === Kind.STR) !== STRING_FIELDS.has(field)) throw corrupt('unknown column');
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
  }
  const end = Math.min(n, to);
  const criteria: string[][] = [];
  const records: OutputRecord[] = [];
  const str = (k: number): string => {
    const s = dict[k];
    if (s === undefined) throw corrupt('string index out of range');
    return s;
  };
  for (let i = Math.max(0, from); i < end; i++) {
    criteria.push(str(crit[i]).split(','));
    const r: Record<string, string | number> = {};
    for (let c = 0; c < columnCount; c++) {
      const v = cols[c][i];
      if (kinds[c] === Kind.F64) {
        if (!Number.isNaN(v)) r[fields[c]] = v;
      } else if (v !== ABSENT) r[fields[c]] = kinds[c] === Kind.STR ? str(v) : v;
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
