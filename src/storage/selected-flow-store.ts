/**
 * Storage of selected records (自動選別, Act Art. 22): the only flow data a cyber-office instance
 * keeps. Writes come from the selection stage; reads go through the purpose-bound API, which
 * records every read in the transparency log first (Act Art. 23).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { decodeSelectedBlock, encodeSelectedBlock, MAX_BLOCK_RECORDS, type EncodedBlock } from '../core/selection/selected-block.js';
export type { EncodedBlock };
import type { OutputField } from '../core/selection/criteria.js';
import type { OutputRecord, SelectedRecord } from '../core/selection/selector.js';
import type { Database, SelectedFlowTable } from './schema.js';

/** Where selected records of one approval go. */
export interface SelectedFlowSink {
  /** `fields`: the approval's output fields (CompiledSelector.outputFields), when known. */
  write(approvalId: string, records: readonly SelectedRecord[], fields?: readonly OutputField[]): void;
  /**
   * Blocks already encoded (CompiledSelector.selectBlocks: the kept flows straight from the batch,
   * no record objects, no address text), `count` records in all. A sink that has it gets blocks
   * from the selection stage instead of records.
   */
  writeBlocks?(approvalId: string, blocks: readonly EncodedBlock[], count: number): void;
  /**
   * Hands on what the sink holds back: everything when `all`, else only what has waited its
   * longest delay. The selection stage calls it on every tick, and with `all` when it closes.
   */
  flush?(all: boolean): void;
}

/** Output field → column of the legacy row table (records stored before migration 9). */
const FIELD_COLUMNS: readonly (readonly [keyof OutputRecord, keyof SelectedFlowTable])[] = [
  ['start', 'start_ms'], ['end', 'end_ms'], ['exporter', 'exporter'], ['observationDomain', 'observation_domain'], ['source', 'source'],
  ['ipVersion', 'ip_version'], ['src', 'src'], ['dst', 'dst'], ['srcPort', 'src_port'], ['dstPort', 'dst_port'], ['proto', 'proto'],
  ['tcpFlags', 'tcp_flags'], ['packets', 'packets'], ['octets', 'octets'], ['sampledPackets', 'sampled_packets'], ['sampledOctets', 'sampled_octets'],
  ['samplingRate', 'sampling_rate'], ['inIf', 'in_if'], ['outIf', 'out_if'], ['srcAs', 'src_as'], ['dstAs', 'dst_as'], ['direction', 'direction'],
  ['srcCountry', 'src_country'], ['dstCountry', 'dst_country'],
];

/** A batch's records as blocks of at most MAX_BLOCK_RECORDS, encoded with the approval's field list. */
export function encodeBlocks(records: readonly SelectedRecord[], fields?: readonly OutputField[]): EncodedBlock[] {
  const out: EncodedBlock[] = [];
  for (let off = 0; off < records.length; off += MAX_BLOCK_RECORDS) {
    const part = off === 0 && records.length <= MAX_BLOCK_RECORDS ? records : records.slice(off, off + MAX_BLOCK_RECORDS);
    out.push({ count: part.length, body: encodeSelectedBlock(part, fields) });
  }
  return out;
}

/**
 * Inserts a batch's encoded blocks of one approval (one row per block; encodeBlocks splits at
 * MAX_BLOCK_RECORDS), in one transaction, so a batch is stored whole or not at all. Record ids are
 * block id × MAX_BLOCK_RECORDS + index; block ids start above every legacy row id, so the ids the
 * API shows stay unique and grow with storage order across the upgrade.
 */
export class SqliteSelectedBlockWriter {
  readonly #insert: BetterSqlite3.Statement<[number, string, number, number, Buffer]>;
  readonly #firstBlockId: number;
  readonly #tx: (approvalId: string, blocks: readonly EncodedBlock[], storedMs: number) => void;

  constructor(raw: BetterSqlite3.Database) {
    const legacy = raw.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM selected_flows').get()?.id ?? 0;
    this.#firstBlockId = Math.floor(legacy / MAX_BLOCK_RECORDS) + 1;
    // The id is taken inside the INSERT, under SQLite's write lock: two writers (the collector and
    // an `import`) never pick the same one.
    this.#insert = raw.prepare(
      'INSERT INTO selected_blocks (id, approval_id, stored_ms, record_count, body) ' +
        'VALUES (max(coalesce((SELECT max(id) FROM selected_blocks), 0) + 1, ?), ?, ?, ?, ?)',
    );
    this.#tx = raw.transaction((approvalId: string, blocks: readonly EncodedBlock[], storedMs: number) => {
      for (const b of blocks) {
        if (!Number.isInteger(b.count) || b.count < 1 || b.count > MAX_BLOCK_RECORDS) throw new RangeError('block record count out of range');
        const body = Buffer.from(b.body.buffer, b.body.byteOffset, b.body.byteLength);
        this.#insert.run(this.#firstBlockId, approvalId, storedMs, b.count, body);
      }
    });
  }

  insert(approvalId: string, blocks: readonly EncodedBlock[], storedMs: number): void {
    if (blocks.length > 0) this.#tx(approvalId, blocks, storedMs);
  }
}

export class SqliteSelectedFlowSink implements SelectedFlowSink {
  readonly #writer: SqliteSelectedBlockWriter;
  readonly #now: () => number;

