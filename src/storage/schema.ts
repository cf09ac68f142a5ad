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

/** Transparency log entry: `entry` is the canonical JSON leaf data, `appended_at` Unix ms. */
export interface LogEntryTable {
  seq: number;
  leaf_hash: Uint8Array;
  entry: string;
  appended_at: number;
}

/** Perfect-subtree hash (level >= 1) of the transparency log's Merkle tree. */
export interface LogNodeTable {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** A checkpoint as the log signed it; cosignatures are kept beside it. */
export interface LogCheckpointTable {
  id: number | undefined;
  size: number;
  root_hash: Uint8Array;
  note: string;
  log_key: string;
  created_at: number;
}

export interface LogCosignatureTable {
  checkpoint_id: number;
  witness_key: string;
  /** The witness's signature line, "— name base64\n". */
  signature: string;
  created_at: number;
}

/** A record kept by approved selection; NULL where the criteria document does not allow the field. */
export interface SelectedFlowTable {
  id: number | undefined;
  approval_id: string;
  /** Ids of the criteria that selected the record, comma-separated, in document order. */
  criteria_ids: string;
  stored_ms: number;
  start_ms: number | null;
  end_ms: number | null;
  exporter: string | null;
  observation_domain: number | null;
  source: string | null;
  ip_version: number | null;
  /** The address, or its pseudonym ("p1:…") when the endpoint is domestic. */
  src: string | null;
  dst: string | null;
  src_port: number | null;
  dst_port: number | null;
  proto: number | null;
  tcp_flags: number | null;
  packets: number | null;
  octets: number | null;
  sampled_packets: number | null;
  sampled_octets: number | null;
  sampling_rate: number | null;
  in_if: number | null;
  out_if: number | null;
  src_as: number | null;
  dst_as: number | null;
  direction: string | null;
  src_country: string | null;
  dst_country: string | null;
}

/** A stored detection candidate (core/detect/detection.ts); `detectors` comma-separated, `evidence` JSON. */
export interface DetectionTable {
  key: string;
  kind: string;
  ip: string;
  port: number;
  proto: number;
  score: number;
  detectors: string;
  family: string | null;
  country: string;
  asn: number;
  first_seen: number;
  last_seen: number;
  expires_at: number;
  evidence: string;
  updated_at: number;
}

/** An accepted carrier submission to the hub; `digest` (SHA-256 of the signed bytes) refuses replays. */
export interface HubSubmissionTable {
  id: number | undefined;
  carrier_id: string;
  generated_at: number;
  received_at: number;
  digest: string;
  entries: number;
}

/** One entry of a carrier's latest accepted list. */
export interface HubEntryTable {
  carrier_id: string;
  ip: string;
  port: number;
  proto: number;
  score: number;
  first_seen: number;
  last_seen: number;
  detectors: string;
  submission_id: number;
}

/** One batch's selected records of one approval as a column block (core/selection/selected-block.ts). */
export interface SelectedBlockTable {
  /** Record i of the block has id id × MAX_BLOCK_RECORDS + i (ids grow with storage order). */
  id: number | undefined;
  approval_id: string;
  stored_ms: number;
  record_count: number;
  body: Uint8Array;
}

/** Manual vetting state of a merged hub entry (absent row = pending). */
export interface HubVettingTable {
  ip: string;
  port: number;
  proto: number;
  status: string;
  note: string;
  by_user: string;
  updated_at: number;
}

export interface Database {
  detections: DetectionTable;
  hub_submissions: HubSubmissionTable;
  hub_entries: HubEntryTable;
  hub_vetting: HubVettingTable;
  flows: FlowTable;
  selected_flows: SelectedFlowTable;
  selected_blocks: SelectedBlockTable;
  schema_migrations: MigrationTable;
  log_entries: LogEntryTable;
  log_nodes: LogNodeTable;
  log_checkpoints: LogCheckpointTable;
  log_cosignatures: LogCosignatureTable;
}
