/**
 * The set of approvals a cyber-office instance runs (自動選別, Act Art. 22), read from disk:
 * `selection.approvals` (file pairs), every NAME.approval.json + NAME.criteria.json in
 * `selection.approvalsDir`, and the revocation list `selection.revocationFile`. Each approval is
 * verified (signatures, quorum, criteria hash) and compiled; approvals outside their validity
 * period are kept, inert, because the selector checks validity per record against its precomputed
 * end, min(validTo, revokedAt). Refusals carry a code and a file name, never content.
 */
import type { KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SakimoriError } from '../core/errors.js';
import { verifyApproval, type Channel } from '../core/selection/approval.js';
import { canonicalJson, sha256Hex } from '../core/selection/canonical.js';
import type { Pseudonymizer } from '../core/selection/pseudonym.js';
import { parseRevocationList, type Revocation } from '../core/selection/revocation.js';
import { SelectionError } from '../core/selection/selection-error.js';
import { compileSelector, type CompiledSelector } from '../core/selection/selector.js';
import { nativeAddon } from '../native/native-addon.js';
import type { ApprovalRefusal, SelectionSettings } from './load-selection.js';

/** What the API and the transparency log may know about a running approval: no criteria content beyond ids. */
export interface ApprovalSummary {
  id: string;
  channel: Channel;
  feeds: string[];
  /** Agreement only: the consenting operator, who may read this approval's selected records. */
  operator?: string;
  criteriaHash: string;
  criteriaIds: string[];
  validFrom: string;
  validTo: string;
  validFromMs: number;
  validToMs: number;
  revokedAt?: string;
  revokedAtMs?: number;
  revokedBy?: string;
  /** File name (no directory) the approval came from. */
  source: string;
}

export interface ApprovalSetEntry {
  selector: CompiledSelector;
  summary: ApprovalSummary;
}

export interface ApprovalSet {
  entries: ApprovalSetEntry[];
  refused: ApprovalRefusal[];
  revocations: Map<string, Revocation>;
  /** SHA-256 of the canonical summaries (sorted by id): changes exactly when what runs changes. */
  digest: string;
}

const APPROVAL_SUFFIX = '.approval.json';
const CRITERIA_SUFFIX = '.criteria.json';

/** Every approval/criteria file pair configured, directory entries in name order. */
export function approvalSources(settings: SelectionSettings): { approvalFile: string; criteriaFile: string }[] {
  const out = [...settings.approvals];
  if (settings.approvalsDir) {
    let names: string[];
    try {
      names = readdirSync(settings.approvalsDir);
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_CONFIG_UNREADABLE', 'selection.approvalsDir cannot be read', { cause: e });
    }
    for (const n of names.filter((x) => x.endsWith(APPROVAL_SUFFIX)).sort()) {
      out.push({ approvalFile: join(settings.approvalsDir, n), criteriaFile: join(settings.approvalsDir, n.slice(0, -APPROVAL_SUFFIX.length) + CRITERIA_SUFFIX) });
    }
  }
  return out;
}

/** The revocation list, or an empty one when none is configured. A configured file that is missing or invalid is an error. */
export function readRevocations(settings: SelectionSettings): Map<string, Revocation> {
  if (!settings.revocationFile) return new Map();
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(settings.revocationFile, 'utf8')) as unknown;
  } catch (e) {
    throw new SakimoriError('SAKI_ERR_REVOCATION_INVALID', 'selection.revocationFile cannot be read as JSON', { cause: e });
  }
  return parseRevocationList(value);
}

export function approvalSetDigest(summaries: readonly ApprovalSummary[]): string {
  const canon = [...summaries]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => ({ id: s.id, channel: s.channel, feeds: s.feeds, criteriaHash: s.criteriaHash, validFrom: s.validFrom, validTo: s.validTo, revokedAt: s.revokedAt ?? null }));
  return sha256Hex(canonicalJson(canon));
}