  constructor(raw: BetterSqlite3.Database, now: () => number = Date.now) {
    this.#now = now;
    this.#writer = new SqliteSelectedBlockWriter(raw);
  }

  write(approvalId: string, records: readonly SelectedRecord[], fields?: readonly OutputField[]): void {
    if (records.length > 0) this.writeBlocks(approvalId, encodeBlocks(records, fields), records.length);
  }

  writeBlocks(approvalId: string, blocks: readonly EncodedBlock[], count: number): void {
    if (count > 0) this.#writer.insert(approvalId, blocks, this.#now());
  }
}

/**
 * The decode worker's sink: it encodes the batch's blocks (bytes, no record objects) and hands
 * them to `post`, which transfers them to the collector's main thread; that thread inserts them
 * (SqliteSelectedBlockWriter) while the worker decodes on. Moves SQLite's share of the work, about
 * 0.12 µs per decoded record in the cyber-office profile, off the decode worker.
 *
 * Blocks are gathered per approval and posted together once the oldest has waited `maxDelayMs`
 * or `maxRecords` are held (and on flush(true)): one message and one SQLite transaction for many
 * batches instead of one each. A block is never split or merged, so each batch is still stored
 * whole or not at all.
 */
export class PostingSelectedFlowSink implements SelectedFlowSink {
  readonly #pending = new Map<string, EncodedBlock[]>();
  #held = 0;
  #oldestMs = 0;

  constructor(
    private readonly post: (approvalId: string, blocks: EncodedBlock[], storedMs: number) => void,
    private readonly now: () => number = Date.now,
    private readonly maxDelayMs = 100,
    private readonly maxRecords = 100_000,
  ) {}

  write(approvalId: string, records: readonly SelectedRecord[], fields?: readonly OutputField[]): void {
    if (records.length > 0) this.writeBlocks(approvalId, encodeBlocks(records, fields), records.length);
  }

  writeBlocks(approvalId: string, blocks: readonly EncodedBlock[], count: number): void {
    if (count === 0) return;
    if (this.#held === 0) this.#oldestMs = this.now();
    const list = this.#pending.get(approvalId);
    if (list) list.push(...blocks);
    else this.#pending.set(approvalId, [...blocks]);
    this.#held += count;
    // Age is the caller's tick (flush(false)); size is checked here.
    if (this.#held >= this.maxRecords) this.flush(true);
  }

  flush(all: boolean): void {
    if (this.#held === 0) return;
    const now = this.now();
    if (!all && now - this.#oldestMs < this.maxDelayMs) return;
    const pending = [...this.#pending];
    this.#pending.clear();
    this.#held = 0;
    for (const [approvalId, blocks] of pending) this.post(approvalId, blocks, now);
  }
}

export interface SelectedFlowView {
  id: number;
  approvalId: string;
  criteria: string[];
  storedAt: string;
  fields: OutputRecord;
}

export function rowToSelectedView(r: SelectedFlowTable): SelectedFlowView {
  const fields: Record<string, unknown> = {};
  for (const [field, col] of FIELD_COLUMNS) {
    const v = r[col];
    if (v !== null && v !== undefined) fields[field] = v;
  }
  return { id: r.id ?? 0, approvalId: r.approval_id, criteria: r.criteria_ids.split(','), storedAt: new Date(r.stored_ms).toISOString(), fields: fields as OutputRecord };
}

export class SelectedFlowQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The `limit` most recently stored records, newest first: blocks, then legacy rows. With
   * `approvalIds`, only records those approvals selected (none when the list is empty).
   */
  async recent(limit: number, approvalIds?: readonly string[]): Promise<SelectedFlowView[]> {
    const out: SelectedFlowView[] = [];
    if (approvalIds !== undefined && approvalIds.length === 0) return out;
    let before = Number.MAX_SAFE_INTEGER;
    while (out.length < limit) {
      let q = this.db.selectFrom('selected_blocks').select(['id', 'approval_id', 'stored_ms', 'record_count', 'body']).where('id', '<', before);
      if (approvalIds !== undefined) q = q.where('approval_id', 'in', [...approvalIds]);
      const block = await q.orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (!block) break;
      const id = block.id ?? 0;
      before = id;
      const count = block.record_count;
      const from = Math.max(0, count - (limit - out.length));
      const decoded = decodeSelectedBlock(block.body, from, count);
      const storedAt = new Date(block.stored_ms).toISOString();
      for (let k = decoded.fields.length - 1; k >= 0; k--) {
        out.push({ id: id * MAX_BLOCK_RECORDS + from + k, approvalId: block.approval_id, criteria: decoded.criteria[k], storedAt, fields: decoded.fields[k] });
      }
    }
    if (out.length < limit) {
      let q = this.db.selectFrom('selected_flows').selectAll();
      if (approvalIds !== undefined) q = q.where('approval_id', 'in', [...approvalIds]);
      const rows = await q.orderBy('id', 'desc').limit(limit - out.length).execute();
      for (const r of rows) out.push(rowToSelectedView(r));
    }
    return out;
  }

  async count(): Promise<number> {
    const blocks = await this.db.selectFrom('selected_blocks').select((eb) => eb.fn.sum<number | null>('record_count').as('n')).executeTakeFirstOrThrow();
    const rows = await this.db.selectFrom('selected_flows').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(blocks.n ?? 0) + Number(rows.n);
  }
}
