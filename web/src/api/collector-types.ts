/**
 * Wire types of the collector API (src/api/, GET /api/v1/collector/status and
 * GET /api/v1/flows/recent). Kept here, in one place, so a contract change is one edit.
 */

/** Which side of the Act this instance runs for. */
export type InstanceRole = 'carrier' | 'cyber-office';

export interface CollectorListener {
  protocol: 'netflow' | 'sflow';
  address: string;
  port: number;
}

/** Counters shared by the totals and each exporter row (cumulative since start). */
export interface CollectorCounters {
  datagrams: number;
  bytes: number;
  records: number;
  malformed: number;
  /** Data sets whose template was unknown on arrival, held awaiting it. */
  unknownTemplateSets: number;
  /** Held sets whose template never came before the hold ran out: their records are lost. */
  unknownTemplateExpired: number;
  /** Held sets decoded late, once their template arrived. */
  unknownTemplateRecovered: number;
  templates: number;
  optionTemplates: number;
  templateWithdrawals: number;
  /** Datagrams dropped because the decode queue was full. */
  queueDropped: number;
}

export interface ExporterStatus extends CollectorCounters {
  exporter: string;
  /** 'netflow-v5' | 'netflow-v9' | 'ipfix' | 'sflow-v5' … ('' before the first decode). */
  lastFormat: string;
  /** Epoch milliseconds. */
  lastSeen: number;
}

/** One second of deltas; the server keeps at most 300 (five minutes), oldest first. */
export interface HistoryPoint {
  t: number;
  datagrams: number;
  records: number;
  malformed: number;
  unknownTemplate: number;
  dropped: number;
}

export interface CollectorStatus {
  role: InstanceRole;
  /** True when the collector replays bundled captures instead of listening to real exporters. */
  demo: boolean;
  startedAt: string;
  now: string;
  listeners: CollectorListener[];
  totals: CollectorCounters;
  rates: { datagramsPerSecond: number; recordsPerSecond: number };
  queue: { depth: number; capacity: number };
  /** Receive side: the native recvmmsg thread, or Node's dgram. */
  receiver: 'native-recvmmsg' | 'dgram';
  exporters: ExporterStatus[];
  history: HistoryPoint[];
  /** Live detection counters; absent when detection is off. `shed`: flows skipped while decoding was behind. */
  detection?: { flows: number; shed: number; advances: number; reported: number; seeds: number };
}

/** Mechanical information only (機械的情報, Act Art. 22): headers and volumes, never content. */
export interface RecentFlow {
  start: number;
  end: number;
  exporter: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  packets: number;
  octets: number;
}

export interface RecentFlowsResponse {
  records: RecentFlow[];
}

/** The server's coded error body (src/core/errors.ts). */
export interface ApiErrorBody {
  code: string;
  message: string;
}
