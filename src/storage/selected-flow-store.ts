/**
 * Storage of selected records (自動選別, Act Art. 22): the only flow data a cyber-office instance
 * keeps. Writes come from the selection stage; reads go through the purpose-bound API, which
 * records every read in the transparency log first (Act Art. 23).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { OutputRecord, SelectedRecord } from '../core/selection/selector.js';
import type { Database, SelectedFlowTable } from './schema.js';
import { MultiRowInsert } from './sqlite/multi-row-insert.js';

/** Where selected records of one approval go. */
export interface SelectedFlowSink {
  write(approvalId: string, records: readonly SelectedRecord[]): void;
}

/** Output field → column; a field the document does not list stays NULL. */
const FIELD_COLUMNS: readonly (readonly [keyof OutputRecord, keyof SelectedFlowTable])[] = [
  ['start', 'start_ms'], ['end', 'end_ms'], ['exporter', 'exporter'], ['observationDomain', 'observation_domain'], ['source', 'source'],
  ['ipVersion', 'ip_version'], ['src', 'src'], ['dst', 'dst'], ['srcPort', 'src_port'], ['dstPort', 'dst_port'], ['proto', 'proto'],
  ['tcpFlags', 'tcp_flags'], ['packets', 'packets'], ['octets', 'octets'], ['sampledPackets', 'sampled_packets'], ['sampledOctets', 'sampled_octets'],
  ['samplingRate', 'sampling_rate'], ['inIf', 'in_if'], ['outIf', 'out_if'], ['srcAs', 'src_as'], ['dstAs', 'dst_as'], ['direction', 'direction'],
  ['srcCountry', 'src_country'], ['dstCountry', 'dst_country'],
];

const TIME_FIELDS = new Set<keyof OutputRecord>(['start', 'end']);

/**
 * One transaction per batch; rows go out as multi-row INSERTs naming only the approval's output
 * columns (the others stay NULL). All records of one approval carry the same fields (one minimizer
 * per selector), so the column list is taken from the batch's first record.
 */
export class SqliteSelectedFlowSink implements SelectedFlowSink {
  readonly #raw: BetterSqlite3.Database;
  readonly #now: () => number;
  /** Insert statement per column list (key: the included fields' bitmask). */
  readonly #inserts = new Map<number, { insert: MultiRowInsert; fields: (keyof OutputRecord)[]; time: boolean[] }>();
  readonly #tx: (approvalId: string, records: readonly SelectedRecord[]) => void;

  constructor(raw: BetterSqlite3.Database, now: () => number = Date.now) {
    this.#raw = raw;
    this.#now = now;
    this.#tx = raw.transaction((approvalId: string, records: readonly SelectedRecord[]) => {
      const t = this.#now();
      const { insert, fields, time } = this.#insertFor(records[0].fields);
      const width = 3 + fields.length;
      insert.run(records.length, (i, args, o) => {
        const r = records[i];
        const f = r.fields;
        args[o] = approvalId;
        args[o + 1] = r.criteria.length === 1 ? r.criteria[0] : r.criteria.join(',');
        args[o + 2] = t;
        for (let k = 3; k < width; k++) {
          const v = f[fields[k - 3]];
          args[o + k] = v === undefined ? null : time[k - 3] ? Math.round(v as number) : v;
        }
      });
    });
  }

  #insertFor(sample: OutputRecord): { insert: MultiRowInsert; fields: (keyof OutputRecord)[]; time: boolean[] } {
    let mask = 0;
    FIELD_COLUMNS.forEach(([field], k) => {
      if (field in sample) mask |= 1 << k;
    });
    let entry = this.#inserts.get(mask);
    if (!entry) {
      const chosen = FIELD_COLUMNS.filter((_, k) => (mask & (1 << k)) !== 0);
      const cols = ['approval_id', 'criteria_ids', 'stored_ms', ...chosen.map(([, c]) => c)];
      entry = {
        insert: new MultiRowInsert(this.#raw, `INSERT INTO selected_flows (${cols.join(', ')})`, cols.length),
        fields: chosen.map(([f]) => f),
        time: chosen.map(([f]) => TIME_FIELDS.has(f)),
      };
      this.#inserts.set(mask, entry);
    }
    return entry;
  }

  write(approvalId: string, records: readonly SelectedRecord[]): void {
    if (records.length > 0) this.#tx(approvalId, records);
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

  async recent(limit: number): Promise<SelectedFlowView[]> {
    const rows = await this.db.selectFrom('selected_flows').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(rowToSelectedView);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('selected_flows').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
