import type { ApiErrorBody, CollectorStatus, RecentFlowsResponse } from './collector-types';
import type { TransparencyStatus, TransparencyVerifyResult } from './transparency-types';
import type { DetectionPage, DetectionStats, DetectionView, HubEntry, HubOverlap } from './detection-types';
import type { ReaderRole, SelectedReadResult, SelectionStatus } from './selection-types';

/** Why a request failed, in the terms the UI needs to choose what to show. */
export type ApiFailure =
  | { kind: 'unreachable'; detail: string }
  | { kind: 'http'; status: number; code: string | undefined; detail: string }
  | { kind: 'invalid'; detail: string };

export class ApiError extends Error {
  readonly failure: ApiFailure;

  constructor(failure: ApiFailure) {
    super(failure.detail);
    this.name = 'ApiError';
    this.failure = failure;
  }

  /** SAKI_ERR_FORBIDDEN: the instance role may not do this (e.g. pre-selection flows in cyber-office). */
  get forbidden(): boolean {
    return this.failure.kind === 'http' && (this.failure.status === 403 || this.failure.code === 'SAKI_ERR_FORBIDDEN');
  }

  get notFound(): boolean {
    return this.failure.kind === 'http' && this.failure.status === 404;
  }
}

const REQUEST_TIMEOUT_MS = 5_000;

function isErrorBody(v: unknown): v is ApiErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ApiErrorBody).code === 'string';
}

async function getJson(
  path: string,
  signal?: AbortSignal,
  method: 'GET' | 'POST' = 'GET',
  timeoutMs = REQUEST_TIMEOUT_MS,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    const headers = { accept: 'application/json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    res = await fetch(path, { method, signal: combined, headers, cache: 'no-store', body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError({ kind: 'unreachable', detail: e instanceof Error ? e.message : String(e) });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const code = isErrorBody(body) ? body.code : undefined;
    const detail = isErrorBody(body) ? body.message : `HTTP ${res.status}`;
    // A proxy answering 502/503/504 means the server itself is not there.
    if (res.status === 502 || res.status === 503 || res.status === 504) throw new ApiError({ kind: 'unreachable', detail });
    throw new ApiError({ kind: 'http', status: res.status, code, detail });
  }
  if (body === undefined) throw new ApiError({ kind: 'invalid', detail: `${path}: response is not JSON` });
  return body;
}

function isCollectorStatus(v: unknown): v is CollectorStatus {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<CollectorStatus>;
  return (
    (s.role === 'carrier' || s.role === 'cyber-office') &&
    typeof s.totals === 'object' &&
    s.totals !== null &&
    Array.isArray(s.exporters) &&
    Array.isArray(s.history) &&
    Array.isArray(s.listeners)
  );
}

export async function fetchCollectorStatus(signal?: AbortSignal): Promise<CollectorStatus> {
  const body = await getJson('/api/v1/collector/status', signal);
  if (!isCollectorStatus(body)) throw new ApiError({ kind: 'invalid', detail: 'collector status does not match the contract' });
  return body;
}

export async function fetchRecentFlows(limit: number, signal?: AbortSignal): Promise<RecentFlowsResponse> {
  const body = await getJson(`/api/v1/flows/recent?limit=${encodeURIComponent(String(limit))}`, signal);
  if (typeof body !== 'object' || body === null || !Array.isArray((body as RecentFlowsResponse).records)) {
    throw new ApiError({ kind: 'invalid', detail: 'recent flows do not match the contract' });
  }
  return body as RecentFlowsResponse;
}

export async function fetchTransparencyStatus(signal?: AbortSignal): Promise<TransparencyStatus> {
  const body = await getJson('/api/v1/transparency/status', signal);
  const s = body as Partial<TransparencyStatus>;
  if (typeof body !== 'object' || body === null || typeof s.size !== 'number' || !Array.isArray(s.verifierKeys) || s.latestCheckpoint === undefined) {
    throw new ApiError({ kind: 'invalid', detail: 'transparency status does not match the contract' });
  }
  return body as TransparencyStatus;
}

/** A whole-log verification can take seconds on a large log: a longer timeout than polling. */
const VERIFY_TIMEOUT_MS = 120_000;

export async function postTransparencyVerify(signal?: AbortSignal): Promise<TransparencyVerifyResult> {
  const body = await getJson('/api/v1/transparency/verify', signal, 'POST', VERIFY_TIMEOUT_MS);
  const r = body as Partial<TransparencyVerifyResult>;
  if (typeof body !== 'object' || body === null || typeof r.ok !== 'boolean' || typeof r.checkedEntries !== 'number') {
    throw new ApiError({ kind: 'invalid', detail: 'verification result does not match the contract' });
  }
  return body as TransparencyVerifyResult;
}