/**
 * Reads, verifies and compiles every configured approval. `extraRevocations` (revocations seen
 * before) stay in force even if the list no longer names them: a revocation is final.
 * Throws SAKI_ERR_REVOCATION_INVALID / SAKI_ERR_CONFIG_UNREADABLE for the list or directory;
 * per-approval problems are returned in `refused`.
 */
export function loadApprovalSet(
  settings: SelectionSettings,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  pseudonymizer: Pseudonymizer,
  now: number,
  extraRevocations: ReadonlyMap<string, Revocation> = new Map(),
): ApprovalSet {
  const revocations = new Map(extraRevocations);
  for (const [id, r] of readRevocations(settings)) {
    const prev = revocations.get(id);
    if (!prev || r.revokedAtMs < prev.revokedAtMs) revocations.set(id, r);
  }
  const entries: ApprovalSetEntry[] = [];
  const refused: ApprovalRefusal[] = [];
  const seen = new Set<string>();
  for (const src of approvalSources(settings)) {
    const name = basename(src.approvalFile);
    let approval: unknown;
    let criteria: unknown;
    try {
      approval = JSON.parse(readFileSync(src.approvalFile, 'utf8')) as unknown;
      criteria = JSON.parse(readFileSync(src.criteriaFile, 'utf8')) as unknown;
    } catch {
      refused.push({ approvalFile: src.approvalFile, code: 'SAKI_ERR_CONFIG_UNREADABLE' });
      continue;
    }
    const v = verifyApproval(approval, criteria, trustedKeys, now, { minSignatures: settings.minSignatures, checkValidity: false });
    if (!v.ok) {
      refused.push({ approvalFile: src.approvalFile, code: v.error.code });
      continue;
    }
    const a = v.approval;
    if (seen.has(a.id)) {
      refused.push({ approvalFile: src.approvalFile, code: 'SAKI_ERR_CONFIG_INVALID' });
      continue;
    }
    let selector: CompiledSelector;
    try {
      selector = compileSelector(criteria, a, { pseudonymizer, cidrAccelerator: nativeAddon() });
    } catch (e) {
      refused.push({ approvalFile: src.approvalFile, code: e instanceof SelectionError ? e.code : 'SAKI_ERR_INTERNAL' });
      continue;
    }
    seen.add(a.id);
    const rev = revocations.get(a.id);
    if (rev) selector.revoke(rev.revokedAtMs);
    entries.push({
      selector,
      summary: {
        id: a.id,
        channel: a.channel,
        feeds: [...a.scope.feeds],
        ...(a.scope.operator !== undefined ? { operator: a.scope.operator } : {}),
        criteriaHash: a.criteriaHash,
        criteriaIds: v.criteria.criteria.map((c) => c.id),
        validFrom: a.validFrom,
        validTo: a.validTo,
        validFromMs: a.validFromMs,
        validToMs: a.validToMs,
        ...(rev ? { revokedAt: new Date(rev.revokedAtMs).toISOString(), revokedAtMs: rev.revokedAtMs, revokedBy: rev.revokedBy } : {}),
        source: name,
      },
    });
  }
  return { entries, refused, revocations, digest: approvalSetDigest(entries.map((e) => e.summary)) };
}

export type ApprovalState = 'valid' | 'expired' | 'revoked' | 'not-yet-valid';

export function approvalState(s: ApprovalSummary, now: number): ApprovalState {
  if (s.revokedAtMs !== undefined && now >= s.revokedAtMs) return 'revoked';
  if (now < s.validFromMs) return 'not-yet-valid';
  if (now >= s.validToMs) return 'expired';
  return 'valid';
}

/** Outcome of a reload request: the new set, or the refusal (the previous set stays active). */
export type SelectionReloadResult =
  | { ok: true; digest: string; previousDigest: string; approvals: ApprovalSummary[]; newlyRevoked: (Revocation & { criteriaHash?: string })[] }
  | { ok: false; code: string; cause: { file: string; code: string } };

