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
 * value falls back to STR. Rows read straight from a batch (encodeRows with a RowSource that has
 * ipv4(), the selection stage's path) give deferred IPv4 addresses as numbers, whose digits are
 * written into the text directly: the same bytes, without making the strings.
 * Columns are 4- or 8-byte aligned in the block so they are read as typed-array views.
 * Only the fields of the records are written: what selection minimized away never reaches the block.
 */
import { SakimoriError } from '../errors.js';
import { formatIPv4Number } from '../flow/ip-address.js';
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
/** One encoded block of selected records and how many records it holds. */
export interface EncodedBlock {
  count: number;
  body: Uint8Array;
}

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

/**
 * Where an encoder reads the rows of a block from: statements run for row k (0 ≤ k < n) of the
 * context `ctx` that declare `ids` (the row's criterion ids) and whatever value() uses, the value
 * of an output field for that row as a JavaScript expression, and the helpers those may call.
 * SelectedRecords are one source; the selector's batch columns are another (no record objects).
 */
export interface RowSource {
  readonly name: string;
  readonly setup: string;
  value(field: OutputField): string;
  /**
   * For src and dst: an expression giving the IPv4 address as a number when the value would be
   * its dotted quad made from that number (deferred text), else -1; value() is then not evaluated
   * and the block's text is written from the number, without making the string.
   */
  ipv4?(field: OutputField): string;
  readonly helpers?: Readonly<Record<string, unknown>>;
}

type Extract = (
  ctx: unknown,
  n: number,
  columns: readonly RawColumn[],
  addresses: readonly (Float64Array | undefined)[],
  criteria: Uint32Array,
  intern: (s: string) => number,
) => void;

const extractors = new Map<string, Extract>();

/**
 * Reads the block's columns out of the rows: one function per source and field list, compiled
 * once, with a named property load per field (a loop over field names would cost a keyed lookup
 * per value). The source is built only from OUTPUT_FIELDS names, as the selector's minimizer is.
 */
function extractorFor(source: RowSource, fields: readonly OutputField[]): Extract {
  const key = `${source.name}:${fields.join(',')}`;
  let fn = extractors.get(key);
  if (fn) return fn;
  const head: string[] = [];
  const body: string[] = [];
  fields.forEach((field, c) => {
    if (!FIELD_INDEX.has(field) || !/^[A-Za-z]+$/.test(field)) throw new RangeError(`unknown output field ${field}`);
    head.push(`const c${c} = columns[${c}];`);
    const raw = rawOf(field);
    if (raw === Raw.TEXT) {
      head.push(`const a${c} = addresses[${c}];`);
      const text = `const v${c} = ${source.value(field)}; c${c}[k] = typeof v${c} === 'string' ? v${c} : null;`;
      const ipv4 = source.ipv4?.(field);
      body.push(ipv4 === undefined ? `a${c}[k] = -1; ${text}` : `const n${c} = ${ipv4}; a${c}[k] = n${c}; if (n${c} >= 0) c${c}[k] = null; else { ${text} }`);
      return;
    }
    body.push(`const v${c} = ${source.value(field)};`);
    if (raw === Raw.STRING) body.push(`c${c}[k] = typeof v${c} === 'string' ? intern(v${c}) : ${ABSENT};`);
    else body.push(`c${c}[k] = typeof v${c} === 'number' ? ${TIME_FIELDS.has(field) ? `Math.round(v${c})` : `v${c}`} : NaN;`);
  });
  const helpers = Object.entries(source.helpers ?? {});
  fn = new Function(
    ...helpers.map(([name]) => name),
    `return function extract(ctx, n, columns, addresses, criteria, intern) {
    ${head.join('\n')}
    for (let k = 0; k < n; k++) {
      ${source.setup}
      criteria[k] = intern(ids.length === 1 ? ids[0] : ids.join(','));
      ${body.join('\n')}
    }
  };`,
  )(...helpers.map(([, value]) => value)) as Extract;
  extractors.set(key, fn);
  return fn;
}

/** SelectedRecords as rows. */
const RECORDS: RowSource = {
  name: 'records',
  setup: 'const row = ctx[k]; const ids = row.criteria; const f = row.fields;',
  value: (field) => `f.${field}`,
};

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
  /** Beside each text column: the IPv4 number whose dotted quad the value is, or -1 (RowSource.ipv4). */
  addresses: [] as Float64Array[],
};

function scratchAddresses(c: number, n: number): Float64Array {
  if ((scratch.addresses[c]?.length ?? 0) < n) scratch.addresses[c] = new Float64Array(Math.max(n, 1024));
  return scratch.addresses[c];
}

/** Characters of 0…255 in decimal, three slots each, and their count: IPv4 text written as bytes. */
const OCTET_LENGTH = new Uint8Array(256);
const OCTET_CHARS = new Uint8Array(256 * 3);
for (let x = 0; x < 256; x++) {
  const t = String(x);
  OCTET_LENGTH[x] = t.length;
  for (let j = 0; j < t.length; j++) OCTET_CHARS[3 * x + j] = t.charCodeAt(j);
}

function ipv4TextLength(a: number): number {
  return 3 + OCTET_LENGTH[a >>> 24] + OCTET_LENGTH[(a >>> 16) & 255] + OCTET_LENGTH[(a >>> 8) & 255] + OCTET_LENGTH[a & 255];
}