function expectObject<T>(body: unknown, ok: (v: Partial<T>) => boolean, what: string): T {
  if (typeof body !== 'object' || body === null || !ok(body as Partial<T>)) throw new ApiError({ kind: 'invalid', detail: `${what} does not match the contract` });
  return body as T;
}

export interface DetectionQuery {
  kind?: string;
  minScore?: number;
  limit: number;
  offset: number;
}

export async function fetchDetections(q: DetectionQuery, signal?: AbortSignal): Promise<DetectionPage> {
  const params = new URLSearchParams({ limit: String(q.limit), offset: String(q.offset) });
  if (q.kind) params.set('kind', q.kind);
  if (q.minScore !== undefined) params.set('minScore', String(q.minScore));
  return expectObject<DetectionPage>(await getJson(`/api/v1/detections?${params}`, signal), (v) => Array.isArray(v.items) && typeof v.total === 'number', 'detections');
}

export async function fetchDetection(key: string, signal?: AbortSignal): Promise<DetectionView> {
  const body = expectObject<{ detection: DetectionView }>(await getJson(`/api/v1/detections/${encodeURIComponent(key)}`, signal), (v) => typeof v.detection === 'object', 'detection');
  return body.detection;
}

export async function fetchDetectionStats(signal?: AbortSignal): Promise<DetectionStats> {
  return expectObject<DetectionStats>(await getJson('/api/v1/detections/stats?bucket=3600000', signal), (v) => Array.isArray(v.series) && Array.isArray(v.byCountry), 'detection stats');
}

export async function fetchHubEntries(signal?: AbortSignal): Promise<{ total: number; entries: HubEntry[] }> {
  return expectObject<{ total: number; entries: HubEntry[] }>(await getJson('/api/v1/hub/entries', signal), (v: Partial<{ total: number; entries: HubEntry[] }>) => Array.isArray(v.entries) && typeof v.total === 'number', 'hub entries');
}

export async function fetchHubOverlap(signal?: AbortSignal): Promise<HubOverlap> {
  return expectObject<HubOverlap>(await getJson('/api/v1/hub/overlap', signal), (v) => Array.isArray(v.pairs) && typeof v.seenBy === 'object', 'hub overlap');
}

/** x-sakimori-user is the server's placeholder identity until real authentication arrives. */
export async function postHubVet(target: { ip: string; port: number; proto: number }, status: string, user: string): Promise<HubEntry> {
  return expectObject<HubEntry>(
    await getJson('/api/v1/hub/vet', undefined, 'POST', REQUEST_TIMEOUT_MS, { body: { ...target, status }, headers: { 'x-sakimori-user': user } }),
    (v) => typeof v.status === 'string',
    'vetted entry',
  );
}

export async function fetchSelectionStatus(signal?: AbortSignal): Promise<SelectionStatus> {
  const body = await getJson('/api/v1/selection/status', signal);
  const s = body as Partial<SelectionStatus>;
  if (typeof body !== 'object' || body === null || typeof s.enabled !== 'boolean' || !Array.isArray(s.approvals) || !Array.isArray(s.channels) || !Array.isArray(s.history)) {
    throw new ApiError({ kind: 'invalid', detail: 'selection status does not match the contract' });
  }
  return body as SelectionStatus;
}

/**
 * Purpose-bound read of selected records (Act Art. 23). The server records the read in the
 * transparency log before it answers. The identity headers are the server's placeholder until
 * real authentication arrives.
 */
/** `organisation`: an operator reads as its organisation (only the agreements that name it). */
export async function fetchSelectedRecords(
  query: { purpose: string; user: string; role: ReaderRole; organisation?: string; limit: number },
  signal?: AbortSignal,
): Promise<SelectedReadResult> {
  const path = `/api/v1/selected?purpose=${encodeURIComponent(query.purpose)}&limit=${encodeURIComponent(String(query.limit))}`;
  const headers: Record<string, string> = { 'x-sakimori-user': query.user, 'x-sakimori-role': query.role };
  if (query.organisation !== undefined) headers['x-sakimori-organisation'] = query.organisation;
  const body = await getJson(path, signal, 'GET', REQUEST_TIMEOUT_MS, { headers });
  const r = body as Partial<SelectedReadResult>;
  if (typeof body !== 'object' || body === null || !Array.isArray(r.records) || typeof r.accessEntrySeq !== 'number') {
    throw new ApiError({ kind: 'invalid', detail: 'selected records do not match the contract' });
  }
  return body as SelectedReadResult;
}
