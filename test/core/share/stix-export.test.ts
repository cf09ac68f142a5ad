import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Detection } from '../../../src/core/detect/detection.js';
import { exportStixBundle, stixPattern, TLP_MARKINGS, type StixObject } from '../../../src/core/share/stix-export.js';
import { uuidV5 } from '../../../src/core/share/uuid-v5.js';
import { SchemaSet } from '../../helpers/json-schema.js';
import { TESTDATA } from '../../helpers/paths.js';

const STIX = join(TESTDATA, 'stix');
const schemas = SchemaSet.fromDirectory(join(STIX, 'schemas'));
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const H = 3600_000;

function det(over: Partial<Detection> = {}): Detection {
  return {
    kind: 'c2', ip: '203.0.113.10', port: 443, proto: 6, score: 0.87, detectors: ['beacon', 'seed-peer'], country: 'US', as: 64500,
    firstSeen: T0, lastSeen: T0 + H, expiresAt: T0 + 25 * H, evidence: { flows: 40, peers: 12, seedPeers: 3, scores: { beacon: 0.9 } }, ...over,
  };
}

const sample: Detection[] = [
  det({ family: 'mirai' }),
  det({ ip: '2001:db8::5', port: 0, proto: 0 }),
  det({ kind: 'bot', ip: '198.51.100.7', port: 0, proto: 0, family: 'mirai', detectors: ['seed-peer'] }),
  det({ kind: 'bot', ip: '198.51.100.8', port: 0, proto: 0, detectors: ['seed-peer'], firstSeen: T0 - 5 * H }),
  det({ kind: 'scanner', ip: '192.0.2.99', port: 0, proto: 0, detectors: ['darknet-scan'] }),
  det({ kind: 'ddos-victim', ip: '192.0.2.200', port: 0, proto: 0, detectors: ['backscatter'] }),
];

const schemaOf = (o: StixObject) =>
  o.type === 'relationship' ? 'sros/relationship.json' : o.type === 'marking-definition' ? 'common/marking-definition.json' : `sdos/${o.type}.json`;

