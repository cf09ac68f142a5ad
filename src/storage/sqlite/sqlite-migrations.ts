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
  {
    // Transparency log (docs/reference/transparency-log.md). log_nodes holds perfect subtrees of
    // level >= 1; level 0 (leaf hashes) lives in log_entries. Triggers refuse UPDATE and DELETE so
    // that no code path rewrites history; someone with the file can drop them, which the signed
    // checkpoints and `sakimori audit verify` then expose.
    version: 2,
    sql: `
      CREATE TABLE log_entries (
        seq INTEGER PRIMARY KEY,
        leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
        entry TEXT NOT NULL,
        appended_at INTEGER NOT NULL
      );
      CREATE TABLE log_nodes (
        level INTEGER NOT NULL CHECK (level > 0),
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, idx)
      ) WITHOUT ROWID;
      CREATE TABLE log_checkpoints (
        id INTEGER PRIMARY KEY,
        size INTEGER NOT NULL,
        root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
        note TEXT NOT NULL,
        log_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX log_checkpoints_size ON log_checkpoints (size);
      CREATE TABLE log_cosignatures (
        checkpoint_id INTEGER NOT NULL REFERENCES log_checkpoints (id),
        witness_key TEXT NOT NULL,
        signature TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (checkpoint_id, witness_key)
      );
      CREATE TRIGGER log_entries_append_only_u BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
      CREATE TRIGGER log_entries_append_only_d BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
      CREATE TRIGGER log_nodes_append_only_u BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
      CREATE TRIGGER log_nodes_append_only_d BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
      CREATE TRIGGER log_checkpoints_append_only_u BEFORE UPDATE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only'); END;
      CREATE TRIGGER log_checkpoints_append_only_d BEFORE DELETE ON log_checkpoints BEGIN SELECT RAISE(ABORT, 'log_checkpoints is append-only'); END;
      CREATE TRIGGER log_cosignatures_append_only_u BEFORE UPDATE ON log_cosignatures BEGIN SELECT RAISE(ABORT, 'log_cosignatures is append-only'); END;
      CREATE TRIGGER log_cosignatures_append_only_d BEFORE DELETE ON log_cosignatures BEGIN SELECT RAISE(ABORT, 'log_cosignatures is append-only'); END;
    `,
  },
  {
    // 自動選別 (Act Art. 22): records that passed approved selection, minimized. Only the fields the
    // criteria document allows are filled (the rest stay NULL); src/dst hold the address or, for a
    // domestic endpoint, its keyed pseudonym. Nothing unselected is ever written anywhere.
    version: 3,
    sql: `
      CREATE TABLE selected_flows (
        id INTEGER PRIMARY KEY,
        approval_id TEXT NOT NULL,
        criteria_ids TEXT NOT NULL,
        stored_ms INTEGER NOT NULL,
        start_ms INTEGER,
        end_ms INTEGER,
        exporter TEXT,
        observation_domain INTEGER,
        source TEXT,
        ip_version INTEGER,
        src TEXT,
        dst TEXT,
        src_port INTEGER,
        dst_port INTEGER,
        proto INTEGER,
        tcp_flags INTEGER,
        packets INTEGER,
        octets INTEGER,
        sampled_packets INTEGER,
        sampled_octets INTEGER,
        sampling_rate INTEGER,
        in_if INTEGER,
        out_if INTEGER,
        src_as INTEGER,
        dst_as INTEGER,
        direction TEXT,
        src_country TEXT,
        dst_country TEXT
      );
      CREATE INDEX selected_flows_approval ON selected_flows (approval_id, id);
      CREATE INDEX selected_flows_end ON selected_flows (end_ms);
    `,
  },
  {
    // NOTICE-style notification lists (docs/reference/darknet.md): domestic devices seen scanning
    // the darknet, per responsible AS, with their remediation status. Status history is append-only.
    version: 4,
    sql: `
      CREATE TABLE notification_entries (
        ip TEXT PRIMARY KEY,
        as_number INTEGER NOT NULL,
        country TEXT NOT NULL,
        family TEXT,
        ports TEXT NOT NULL,
        score REAL NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('new', 'notified', 'acknowledged', 'remediated', 'false-positive')),
        status_at INTEGER NOT NULL,
        notified_at INTEGER,
        acknowledged_at INTEGER,
        closed_at INTEGER,
        reopened INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX notification_entries_as ON notification_entries (as_number, ip);
      CREATE TABLE notification_events (
        id INTEGER PRIMARY KEY,
        ip TEXT NOT NULL,
        from_status TEXT,
        to_status TEXT NOT NULL,
        at INTEGER NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX notification_events_ip ON notification_events (ip, id);
      CREATE TRIGGER notification_events_append_only_u BEFORE UPDATE ON notification_events BEGIN SELECT RAISE(ABORT, 'notification_events is append-only'); END;
      CREATE TRIGGER notification_events_append_only_d BEFORE DELETE ON notification_events BEGIN SELECT RAISE(ABORT, 'notification_events is append-only'); END;
    `,
  },
  {
    // Detections (docs/reference/detections-api.md): one row per candidate (detectionKey), upserted
    // by the detectors' output; expired rows stay for the history retention, then are deleted.
    // The hub tables hold carriers' signed C&C lists as submitted (latest list per carrier), the
    // digests of accepted submissions (replay refusal) and the manual vetting state per entry.
    version: 6,
    sql: `
      CREATE TABLE detections (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        ip TEXT NOT NULL,
        port INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        score REAL NOT NULL,
        detectors TEXT NOT NULL,
        family TEXT,
        country TEXT NOT NULL,
        asn INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        evidence TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX detections_current ON detections (expires_at, score);
      CREATE INDEX detections_last_seen ON detections (last_seen);
      CREATE TABLE hub_submissions (
        id INTEGER PRIMARY KEY,
        carrier_id TEXT NOT NULL,
        generated_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        entries INTEGER NOT NULL
      );
      CREATE INDEX hub_submissions_carrier ON hub_submissions (carrier_id, generated_at);
      CREATE TABLE hub_entries (
        carrier_id TEXT NOT NULL,
        ip TEXT NOT NULL,
        port INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        score REAL NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        detectors TEXT NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES hub_submissions (id),
        PRIMARY KEY (carrier_id, ip, port, proto)
      ) WITHOUT ROWID;
      CREATE INDEX hub_entries_target ON hub_entries (ip, port, proto);
      CREATE TABLE hub_vetting (
        ip TEXT NOT NULL,
        port INTEGER NOT NULL,
        proto INTEGER NOT NULL,
        status TEXT NOT NULL,
        note TEXT NOT NULL,
        by_user TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (ip, port, proto)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Selected records arrive with flow end times spread over minutes: an index on end_ms dirties
    // one random index page per row, and every commit writes those pages to the WAL (measured:
    // 47k vs 195k rows/s). Nothing queries selected_flows by end_ms; retention goes by the time a
    // record was stored (acquisition), which only grows.
    version: 7,
    sql: `
      DROP INDEX IF EXISTS selected_flows_end;
      CREATE INDEX selected_flows_stored ON selected_flows (stored_ms);
    `,
  },
  {
    // Transparency log: log_nodes keeps only levels that are multiples of 3 (LOG_NODE_LEVEL_STRIDE
    // in sqlite-merkle-node-store.ts); the levels in between are recomputed from the stored level
    // below when a proof needs them. Existing databases drop the rows of those levels: they are
    // derived data (hashes of stored hashes), not log content, and the signed checkpoints cover the
    // entries. The append-only trigger is lifted for this one statement and put back as it was.
    version: 8,
    sql: `
      DROP TRIGGER log_nodes_append_only_d;
      DELETE FROM log_nodes WHERE level % 3 <> 0;
      CREATE TRIGGER log_nodes_append_only_d BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'log_nodes is append-only'); END;
    `,
  },
  {
    // Selected records are stored as one column block per batch and approval
    // (core/selection/selected-block.ts): a row per record cost SQLite 4–5 µs, the largest single
    // cost of the cyber-office ingest path. selected_flows stays for records stored before this
    // version; readers take both (blocks are always the newer ones).
    version: 9,
    sql: `
      CREATE TABLE selected_blocks (
        id INTEGER PRIMARY KEY,
        approval_id TEXT NOT NULL,
        stored_ms INTEGER NOT NULL,
        record_count INTEGER NOT NULL,
        body BLOB NOT NULL
      );
      CREATE INDEX selected_blocks_approval ON selected_blocks (approval_id, id);
      CREATE INDEX selected_blocks_stored ON selected_blocks (stored_ms);
    `,
  },
];
