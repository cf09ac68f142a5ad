/** Kysely table types of the embedded database. Dialect-agnostic: only sqlite/ knows SQLite. */
export interface FlowTable {
  id: number | undefined;
  start_ms: number;
  end_ms: number;
  exporter: string;
  observation_domain: number;
  source: string;
  ip_version: number;
  src: string;
  dst: string;
  src_port: number;
  dst_port: number;
  proto: number;
  tcp_flags: number;
  packets: number;
  octets: number;
  sampled_packets: number;
  sampled_octets: number;
  sampling_rate: number;
  in_if: number;
  out_if: number;
  src_as: number;
  dst_as: number;
}

export interface MigrationTable {
  version: number;
  applied_at: string;
}

export interface Database {
  flows: FlowTable;
  schema_migrations: MigrationTable;
}
