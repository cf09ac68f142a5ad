/**
 * Detections as a STIX 2.1 bundle (OASIS STIX 2.1, docs/reference/detections-api.md#stix): for
 * sharing with the council (協議会) and carriers over TAXII later. Pure: detections and options
 * in, a bundle out; every id is a UUIDv5 of a fixed namespace and the detection key, so a re-export
 * of the same candidate has the same ids and a newer `modified`.
 *
 * Mapping: c2 → indicator + infrastructure (command-and-control); bot → indicator (compromised) that
 * indicates a botnet infrastructure per family; scanner → indicator (anomalous-activity). A known
 * family adds a malware (is_family) that the indicator indicates and the C&C controls.
 * ddos-victim candidates are victims, not threats: they are never exported.
 */
import { createHash } from 'node:crypto';
import { detectionKey, type Detection } from '../detect/detection.js';
import { uuidV5 } from './uuid-v5.js';

/** Namespace of every Sakimori STIX id (a random v4 UUID fixed once; never change it). */
export const SAKIMORI_STIX_NAMESPACE = '3c8f6a5e-1f0b-4d4e-9a7c-6b2d1e0f9a51';

export type Tlp = 'white' | 'green' | 'amber' | 'red';

/** The TLP 1.0 marking definitions of STIX 2.1 §7.2.1.4 (fixed ids and content). */
export const TLP_MARKINGS: Record<Tlp, StixObject> = {
  white: tlp('white', 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9'),
  green: tlp('green', 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'),
  amber: tlp('amber', 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'),
  red: tlp('red', 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed'),
};

function tlp(level: Tlp, id: string): StixObject {
  return { type: 'marking-definition', spec_version: '2.1', id, created: '2017-01-20T00:00:00.000Z', definition_type: 'tlp', name: `TLP:${level.toUpperCase()}`, definition: { tlp: level } };
}

export type StixObject = Record<string, unknown> & { type: string; id: string };

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

export interface StixExportOptions {
  /** Name of the producing organisation (the identity every object is created_by). */
  producer: string;
  tlp: Tlp;
}

/** Creation time of the producer identity: fixed so the identity object never changes between exports. */
const IDENTITY_CREATED = '2026-01-01T00:00:00.000Z';

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp', 132: 'sctp' };

const iso = (ms: number) => new Date(ms).toISOString();
const sid = (type: string, name: string) => `${type}--${uuidV5(SAKIMORI_STIX_NAMESPACE, name)}`;
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** STIX patterning (STIX 2.1 §9): the address; for a port-specific C&C, the connection to it. */
export function stixPattern(d: Pick<Detection, 'kind' | 'ip' | 'port' | 'proto'>): string {
  const addrType = d.ip.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
  if (d.kind === 'c2' && d.port > 0) {
    const parts = [`network-traffic:dst_ref.type = '${addrType}'`, `network-traffic:dst_ref.value = ${quote(d.ip)}`, `network-traffic:dst_port = ${d.port}`];
    const proto = PROTO_NAMES[d.proto];
    if (proto) parts.push(`network-traffic:protocols[*] = '${proto}'`);
    return `[${parts.join(' AND ')}]`;
  }
  return `[${addrType}:value = ${quote(d.ip)}]`;
}

export function exportStixBundle(detections: readonly Detection[], options: StixExportOptions): StixBundle {
  const marking = TLP_MARKINGS[options.tlp];
  const identityId = sid('identity', `identity|${options.producer}`);
  const common = { spec_version: '2.1', created_by_ref: identityId, object_marking_refs: [marking.id] };
  const objects = new Map<string, StixObject>();
  const put = (o: StixObject) => {
    const prev = objects.get(o.id);
    // The same shared object (botnet, malware family) from several detections: keep the widest times.
    if (prev) {
      o.created = [prev.created as string, o.created as string].sort()[0];
      o.modified = [prev.modified as string, o.modified as string].sort()[1];
      for (const [k, pick] of [['first_seen', 0], ['last_seen', 1]] as const) {
        if (prev[k] !== undefined && o[k] !== undefined) o[k] = [prev[k] as string, o[k] as string].sort()[pick];
      }
    }
    objects.set(o.id, o);
  };
  objects.set(identityId, {
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created: IDENTITY_CREATED,
    modified: IDENTITY_CREATED,
    name: options.producer,
    identity_class: 'organization',
    object_marking_refs: [marking.id],
  });
  objects.set(marking.id, marking);

  const sorted = [...detections].filter((d) => d.kind !== 'ddos-victim').sort((a, b) => (detectionKey(a) < detectionKey(b) ? -1 : 1));
  for (const d of sorted) {
    const key = detectionKey(d);
    const created = iso(d.firstSeen);
    const modified = iso(Math.max(d.lastSeen, d.firstSeen));
    const times = { created, modified };
    const indicatorId = sid('indicator', `indicator|${key}`);
    const validUntil = Math.max(d.expiresAt, d.firstSeen + 1);
    const label = d.kind === 'c2' ? 'C&C server' : d.kind === 'bot' ? 'infected host (bot)' : 'scanner';
    put({
      type: 'indicator',
      ...common,
      id: indicatorId,
      ...times,
      name: `${label} ${d.ip}${d.port > 0 ? ` port ${d.port}` : ''}`,
      description: `Sakimori detection (${d.detectors.join(', ')}); ${d.evidence.flows} flows, ${d.evidence.peers} peers; country ${d.country}, AS${d.as}.`,
      indicator_types: [d.kind === 'bot' ? 'compromised' : d.kind === 'scanner' ? 'anomalous-activity' : 'malicious-activity'],
      labels: [`sakimori:${d.kind}`, ...d.detectors.map((n) => `sakimori-detector:${n}`)],
      pattern: stixPattern(d),
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: created,
      valid_until: iso(validUntil),
      confidence: Math.round(Math.min(1, Math.max(0, d.score)) * 100),
    });
    const rel = (type: string, source: string, target: string) =>
      put({ type: 'relationship', ...common, id: sid('relationship', `relationship|${type}|${source}|${target}`), ...times, relationship_type: type, source_ref: source, target_ref: target });
    let malwareId: string | undefined;
    if (d.family) {
      malwareId = sid('malware', `malware|${d.family}`);
      put({ type: 'malware', ...common, id: malwareId, ...times, name: d.family, is_family: true, malware_types: ['bot'] });
      rel('indicates', indicatorId, malwareId);
    }
    if (d.kind === 'c2') {
      const infraId = sid('infrastructure', `infrastructure|${key}`);
      put({
        type: 'infrastructure',
        ...common,
        id: infraId,
        ...times,
        name: `C&C ${d.ip}${d.port > 0 ? `:${d.port}` : ''}`,
        infrastructure_types: ['command-and-control'],
        first_seen: created,
        last_seen: modified,
      });
      rel('indicates', indicatorId, infraId);
      if (malwareId) rel('controls', infraId, malwareId);
    } else if (d.kind === 'bot') {
      const family = d.family ?? 'unknown family';
      const infraId = sid('infrastructure', `botnet|${family}`);
      put({ type: 'infrastructure', ...common, id: infraId, ...times, name: `botnet (${family})`, infrastructure_types: ['botnet'], first_seen: created, last_seen: modified });
      rel('indicates', indicatorId, infraId);
    }
  }
  const list = [...objects.values()];
  const digest = createHash('sha256')
    .update(list.map((o) => `${o.id}@${String(o.modified ?? o.created)}`).join('\n'))
    .digest('hex');
  return { type: 'bundle', id: `bundle--${uuidV5(SAKIMORI_STIX_NAMESPACE, `bundle|${digest}`)}`, objects: list };
}
