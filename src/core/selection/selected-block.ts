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
 * Columns the encoder reads the records into, reused from block to block (a batch's block is
 * encoded every few milliseconds: allocating them each time cost more than filling them). They
 * hold only selected records' values; text columns are emptied after each block.
 */
const scratch = {
  criteria: new Uint32Array(0),
  numbers: [] as Float64Array[],
  ids: [] as Uint32Array[],
  texts: [] as (string | null)[][],
};

function scratchColumn(raw: Raw, c: number, n: number): RawColumn {
  if (raw === Raw.NUMBER) {
    if ((scratch.numbers[c]?.length ?? 0) < n) scratch.numbers[c] = new Float64Array(Math.max(n, 1024));
    return scratch.numbers[c];
  }
  if (raw === Raw.STRING) {
    if ((scratch.ids[c]?.length ?? 0) < n) scratch.ids[c] = new Uint32Array(Math.max(n, 1024));
    return scratch.ids[c];
  }
  scratch.texts[c] ??= [];
  return scratch.texts[c];
}

/** How a read column is written: its kind; for TEXT its values joined (ASCII); for a TEXT column that was not ASCII, its dictionary ids. */
interface PlannedColumn {
  kind: Kind;
  joined?: string;
  ids?: Uint32Array;
}

/**
 * Encodes up to MAX_BLOCK_RECORDS selected records into one block. `fields` is the approval's
 * output field list when the caller has it (every record of one selector carries exactly those;
 * a field outside the list is not stored); without it the block holds every field any record has.
 * The block owns its whole ArrayBuffer (it can be transferred to another thread as it is).
 */
export function encodeSelectedBlock(records: readonly SelectedRecord[], fields?: readonly OutputField[]): Buffer {
  const n = records.length;
  if (n > MAX_BLOCK_RECORDS) throw new RangeError(`a block holds at most ${MAX_BLOCK_RECORDS} records`);
  const columnsOf = fields ? OUTPUT_FIELDS.filter((f) => fields.includes(f)) : fieldsOf(records);
  const interner = new ValueInterner();
  const intern = (s: string): number => interner.intern(s);
  if (scratch.criteria.length < n) scratch.criteria = new Uint32Array(Math.max(n, 1024));
  const criteria = scratch.criteria;
  const raws = columnsOf.map(rawOf);
  const read = raws.map((raw, c) => scratchColumn(raw, c, n));
  try {
    extractorFor(columnsOf)(records, read, criteria, intern);
    // Kinds first (a TEXT column that is not ASCII adds to the dictionary), then the dictionary.
    const plan: PlannedColumn[] = [];
    for (let c = 0; c < columnsOf.length; c++) {
      if (raws[c] === Raw.TEXT) {
        // Exactly n values: the reused text columns are emptied after every block.
        const values = read[c] as (string | null)[];
        const joined = values.join('');
        // UTF-8 length equals the string length exactly when every character is ASCII.
        if (Buffer.byteLength(joined, 'utf8') === joined.length) plan.push({ kind: Kind.TEXT, joined });
        else plan.push({ kind: Kind.STR, ids: Uint32Array.from(values, (v) => (v === null ? ABSENT : intern(v))) });
      } else if (raws[c] === Raw.STRING) plan.push({ kind: Kind.STR });
      else plan.push({ kind: fitsU32(read[c] as Float64Array, n) ? Kind.U32 : Kind.F64 });
    }
    const dict = JSON.stringify(interner.values);
    const dictLength = Buffer.byteLength(dict, 'utf8');
    const headerEnd = 13 + 2 * columnsOf.length + dictLength;
    let size = align(headerEnd, 4) + 4 * n;
    for (const p of plan) {
      size = align(size, p.kind === Kind.F64 ? 8 : 4) + (p.kind === Kind.F64 ? 8 : 4) * n;
      if (p.kind === Kind.TEXT) size += 4 + p.joined!.length;
    }
    // Not zero-filled: every byte is written below, padding included.
    const out = Buffer.allocUnsafeSlow(size);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(n, 4);
    out.writeUInt32LE(dictLength, 8);
    out.writeUInt8(columnsOf.length, 12);
    let o = 13;
    columnsOf.forEach((field, c) => {
      out[o++] = FIELD_INDEX.get(field)!;
      out[o++] = plan[c].kind;
    });
    out.write(dict, o, 'utf8');
    o = pad(out, headerEnd, 4);
    new Uint32Array(out.buffer, o, n).set(criteria.subarray(0, n));
    o += 4 * n;
    for (let c = 0; c < plan.length; c++) {
      const p = plan[c];
      o = pad(out, o, p.kind === Kind.F64 ? 8 : 4);
      if (p.kind === Kind.F64) new Float64Array(out.buffer, o, n).set((read[c] as Float64Array).subarray(0, n));
      else if (p.kind === Kind.U32) {
        const col = read[c] as Float64Array;
        const u32 = new Uint32Array(out.buffer, o, n);
        for (let i = 0; i < n; i++) u32[i] = col[i];
      } else if (p.kind === Kind.STR) new Uint32Array(out.buffer, o, n).set(p.ids ?? (read[c] as Uint32Array).subarray(0, n));
      else {
        // TEXT: the end offset of each value (ABSENT when missing), then the characters.
        const values = read[c] as (string | null)[];
        const ends = new Uint32Array(out.buffer, o, n);
        let end = 0;
        for (let i = 0; i < n; i++) {
          const v = values[i];
          ends[i] = v === null ? ABSENT : (end += v.length);
        }
      }
      o += (p.kind === Kind.F64 ? 8 : 4) * n;
      if (p.kind === Kind.TEXT) {
        out.writeUInt32LE(p.joined!.length, o);
        out.write(p.joined!, o + 4, 'latin1');
        o += 4 + p.joined!.length;
      }
    }
    return out;
  } finally {
    // The reused text columns let go of the block's strings (addresses, tokens).
    for (let c = 0; c < raws.length; c++) if (raws[c] === Raw.TEXT) (read[c] as (string | null)[]).length = 0;
  }
}

/** Whether values[0, n) all fit a U32 column: integers in [0, ABSENT) (ABSENT marks "missing"). */
function fitsU32(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // v >>> 0 === v only for an integer in [0, 2^32); NaN (missing) fails it.
    if (v >>> 0 !== v || v === ABSENT) return false;
  }
  return true;
}

/** Zeroes the bytes from `o` up to the next multiple of `to`, and returns that offset. */
function pad(out: Buffer, o: number, to: number): number {
  const next = align(o, to);
  out.fill(0, o, next);
  return next;
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
