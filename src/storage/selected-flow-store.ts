/**
 * Storage of selected records (自動選別, Act Art. 22): the only flow data a cyber-office instance
 * keeps. Writes come from the selection stage; reads go through the purpose-bound API, which
 * records every read in the transparency log first (Act Art. 23).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { decodeSelectedBlock, encodeSelectedBlock, MAX_BLOCK_RECORDS } from '../core/selection/selected-block.js';
import type { OutputField } from '../core/selection/criteria.js';
import type { OutputRecord, SelectedRecord } from '../core/selection/selector.js';
import type { Database, SelectedFlowTable } from './schema.js';

/** Where selected records of one approval go. */
export interface SelectedFlowSink {
  /** `fields`: the approval's output fields (CompiledSelector.outputFields), when known. */
  write(approvalId: string, records: readonly SelectedRecord[], fields?: readonly OutputField[]): void;
}

/** Output field → column of the legacy row table (records stored before migration 9). */
const FIELD_COLUMNS: readonly (readonly [keyof OutputRecord, keyof SelectedFlowTable])[] = [
  ['start', 'start_ms'], ['end', 'end_ms'], ['exporter', 'exporter'], ['observationDomain', 'observation_domain'], ['source', 'source'],
  ['ipVersion', 'ip_version'], ['src', 'src'], ['dst', 'dst'], ['srcPort', 'src_port'], ['dstPort', 'dst_port'], ['proto', 'proto'],
  ['tcpFlags', 'tcp_flags'], ['packets', 'packets'], ['octets', 'octets'], ['sampledPackets', 'sampled_packets'], ['sampledOctets', 'sampled_octets'],
  ['samplingRate', 'sampling_rate'], ['inIf', 'in_if'], ['outIf', 'out_if'], ['srcAs', 'src_as'], ['dstAs', 'dst_as'], ['direction', 'direction'],
  ['srcCountry', 'src_country'], ['dstCountry', 'dst_country'],
];

/**
 * Writes each batch's selected records of one approval as one column block (one row, one
 * statement; core/selection/selected-block.ts), split at MAX_BLOCK_RECORDS. Record ids are
 * block id × MAX_BLOCK_RECORDS + index; block ids start above every legacy row id, so the ids
 * the API shows stay unique and grow with storage order across the upgrade.
 */
export class SqliteSelectedFlowSink implements SelectedFlowSink {
  readonly #insert: BetterSqlite3.Statement<[number, string, number, number, Buffer]>;
  readonly #now: () => number;
  readonly #firstBlockId: number;
  readonly #tx: (approvalId: string, records: readonly SelectedRecord[], fields: readonly OutputField[] | undefined) => void;

  constructor(raw: BetterSqlite3.Database, now: () => number = Date.now) {
    this.#now = now;
    const legacy = raw.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM selected_flows').get()?.id ?? 0;
    this.#firstBlockId = Math.floor(legacy / MAX_BLOCK_RECORDS) + 1;
    // The id is taken inside the INSERT, under SQLite's write lock: two writers (the collector and
    // an `import`) never pick the same one.
    this.#insert = raw.prepare(
      'INSERT INTO selected_blocks (id, approval_id, stored_ms, record_count, body) ' +
        'VALUES (max(coalesce((SELECT max(id) FROM selected_blocks), 0) + 1, ?), ?, ?, ?, ?)',
    );
    // A batch larger than one block is stored whole or not at all.
    this.#tx = raw.transaction((approvalId: string, records: readonly SelectedRecord[], fields: readonly OutputField[] | undefined) => {
      const t = this.#now();
      for (let off = 0; off < records.length; off += MAX_BLOCK_RECORDS) {
        const part = off === 0 && records.length <= MAX_BLOCK_RECORDS ? records : records.slice(off, off + MAX_BLOCK_RECORDS);
        this.#insert.run(this.#firstBlockId, approvalId, t, part.length, encodeSelectedBlock(part, fields));
      }
    });
  }

  write(approvalId: string, records: readonly SelectedRecord[], fields?: readonly OutputField[]): void {
    if (records.length > 0) this.#tx(approvalId, records, fields);
  }
}

/** A stored selected record as the API returns it: only the fields that were kept. */
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

  /** The `limit` most recently stored records, newest first: blocks, then legacy rows. */
  async recent(limit: number): Promise<SelectedFlowView[]> {
    const out: SelectedFlowView[] = [];
    let before = Number.MAX_SAFE_INTEGER;
    while (out.length < limit) {
      const block = await this.db
        .selectFrom('selected_blocks')
        .select(['id', 'approval_id', 'stored_ms', 'record_count', 'body'])
        .where('id', '<', before)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
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
      const rows = await this.db.selectFrom('selected_flows').selectAll().orderBy('id', 'desc').limit(limit - out.length).execute();
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
