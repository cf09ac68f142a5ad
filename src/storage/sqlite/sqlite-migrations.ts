/** Ordered, append-only schema migrations for SQLite. Never edit an applied one; add a new version. */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        exporter TEXT NOT NULL,
        observation_domain INTEGER NOT NULL,
        source TEXT NOT NULL,
        ip_version INTEGER NOT NULL,
        src TEXT NOT NULL,
        dst TEXT NOT NULL,
        src_port INTEGER NOT NULL,
        dst_port INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        tcp_flags INTEGER NOT NULL,
        packets INTEGER NOT NULL,
        octets INTEGER NOT NULL,
        sampled_packets INTEGER NOT NULL,
        sampled_octets INTEGER NOT NULL,
        sampling_rate INTEGER NOT NULL,
        in_if INTEGER NOT NULL,
        out_if INTEGER NOT NULL,
        src_as INTEGER NOT NULL,
        dst_as INTEGER NOT NULL
      );
      CREATE INDEX flows_end ON flows (end_ms);
    `,
  },
];
