import type { Kysely } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { FlowRecord } from '../core/flow/flow-record.js';
import type { Database, FlowTable } from './schema.js';

/** Where decoded (carrier role) or selected (cyber-office role) records go. */
export interface FlowSink {
  write(records: readonly FlowRecord[]): void;
  close(): void;
}

const COLUMNS = [
  'start_ms', 'end_ms', 'exporter', 'observation_domain', 'source', 'ip_version', 'src', 'dst', 'src_port', 'dst_port', 'proto',
  'tcp_flags', 'packets', 'octets', 'sampled_packets', 'sampled_octets', 'sampling_rate', 'in_if', 'out_if', 'src_as', 'dst_as',
] as const;

/**
 * Bulk insert through one prepared statement inside a transaction per batch: Kysely builds
 * every other query, but compiling a query object per batch costs more than the insert itself.
 */
export class SqliteFlowSink implements FlowSink {
  readonly #insertMany: (records: readonly FlowRecord[]) => void;

  constructor(raw: BetterSqlite3.Database) {
    const stmt = raw.prepare(`INSERT INTO flows (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`);
    this.#insertMany = raw.transaction((records: readonly FlowRecord[]) => {
      for (const r of records) {
        stmt.run(
          Math.round(r.start), Math.round(r.end), r.exporter, r.observationDomain, r.source, r.ipVersion, r.src, r.dst, r.srcPort, r.dstPort, r.proto,
          r.tcpFlags, r.packets, r.octets, r.sampledPackets, r.sampledOctets, r.samplingRate, r.inIf, r.outIf, r.srcAs, r.dstAs,
        );
      }
    });
  }

  write(records: readonly FlowRecord[]): void {
    if (records.length > 0) this.#insertMany(records);
  }

  close(): void {}
}

/**
 * A record as stored: the numeric IPv4 twins (FlowRecord.srcV4/dstV4) are a decode-time aid for
 * classification, not part of the stored or served record.
 */
export type StoredFlowRecord = Omit<FlowRecord, 'srcV4' | 'dstV4'>;

export function rowToRecord(r: FlowTable): StoredFlowRecord {
  return {
    start: r.start_ms,
    end: r.end_ms,
    exporter: r.exporter,
    observationDomain: r.observation_domain,
    source: r.source as FlowRecord['source'],
    ipVersion: r.ip_version === 6 ? 6 : 4,
    src: r.src,
    dst: r.dst,
    srcPort: r.src_port,
    dstPort: r.dst_port,
    proto: r.proto,
    tcpFlags: r.tcp_flags,
    packets: r.packets,
    octets: r.octets,
    sampledPackets: r.sampled_packets,
    sampledOctets: r.sampled_octets,
    samplingRate: r.sampling_rate,
    inIf: r.in_if,
    outIf: r.out_if,
    srcAs: r.src_as,
    dstAs: r.dst_as,
  };
}

/** Read side of stored flow records (carrier role only; the API refuses it in cyber-office role). */
export class FlowQueries {
  constructor(private readonly db: Kysely<Database>) {}

  async recent(limit: number): Promise<StoredFlowRecord[]> {
    const rows = await this.db.selectFrom('flows').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(rowToRecord);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('flows').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteOlderThan(endMs: number): Promise<number> {
    const r = await this.db.deleteFrom('flows').where('end_ms', '<', endMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