test('uuidV5 matches the RFC 9562 test vector', () => {
  assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('the validator passes the shared STIX examples and fails broken copies of them', () => {
  const indicator = JSON.parse(readFileSync(join(STIX, 'examples/indicator-for-c2-ip-address.json'), 'utf8')) as { objects: StixObject[] };
  const infraBundle = JSON.parse(readFileSync(join(STIX, 'examples/infrastructure.json'), 'utf8')) as { objects: StixObject[] };
  const infra = infraBundle.objects.find((o) => o.type === 'infrastructure')!;
  assert.deepEqual(schemas.validate('common/bundle.json', indicator), []);
  assert.deepEqual(schemas.validate('common/bundle.json', infraBundle), []);
  assert.deepEqual(schemas.validate('sdos/indicator.json', indicator.objects[0]), []);
  assert.deepEqual(schemas.validate('sdos/infrastructure.json', infra), []);

  const noPattern = structuredClone(indicator.objects[0]);
  delete noPattern.pattern;
  assert.ok(schemas.validate('sdos/indicator.json', noPattern).some((e) => e.message.includes('pattern')));
  const badId = { ...indicator.objects[0], id: 'indicator--not-a-uuid' };
  assert.notDeepEqual(schemas.validate('sdos/indicator.json', badId), []);
  const badTime = { ...indicator.objects[0], created: '2014-05-08T09:00:00Z' };
  assert.notDeepEqual(schemas.validate('sdos/indicator.json', badTime), [], 'created must have milliseconds');
  const noName = structuredClone(infra);
  delete noName.name;
  assert.notDeepEqual(schemas.validate('sdos/infrastructure.json', noName), []);
  const badBundle = { ...indicator, objects: [{ ...indicator.objects[0], spec_version: '3.0' }] };
  assert.notDeepEqual(schemas.validate('common/bundle.json', badBundle), []);
  const tlpTampered = { ...TLP_MARKINGS.amber, name: 'TLP:GREEN' };
  assert.notDeepEqual(schemas.validate('common/marking-definition.json', tlpTampered), []);
});

test('the exported bundle and every object in it validate against the STIX 2.1 schemas', () => {
  const bundle = exportStixBundle(sample, { producer: 'Example Carrier', tlp: 'amber' });
  assert.deepEqual(schemas.validate('common/bundle.json', bundle), []);
  for (const o of bundle.objects) assert.deepEqual(schemas.validate(schemaOf(o), o), [], `${o.id}`);
  const types = bundle.objects.map((o) => o.type);
  assert.equal(types.filter((t) => t === 'indicator').length, 5, 'ddos victims are not exported');
  assert.equal(types.filter((t) => t === 'identity').length, 1);
  assert.equal(types.filter((t) => t === 'marking-definition').length, 1);
  assert.equal(types.filter((t) => t === 'malware').length, 1, 'one malware family object shared');
  const infra = bundle.objects.filter((o) => o.type === 'infrastructure');
  assert.deepEqual(infra.map((o) => o.infrastructure_types).sort(), [['botnet'], ['botnet'], ['command-and-control'], ['command-and-control']]);
  assert.ok(!JSON.stringify(bundle).includes('192.0.2.200'));
  // Every reference points at an object in the bundle.
  const ids = new Set(bundle.objects.map((o) => o.id));
  for (const o of bundle.objects) {
    for (const k of ['created_by_ref', 'source_ref', 'target_ref']) if (o[k] !== undefined) assert.ok(ids.has(o[k] as string), `${o.id} ${k}`);
    for (const m of (o.object_marking_refs as string[] | undefined) ?? []) assert.ok(ids.has(m));
  }
});

test('indicator fields: pattern, validity from first seen to expiry, confidence from score, relationships', () => {
  const bundle = exportStixBundle([det({ family: 'mirai' })], { producer: 'X', tlp: 'green' });
  const ind = bundle.objects.find((o) => o.type === 'indicator')!;
  assert.equal(ind.pattern, "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.10' AND network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']");
  assert.equal(ind.valid_from, '2026-11-01T00:00:00.000Z');
  assert.equal(ind.valid_until, '2026-11-02T01:00:00.000Z');
  assert.equal(ind.confidence, 87);
  assert.deepEqual(ind.indicator_types, ['malicious-activity']);
  assert.deepEqual(ind.object_marking_refs, [TLP_MARKINGS.green.id]);
  const rels = bundle.objects.filter((o) => o.type === 'relationship').map((o) => `${String(o.source_ref).split('--')[0]} ${o.relationship_type} ${String(o.target_ref).split('--')[0]}`);
  assert.deepEqual(rels.sort(), ['indicator indicates infrastructure', 'indicator indicates malware', 'infrastructure controls malware']);
  assert.equal(stixPattern({ kind: 'c2', ip: '2001:db8::5', port: 0, proto: 0 }), "[ipv6-addr:value = '2001:db8::5']");
  assert.equal(stixPattern({ kind: 'scanner', ip: '192.0.2.1', port: 23, proto: 6 }), "[ipv4-addr:value = '192.0.2.1']");
  assert.equal(stixPattern({ kind: 'c2', ip: '192.0.2.1', port: 5000, proto: 99 }), "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 5000]");
});

test('ids are stable across re-exports; a refreshed detection keeps its ids with a newer modified', () => {
  const a = exportStixBundle(sample, { producer: 'X', tlp: 'amber' });
  const b = exportStixBundle([...sample].reverse(), { producer: 'X', tlp: 'amber' });
  assert.deepEqual(a, b);
  const refreshed = exportStixBundle([det({ lastSeen: T0 + 5 * H, score: 0.95 })], { producer: 'X', tlp: 'amber' });
  const first = exportStixBundle([det()], { producer: 'X', tlp: 'amber' });
  const ind = (x: typeof a) => x.objects.find((o) => o.type === 'indicator')!;
  assert.equal(ind(refreshed).id, ind(first).id);
  assert.ok(String(ind(refreshed).modified) > String(ind(first).modified));
  assert.notEqual(refreshed.id, first.id, 'the bundle id follows its content');
  const other = exportStixBundle([det({ port: 8443 })], { producer: 'X', tlp: 'amber' });
  assert.notEqual(ind(other).id, ind(first).id);
});
