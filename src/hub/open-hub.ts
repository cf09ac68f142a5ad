import { join, resolve } from 'node:path';
import type { SakimoriConfig } from '../config/config-schema.js';
import { SakimoriError } from '../core/errors.js';
import { AddressAllowlist } from '../core/share/address-match.js';
import type { HubStore } from '../storage/hub-store.js';
import { loadOrCreateHubKey, readPublicKey } from './hub-keys.js';
import { HubService } from './hub-service.js';
import type { KeyObject } from 'node:crypto';

/** Builds the hub from configuration (keys read once at start-up). `extraCarriers`: demo carriers only. */
export function openHub(config: Readonly<SakimoriConfig>, store: HubStore, extraCarriers: ReadonlyMap<string, KeyObject> = new Map(), now: () => number = Date.now): HubService {
  const h = config.hub;
  const carriers = new Map<string, KeyObject>();
  for (const c of h.carriers) {
    if (carriers.has(c.carrierId)) throw new SakimoriError('SAKI_ERR_CONFIG_INVALID', `hub.carriers: carrier "${c.carrierId}" listed twice`);
    carriers.set(c.carrierId, readPublicKey(resolve(c.publicKeyFile)));
  }
  for (const [id, k] of extraCarriers) carriers.set(id, k);
  return new HubService(
    store,
    {
      hubId: h.hubId,
      carriers,
      signingKey: loadOrCreateHubKey(resolve(h.signingKeyFile ?? join(config.dataDir, 'hub-signing.key'))),
      maxSubmissionAgeMs: h.maxSubmissionAgeSeconds * 1000,
      maxEntries: h.maxEntriesPerSubmission,
      halfLifeMs: h.recencyHalfLifeHours * 3_600_000,
      allowlist: new AddressAllowlist(h.allowlist),
    },
    now,
  );
}
