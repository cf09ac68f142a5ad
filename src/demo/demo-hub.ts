/**
 * DEMO DATA for a hub started with `serve --demo --hub`: three made-up carriers (demo-carrier-a/b/c,
 * ephemeral keys generated at start) submit signed C&C lists through the hub's real verification
 * path. Addresses are documentation ranges plus one public resolver, which the allowlist holds back.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ListEntry } from '../core/share/hub-document.js';
import { signDocument } from '../core/share/hub-document.js';
import type { HubService } from '../hub/hub-service.js';
import { prng } from './synthetic-flows.js';

export const DEMO_CARRIERS = ['demo-carrier-a', 'demo-carrier-b', 'demo-carrier-c'] as const;

export function demoCarrierKeys(): Map<string, { privateKey: KeyObject; publicKey: KeyObject }> {
  return new Map(DEMO_CARRIERS.map((id) => [id, generateKeyPairSync('ed25519')]));
}

/** Deterministic lists: a shared core seen by several carriers and a long tail seen by one. */
export function demoCarrierLists(now: number, seed = 4): Map<string, ListEntry[]> {
  const rnd = prng(seed);
  const lists = new Map<string, ListEntry[]>(DEMO_CARRIERS.map((id) => [id, []]));
  const H = 3600_000;
  for (let i = 0; i < 40; i++) {
    const ip = i === 0 ? '8.8.8.8' : `${['192.0.2', '198.51.100', '203.0.113'][i % 3]}.${10 + i}`;
    const port = [443, 8080, 23, 6667][i % 4];
    const seenBy = i < 4 ? DEMO_CARRIERS : i < 10 ? DEMO_CARRIERS.filter((_, k) => k !== i % 3) : [DEMO_CARRIERS[i % 3]];
    for (const c of seenBy) {
      const lastSeen = now - Math.floor(rnd() * 12 * H);
      lists.get(c)!.push({ ip, port, proto: 6, score: Math.round((0.4 + rnd() * 0.55) * 100) / 100, firstSeen: lastSeen - Math.floor(rnd() * 48 * H), lastSeen, detectors: ['beacon'] });
    }
  }
  return lists;
}

export async function seedDemoHub(hub: HubService, keys: Map<string, { privateKey: KeyObject }>, now: number): Promise<void> {
  for (const [carrierId, entries] of demoCarrierLists(now)) {
    const env = signDocument({ type: 'sakimori-c2-list', version: 1, carrierId, generatedAt: now, entries }, keys.get(carrierId)!.privateKey, carrierId);
    await hub.submit(env);
  }
}
