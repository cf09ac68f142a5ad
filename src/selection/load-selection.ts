/**
 * The edge of approved selection (自動選別, Act Art. 22): reads the configured commission keys,
 * approvals, criteria documents and the pseudonym key from disk and hands them, verified, to the
 * pure selection core (src/core/selection/). A refused approval is reported by its coded error
 * only; its content is never logged.
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SakimoriConfig } from '../config/config-schema.js';
import { ERROR_CATALOGUE, SakimoriError } from '../core/errors.js';
import { verifyApproval } from '../core/selection/approval.js';
import { Pseudonymizer } from '../core/selection/pseudonym.js';
import { SelectionError } from '../core/selection/selection-error.js';
import { compileSelector, type CompiledSelector } from '../core/selection/selector.js';
import { nativeAddon } from '../native/native-addon.js';

export type SelectionSettings = SakimoriConfig['selection'];

export const PSEUDONYM_KEY_FILE = 'pseudonym.key';

/** Trusted commission public keys by key id. */
export function loadTrustedKeys(keys: readonly { keyId: string; publicKeyFile: string }[]): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const k of keys) {
    let key: KeyObject;
    try {
      key = createPublicKey(readFileSync(k.publicKeyFile));
    } catch (e) {
      throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', `selection.commissionKeys: ${k.keyId}: public key file cannot be read as PEM`, { cause: e });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', `selection.commissionKeys: ${k.keyId}: not an Ed25519 key`);
    out.set(k.keyId, key);
  }
  return out;
}

/**
 * The cyber office's pseudonym key: read, or created with 32 random bytes and mode 0600 when
 * missing. A key file shorter than 32 bytes is refused rather than padded.
 */
export function loadOrCreatePseudonymizer(dataDir: string, settings: Pick<SelectionSettings, 'pseudonymKeyFile' | 'pseudonymKeyId'>): Pseudonymizer {
  const file = settings.pseudonymKeyFile ?? join(dataDir, PSEUDONYM_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // 'wx' never overwrites a key another process created meanwhile.
    try {
      writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SakimoriError('SAKI_ERR_STORAGE', 'cannot create the pseudonym key', { cause: e });
    }
  }
  const key = readFileSync(file);
  if (key.length < 32) throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', 'selection.pseudonymKeyFile: key must be at least 32 bytes');
  return new Pseudonymizer(settings.pseudonymKeyId, key, nativeAddon());
}

export interface ApprovalRefusal {
  approvalFile: string;
  code: string;
  /**
   * What was wrong, for the person running `sakimori select` (e.g. which schema path). It may name
   * the approval's id or key ids, so the collector logs and shows only `code` and the file.
   */
  reason?: string;
}

export interface LoadedSelectors {
  selectors: CompiledSelector[];
  refused: ApprovalRefusal[];
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/**
 * Verifies every configured approval at `now` and compiles a selector for each one accepted.
 * Forged, altered, expired, unknown-key and quorum failures, and unreadable files, are refused
 * (listed with their code) and never stop the caller: with no selector everything is erased.
 */
export function loadSelectors(settings: SelectionSettings, trustedKeys: ReadonlyMap<string, KeyObject>, pseudonymizer: Pseudonymizer, now: number): LoadedSelectors {
  const selectors: CompiledSelector[] = [];
  const refused: ApprovalRefusal[] = [];
  for (const a of settings.approvals) {
    let approval: unknown;
    let criteria: unknown;
    try {
      approval = readJson(a.approvalFile);
      criteria = readJson(a.criteriaFile);
    } catch {
      refused.push({ approvalFile: a.approvalFile, code: 'SAKI_ERR_CONFIG_UNREADABLE' });
      continue;
    }
    const v = verifyApproval(approval, criteria, trustedKeys, now, { minSignatures: settings.minSignatures });
    if (!v.ok) {
      refused.push({ approvalFile: a.approvalFile, code: v.error.code, reason: refusalReason(v.error) });
      continue;
    }
    try {
      selectors.push(compileSelector(criteria, v.approval, { pseudonymizer, cidrAccelerator: nativeAddon() }));
    } catch (e) {
      refused.push({ approvalFile: a.approvalFile, code: e instanceof SelectionError ? e.code : 'SAKI_ERR_INTERNAL', reason: e instanceof SelectionError ? refusalReason(e) : undefined });
    }
  }
  return { selectors, refused };
}

/** A refusal's message and, for a schema refusal, its first problems' paths ("signatures: Required"). */
function refusalReason(e: SelectionError): string {
  // The message without the code's catalogue text, which the caller's error repeats.
  const base = `${ERROR_CATALOGUE[e.code].message}: `;
  const detail = e.message.startsWith(base) ? e.message.slice(base.length) : e.message;
  const issues = (e.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  return issues && issues.length > 0 ? `${detail} (${issues.slice(0, 3).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')})` : detail;
}
