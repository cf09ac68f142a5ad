/**
 * Storage of selected records (自動選別, Act Art. 22): the only flow data a cyber-office instance
 * keeps. Writes come from the selection stage; reads go through the purpose-bound API, which
 * records every read in the transparency log first (Act Art. 23).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { OutputRecord, SelectedRecord } from '../core/selection/selector.js';
import type { Database, SelectedFlowTable } from './schema.js';

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

/** One prepared statement in one transaction per batch, as SqliteFlowSink does for carrier flows. */
export class SqliteSelectedFlowSink implements SelectedFlowSink {
  readonly #insertMany: (approvalId: string, records: readonly SelectedRecord[]) => void;

  constructor(raw: BetterSqlite3.Database, now: () => number = Date.now) {
    const cols = ['approval_id', 'criteria_ids', 'stored_ms', ...FIELD_COLUMNS.map(([, c]) => c)];
    const stmt = raw.prepare(`INSERT INTO selected_flows (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
    this.#insertMany = raw.transaction((approvalId: string, records: readonly SelectedRecord[]) => {
      const t = now();
      const values: unknown[] = new Array<unknown>(cols.length);
      for (const r of records) {
        values[0] = approvalId;
        values[1] = r.criteria.join(',');
        values[2] = t;
        for (let k = 0; k < FIELD_COLUMNS.length; k++) {
          const [field] = FIELD_COLUMNS[k];
          const v = r.fields[field];
          values[3 + k] = v === undefined ? null : TIME_FIELDS.has(field) ? Math.round(v as number) : v;
        }
        stmt.run(values);
      }
    });
  }

  write(approvalId: string, records: readonly SelectedRecord[]): void {
    if (records.length > 0) this.#insertMany(approvalId, records);
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