/** Writes the dotted quad of `a` at `at`; returns the offset after it. */
function writeIPv4Text(out: Uint8Array, at: number, a: number): number {
  for (let shift = 24; shift >= 0; shift -= 8) {
    const x = (a >>> shift) & 255;
    const from = 3 * x;
    out[at++] = OCTET_CHARS[from];
    if (OCTET_LENGTH[x] > 1) out[at++] = OCTET_CHARS[from + 1];
    if (OCTET_LENGTH[x] > 2) out[at++] = OCTET_CHARS[from + 2];
    if (shift > 0) out[at++] = 0x2e;
  }
  return at;
}

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

/**
 * How a read column is written: its kind; for TEXT its characters' count and, when every value is
 * a string, the values joined (ASCII); for a TEXT column that was not ASCII, its dictionary ids.
 */
interface PlannedColumn {
  kind: Kind;
  textLength?: number;
  joined?: string;
  ids?: Uint32Array;
}

/** The TEXT plan of a column with some values given as IPv4 numbers (written as bytes, no string). */
function planMixedText(values: readonly (string | null)[], addresses: Float64Array, n: number, intern: (s: string) => number): PlannedColumn {
  let length = 0;
  let ascii = true;
  for (let k = 0; k < n; k++) {
    if (addresses[k] >= 0) length += ipv4TextLength(addresses[k]);
    else {
      const v = values[k];
      if (v === null) continue;
      length += v.length;
      for (let j = 0; ascii && j < v.length; j++) if (v.charCodeAt(j) > 0x7f) ascii = false;
    }
  }
  if (ascii) return { kind: Kind.TEXT, textLength: length };
  const ids = new Uint32Array(n);
  for (let k = 0; k < n; k++) ids[k] = addresses[k] >= 0 ? intern(formatIPv4Number(addresses[k])) : values[k] === null ? ABSENT : intern(values[k]!);
  return { kind: Kind.STR, ids };
}

/**
 * Encodes up to MAX_BLOCK_RECORDS selected records into one block. `fields` is the approval's
 * output field list when the caller has it (every record of one selector carries exactly those;
 * a field outside the list is not stored); without it the block holds every field any record has.
 * The block owns its whole ArrayBuffer (it can be transferred to another thread as it is).
 */
export function encodeSelectedBlock(records: readonly SelectedRecord[], fields?: readonly OutputField[]): Buffer {
  return encodeRows(RECORDS, records, records.length, fields ? OUTPUT_FIELDS.filter((f) => fields.includes(f)) : fieldsOf(records));
}

/**
 * Encodes rows 0…n of `ctx` as `source` reads them into one block with the columns `columnsOf`
 * (in OUTPUT_FIELDS order): the same bytes encodeSelectedBlock makes of the records those rows
 * would have become.
 */
export function encodeRows(source: RowSource, ctx: unknown, n: number, columnsOf: readonly OutputField[]): Buffer {
  if (n > MAX_BLOCK_RECORDS) throw new RangeError(`a block holds at most ${MAX_BLOCK_RECORDS} records`);
  const interner = new ValueInterner();
  const intern = (s: string): number => interner.intern(s);
  if (scratch.criteria.length < n) scratch.criteria = new Uint32Array(Math.max(n, 1024));
  const criteria = scratch.criteria;
  const raws = columnsOf.map(rawOf);
  const read = raws.map((raw, c) => scratchColumn(raw, c, n));
  const addresses = raws.map((raw, c) => (raw === Raw.TEXT ? scratchAddresses(c, n) : undefined));
  try {
    extractorFor(source, columnsOf)(ctx, n, read, addresses, criteria, intern);
    // Kinds first (a TEXT column that is not ASCII adds to the dictionary), then the dictionary.
    const plan: PlannedColumn[] = [];
    for (let c = 0; c < columnsOf.length; c++) {
      if (raws[c] === Raw.TEXT) {
        // Exactly n values: the reused text columns are emptied after every block.
        const values = read[c] as (string | null)[];
        const numbers = addresses[c]!;
        let mixed = false;
        for (let k = 0; k < n && !mixed; k++) mixed = numbers[k] >= 0;
        if (mixed) {
          plan.push(planMixedText(values, numbers, n, intern));
          continue;
        }
        const joined = values.join('');
        // UTF-8 length equals the string length exactly when every character is ASCII.
        if (Buffer.byteLength(joined, 'utf8') === joined.length) plan.push({ kind: Kind.TEXT, joined, textLength: joined.length });
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
      if (p.kind === Kind.TEXT) size += 4 + p.textLength!;
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
        // TEXT: the end offset of each value (ABSENT when missing), the characters' count, the characters.
        const values = read[c] as (string | null)[];
        const numbers = addresses[c]!;
        const ends = new Uint32Array(out.buffer, o, n);
        const textAt = o + 4 * n + 4;
        out.writeUInt32LE(p.textLength!, textAt - 4);
        if (p.joined !== undefined) {
          let end = 0;
          for (let i = 0; i < n; i++) {
            const v = values[i];
            ends[i] = v === null ? ABSENT : (end += v.length);
          }
          out.write(p.joined, textAt, 'latin1');
        } else {
          let at = textAt;
          for (let i = 0; i < n; i++) {
            if (numbers[i] >= 0) at = writeIPv4Text(out, at, numbers[i]);
            else {
              const v = values[i];
              if (v === null) {
                ends[i] = ABSENT;
                continue;
              }
              for (let j = 0; j < v.length; j++) out[at++] = v.charCodeAt(j);
            }
            ends[i] = at - textAt;
          }
        }
      }
      o += (p.kind === Kind.F64 ? 8 : 4) * n;
      if (p.kind === Kind.TEXT) o += 4 + p.textLength!;
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
