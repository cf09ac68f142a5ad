/**
 * DEMO DATA: a small deterministic set of made-up detection candidates for `serve --demo` and
 * tests, so the detections page has something to show before the detectors feed the store.
 * Addresses are from the documentation ranges (RFC 5737, RFC 3849) only; nothing here is a
 * real detection. The API marks every response `demo: true` and the UI shows a banner.
 */
import type { Detection, DetectionKind, DetectorName } from '../core/detect/detection.js';
import { prng } from './synthetic-flows.js';

const COUNTRIES = ['CN', 'US', 'RU', 'KR', 'BR', 'VN', 'IN', 'NL', 'DE', 'TW', 'JP'];
const FAMILIES = ['mirai', 'gafgyt', 'mozi'];
const H = 3600_000;

const PROFILES: { kind: DetectionKind; detectors: DetectorName[][]; ports: number[] }[] = [
  { kind: 'c2', detectors: [['seed-peer', 'beacon'], ['beacon'], ['fan-in', 'beacon'], ['seed-peer']], ports: [23, 443, 8080, 6667, 5555] },
  { kind: 'bot', detectors: [['seed-peer'], ['mirai-fingerprint'], ['seed-peer', 'beacon']], ports: [0] },
  { kind: 'scanner', detectors: [['darknet-scan'], ['darknet-scan', 'mirai-fingerprint']], ports: [0] },
  { kind: 'ddos-victim', detectors: [['backscatter'], ['ddos-volume']], ports: [0] },
];

function address(i: number, rnd: () => number): string {
  if (i % 9 === 4) return `2001:db8:${((i * 7919) % 65536).toString(16)}::${(1 + Math.floor(rnd() * 65534)).toString(16)}`;
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[i % 3]}.${1 + ((i * 37) % 254)}`;
}

/** `count` candidates spread over the 24 h before `now`; the same seed and now give the same list. */
export function syntheticDetections(now: number, count = 60, seed = 4): Detection[] {
  const rnd = prng(seed);
  const out: Detection[] = [];
  for (let i = 0; i < count; i++) {
    const p = PROFILES[i % 7 < 3 ? 0 : i % 7 < 5 ? 1 : i % 7 < 6 ? 2 : 3];
    const detectors = p.detectors[Math.floor(rnd() * p.detectors.length)];
    const firstSeen = now - Math.floor((2 + rnd() * 22) * H);
    const lastSeen = Math.min(now, firstSeen + Math.floor((0.5 + rnd() * 20) * H));
    const score = Math.round((0.3 + rnd() * 0.69) * 100) / 100;
    const family = p.kind !== 'ddos-victim' && rnd() < 0.5 ? FAMILIES[Math.floor(rnd() * FAMILIES.length)] : undefined;
    const scores: Partial<Record<DetectorName, number>> = {};
    for (const d of detectors) scores[d] = Math.round(Math.min(1, score + (rnd() - 0.5) * 0.2) * 100) / 100;
    const peers = 1 + Math.floor(rnd() * 400);
    const d: Detection = {
      kind: p.kind,
      ip: address(i, rnd),
      port: p.ports[Math.floor(rnd() * p.ports.length)],
      proto: p.kind === 'c2' ? 6 : 0,
      score,
      detectors,
      country: COUNTRIES[Math.floor(rnd() * COUNTRIES.length)],
      as: 64496 + Math.floor(rnd() * 15),
      firstSeen,
      lastSeen,
      // A few have already expired (history only).
      expiresAt: lastSeen + (i % 10 === 9 ? 0 : 24 * H),
      evidence: {
        flows: peers * (1 + Math.floor(rnd() * 30)),
        peers,
        ...(detectors.includes('seed-peer') ? { seedPeers: 1 + Math.floor(rnd() * Math.min(peers, 20)) } : {}),
        scores,
        facts: p.kind === 'c2' ? { intervalMedianS: 30 + Math.floor(rnd() * 600) } : p.kind === 'scanner' ? { darknetAddresses: 100 + Math.floor(rnd() * 5000) } : { packetsPerSecond: Math.floor(rnd() * 90_000) },
      },
    };
    if (family) d.family = family;
    out.push(d);
  }
  return out;
}
