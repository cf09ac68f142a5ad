/**
 * Behavioural selectors (自動選別 with detector-supplied criteria): the selection machine's own
 * C&C engine observes every acquirable flow, and an approved `behaviour` criterion selects the
 * flows of current C&C candidates — no person sees anything before selection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { createC2Engine } from '../../src/core/detect/c2-engine.js';
import type { FlowRecord } from '../../src/core/flow/flow-record.js';
import { verifyApproval } from '../../src/core/selection/approval.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { compileSelector, type SelectedRecord } from '../../src/core/selection/selector.js';
import { BehaviourStage } from '../../src/pipeline/behaviour-stage.js';
import { SelectionStage } from '../../src/pipeline/selection-stage.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { periodic, poisson, prng, T0 } from '../core/detect/traffic.js';
import { FEED, makeApproval, testKeys, trusted } from '../core/selection/fixtures.js';

// Synthetic geo: 1.0.0.0/24 JP (domestic), 2.0.0.0/24 US.
const criteria = {
  version: 1,
  criteria: [{ id: 'c2-flows', description: 'flows of current C&C candidates', match: { behaviour: { selector: 'c2', minScore: 0.5 } } }],
  fields: ['start', 'dst', 'dstPort', 'proto', 'direction'],
  allowDomesticAddresses: false,
};

function records(): FlowRecord[] {
  const rnd = prng(3);
  const bots = Array.from({ length: 6 }, (_, i) => `1.0.0.${10 + i}`);
  const browsers = Array.from({ length: 20 }, (_, i) => `1.0.0.${100 + i}`);
  return [
    ...periodic({ hosts: bots, dst: '2.0.0.50', dstPort: 23, proto: 6, periodMs: 60_000, jitter: 0.3, octets: 180, sizeJitter: 0.05, packets: 3, from: T0, to: T0 + 5_400_000 }, rnd),
    ...poisson(browsers, '2.0.0.80', 443, 300_000, T0, T0 + 5_400_000, rnd),
  ]
    .map((f) => ({ ...f.record, exporter: FEED }))
    .sort((a, b) => a.start - b.start);
}

function run(withBehaviour: boolean): { selected: SelectedRecord[]; stage: SelectionStage } {
  const keys = testKeys(1);
  const approval = makeApproval(criteria, keys, { approvers: ['member-a'], validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z' });
  const v = verifyApproval(approval, criteria, trusted(keys), T0, { minSignatures: 1 });
  assert.ok(v.ok);
  const selector = compileSelector(criteria, v.approval, { pseudonymizer: new Pseudonymizer('p1', randomBytes(32)) });
  const selected: SelectedRecord[] = [];
  const rs = records();
  let now = rs[0].start;
  const stage = new SelectionStage({
    classifier: new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] })),
    selectors: [selector],
    sink: { write: (_id, out) => selected.push(...out) },
    clock: () => now,
    windowMs: Number.POSITIVE_INFINITY,
    softwareVersion: 'test',
    onAttestation: () => {},
    ...(withBehaviour ? { behaviour: new BehaviourStage(createC2Engine({ method: 'sakimori' })) } : {}),
  });
  for (let i = 0; i < rs.length; i += 100) {
    const batch = rs.slice(i, i + 100);
    now = batch[batch.length - 1].end;
    stage.write(batch);
  }
  return { selected, stage };
}

test('behavioural selector "c2": once the engine knows the C&C, its flows are selected with the criterion id; browsing never is', () => {
  const { selected, stage } = run(true);
  assert.ok(selected.length > 0, 'C&C flows selected');
  for (const r of selected) {
    assert.deepEqual(r.criteria, ['c2-flows']);
    assert.equal(r.fields.dst, '2.0.0.50');
    assert.equal(r.fields.dstPort, 23);
  }
  const beacons = records().filter((r) => r.dst === '2.0.0.50').length;
  // The engine sees a whole batch before the selectors do, and fan-in knows six bots sharing one rare
  // endpoint within the first batch: all or nearly all check-ins are selected.
  assert.ok(selected.length > beacons * 0.9, `${selected.length} of ${beacons}`);
  assert.equal(stage.selected + stage.erased, stage.in);
});

test('behavioural selector without the behaviour stage: the criterion never holds, everything is erased', () => {
  const { selected, stage } = run(false);
  assert.equal(selected.length, 0);
  assert.equal(stage.erased, stage.in);
});

test('the behavioural engine runs only while an approval in force has a behaviour criterion', () => {
  const keys = testKeys(1);
  const plain = { ...criteria, criteria: [{ id: 'telnet', description: 'port 23', match: { dstPorts: [23] } }] };
  const compiled = (doc: typeof criteria | typeof plain) => {
    const v = verifyApproval(makeApproval(doc, keys, { approvers: ['member-a'], validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z' }), doc, trusted(keys), T0, { minSignatures: 1 });
    assert.ok(v.ok);
    return compileSelector(doc, v.approval, { pseudonymizer: new Pseudonymizer('p1', randomBytes(32)) });
  };
  const classifier = new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] }));
  let observed = 0;
  const behaviour = { observe: (b: readonly unknown[]) => void (observed += b.length), scorer: () => 0 };
  const rs = records().slice(0, 200);
  const stage = new SelectionStage({ classifier, selectors: [compiled(plain)], sink: { write: () => {} }, clock: () => rs[0].end, windowMs: Number.POSITIVE_INFINITY, softwareVersion: 'test', onAttestation: () => {}, behaviour });
  stage.write(rs.slice(0, 100));
  assert.equal(observed, 0, 'no behaviour criterion: the engine sees nothing');
  stage.replaceSelectors([compiled(plain), compiled(criteria)], classifier);
  stage.write(rs.slice(100, 200));
  assert.equal(observed, 100, 'a behaviour criterion loaded: the engine sees every batch');
});
