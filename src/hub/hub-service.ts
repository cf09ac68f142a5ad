/**
 * The hub (docs/reference/sharing.md#hub-protocol): carriers in carrier mode push signed C&C
 * lists; the hub verifies them against the configured carrier keys, keeps each carrier's latest
 * list, merges by (ip, port, proto) with a corroboration score, holds known-benign addresses back
 * (allowlist), lets analysts vet entries, and redistributes only published entries in a list
 * signed with its own key. A refused submission changes nothing.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { SakimoriError } from '../core/errors.js';
import type { AddressAllowlist } from '../core/share/address-match.js';
import { normaliseAddress } from '../core/share/address-match.js';
import { documentDigest, parseCarrierEnvelope, signDocument, verifyEnvelope, type HubList, type SignedEnvelope } from '../core/share/hub-document.js';
import { canTransition, mergeCarrierEntries, overlapStats, targetKey, type MergedEntry, type OverlapStats, type VetStatus } from '../core/share/hub-merge.js';
import type { HubStore } from '../storage/hub-store.js';

export interface HubOptions {
  hubId: string;
  /** carrierId → Ed25519 public key. */
  carriers: ReadonlyMap<string, KeyObject>;
  signingKey: KeyObject;
  maxSubmissionAgeMs: number;
  maxEntries: number;
  halfLifeMs: number;
  allowlist: AddressAllowlist;
}

/** How far a carrier's clock may run ahead of the hub's. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type HubEntryStatus = VetStatus | 'allowlisted';

export interface HubEntryView extends MergedEntry {
  status: HubEntryStatus;
  /** The allowlist entry that holds this target back, when there is one. */
  allowlistedBy?: string;
  note: string;
  vettedBy?: string;
  vettedAt?: number;
}

export interface SubmissionReceipt {
  carrierId: string;
  entries: number;
  digest: string;
  submissionId: number;
}

export class HubService {
  #queue: Promise<unknown> = Promise.resolve();
  readonly publicKeyPem: string;
  readonly hubId: string;

  constructor(
    private readonly store: HubStore,
    private readonly options: HubOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.hubId = options.hubId;
    this.publicKeyPem = createPublicKey(options.signingKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Verifies and stores one submission; submissions are processed one at a time (replay checks stay exact). */
  submit(body: unknown): Promise<SubmissionReceipt> {
    const run = this.#queue.then(() => this.submitNow(body));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  private async submitNow(body: unknown): Promise<SubmissionReceipt> {
    const env = parseCarrierEnvelope(body, this.options.maxEntries);
    const d = env.document;
    const key = this.options.carriers.get(d.carrierId);
    if (!key) throw new SakimoriError('SAKI_ERR_HUB_UNKNOWN_CARRIER', `carrier "${d.carrierId}" is not configured`, { details: { carrierId: d.carrierId } });
    if (!verifyEnvelope(env, key)) throw new SakimoriError('SAKI_ERR_HUB_SIGNATURE_INVALID', `signature of carrier "${d.carrierId}" does not verify`, { details: { carrierId: d.carrierId } });
    const digest = documentDigest(d);
    if (await this.store.hasDigest(digest)) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_REPLAYED', undefined, { details: { carrierId: d.carrierId, digest } });
    const now = this.now();
    if (d.generatedAt < now - this.options.maxSubmissionAgeMs) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_STALE', 'generatedAt is older than the maximum age');
    if (d.generatedAt > now + MAX_CLOCK_SKEW_MS) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_STALE', 'generatedAt is in the future');
    const last = await this.store.lastGeneratedAt(d.carrierId);
    if (last !== undefined && d.generatedAt <= last) throw new SakimoriError('SAKI_ERR_HUB_SUBMISSION_STALE', 'not newer than the last accepted submission of this carrier');
    const entries = d.entries.map((e) => ({ ...e, ip: normaliseAddress(e.ip)!, detectors: [...new Set(e.detectors)].sort() }));
    const submissionId = await this.store.accept({ carrierId: d.carrierId, generatedAt: d.generatedAt, receivedAt: now, digest, entries });
    return { carrierId: d.carrierId, entries: entries.length, digest, submissionId };
  }

  async merged(): Promise<HubEntryView[]> {
    const [entries, vetting] = await Promise.all([this.store.entries(), this.store.vetting()]);
    return mergeCarrierEntries(entries, this.now(), this.options.halfLifeMs).map((m) => {
      const v = vetting.get(targetKey(m));
      const allowlistedBy = this.options.allowlist.match(m.ip);
      const view: HubEntryView = { ...m, status: allowlistedBy ? 'allowlisted' : (v?.status ?? 'pending'), note: v?.note ?? '' };
      if (allowlistedBy) view.allowlistedBy = allowlistedBy;
      if (v) {
        view.vettedBy = v.by;
        view.vettedAt = v.updatedAt;
      }
      return view;
    });
  }

  async overlap(): Promise<OverlapStats> {
    return overlapStats(await this.store.entries());
  }

  async submissions(limit: number) {
    return this.store.submissions(limit);
  }

  /** Manual vetting: pending → vetted → published, rejected from any, reopen to pending. */
  async vet(target: { ip: string; port: number; proto: number }, status: VetStatus, note: string, by: string): Promise<HubEntryView> {
    const ip = normaliseAddress(target.ip);
    if (ip === null) throw new SakimoriError('SAKI_ERR_VALIDATION', 'ip is not an IP address');
    const key = targetKey({ ...target, ip });
    const entry = (await this.merged()).find((m) => targetKey(m) === key);
    if (!entry) throw new SakimoriError('SAKI_ERR_NOT_FOUND', 'no merged hub entry for this ip, port and proto');
    if (entry.status === 'allowlisted') throw new SakimoriError('SAKI_ERR_HUB_VET_TRANSITION', `${ip} is on the allowlist (${entry.allowlistedBy}) and is never published`);
    if (!canTransition(entry.status, status)) throw new SakimoriError('SAKI_ERR_HUB_VET_TRANSITION', `${entry.status} → ${status} is not allowed`, { details: { from: entry.status, to: status } });
    await this.store.setVet({ ip, port: target.port, proto: target.proto, status, note, by, updatedAt: this.now() });
    return (await this.merged()).find((m) => targetKey(m) === key)!;
  }

  /** The redistributed list: published entries only, signed with the hub key. */
  async signedList(): Promise<SignedEnvelope<HubList>> {
    const published = (await this.merged()).filter((m) => m.status === 'published');
    const doc: HubList = {
      type: 'sakimori-hub-list',
      version: 1,
      hubId: this.options.hubId,
      generatedAt: this.now(),
      entries: published.map((m) => ({
        ip: m.ip,
        port: m.port,
        proto: m.proto,
        score: Math.round(m.score * 1e6) / 1e6,
        firstSeen: m.firstSeen,
        lastSeen: m.lastSeen,
        carriers: m.carriers.length,
        status: 'published' as const,
      })),
    };
    return signDocument(doc, this.options.signingKey, this.options.hubId);
  }
}
