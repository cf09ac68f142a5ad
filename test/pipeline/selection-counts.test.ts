/**
 * Per-criterion counts through the selection stage: the selector reports them in an array parallel
 * to its criterion ids (its counts name them only when read), the stage adds the arrays up per
 * window and since start, and attestations and totals list every criterion, 0 included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import type { SelectionAttestation } from '../../src/core/selection/attestation.js';
import { verifyApproval } from '../../src/core/selection/approval.js';
import { ClassifiedBatch } from '../../src/core/selection/classified-batch.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { compileSelector, type CompiledSelector } from '../../src/core/selection/selector.js';
import { SelectionStage } from '../../src/pipeline/selection-stage.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { FEED, makeApproval, T0, testKeys, trusted } from '../core/selection/fixtures.js';

const keys = testKeys(1);
const classifier = () => new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] }));

function selector(criteria: unknown, id: string): CompiledSelector {
  const v = verifyApproval(makeApproval(criteria, keys, { id, approvers: ['member-a'] }), criteria, trusted(keys), T0, { minSignatures: 1 });
  assert.ok(v.ok);
  return compileSelector(criteria, v.approval, { pseudonymizer: new Pseudonymizer('p1', randomBytes(32)) });
}

const doc = (ids: string[]) => ({
  version: 1,
  criteria: ids.map((id, i) => ({ id, description: 'port', match: { dstPorts: [1000 + i] } })),
  fields: ['start', 'dstPort'],
  allowDomesticAddresses: false,
});

/** Foreign (2.0.0.x, US) → domestic (1.0.0.x, JP) flows to the given destination ports. */
function flows(ports: number[]): FlowRecord[] {
  return ports.map((p, i) => {
    const r = emptyFlowRecord('ipfix', FEED, 0);
    r.src = `2.0.0.${1 + (i % 200)}`;
    r.dst = '1.0.0.9';
    r.srcPort = 40000;
    r.dstPort = p;
    r.proto = 6;
    r.start = T0 + i;
    r.end = T0 + i;
    return r;
  });
}

test('a selector names its per-criterion counts when read and gives them as an array in document order', () => {
  const s = selector(doc(['a', 'b', 'c']), 'ap-1');
  const b = new ClassifiedBatch();
  const rs = flows([1000, 1002, 1002, 9]);
  b.load(rs);
  classifier().classifyColumns(rs, rs.length, b);
  const r = s.select(b, T0);
  assert.deepEqual([...r.criterionCounts], [1, 0, 2]);
  assert.deepEqual(r.counts.perCriterion, { a: 1, c: 2 });
  assert.deepEqual(Object.keys(r.counts), ['in', 'selected', 'erased', 'domesticDomestic', 'outOfScope', 'perCriterion']);
  assert.deepEqual(JSON.parse(JSON.stringify(r.counts)), { in: 4, selected: 3, erased: 1, domesticDomestic: 0, outOfScope: 0, perCriterion: { a: 1, c: 2 } });
  const blocks = s.selectBlocks(b, T0);
  assert.deepEqual([...blocks.criterionCounts], [1, 0, 2]);
  assert.deepEqual({ ...blocks.counts.perCriterion }, { a: 1, c: 2 });
  b.release();
});

test('the stage adds per-criterion counts per window and since start; a reloaded approval of the same id with other criteria keeps both', () => {
  let now = T0;
  const attestations: SelectionAttestation[] = [];
  const first = selector(doc(['a', 'b', 'c']), 'ap-1');
  const stage = new SelectionStage({
    classifier: classifier(),
    selectors: [first],
    sink: { write: () => {} },
    clock: () => now,
    windowMs: 60_000,
    softwareVersion: 'test',
    onAttestation: (a) => attestations.push(a),
  });
  stage.write(flows([1000, 1002, 1002, 9]));
  stage.write(flows([1002, 1001, 7]));
  now += 60_000;
  stage.tick();
  assert.equal(attestations.length, 1);
  assert.deepEqual(attestations[0].counts, { in: 7, selected: 5, erased: 2, domesticDomestic: 0, outOfScope: 0, perCriterion: { a: 1, b: 1, c: 3 } });
  stage.write(flows([1001]));
  // The same approval id, now with criteria b, d (as a test can build it; a real id binds one document).
  stage.replaceSelectors([selector(doc(['d', 'b']), 'ap-1')], classifier());
  assert.deepEqual(attestations[1].counts.perCriterion, { a: 0, b: 1, c: 0 });
  stage.write(flows([1000, 1001, 1001]));
  stage.close();
  assert.deepEqual(attestations[2].counts, { in: 3, selected: 3, erased: 0, domesticDomestic: 0, outOfScope: 0, perCriterion: { d: 1, b: 2 } });
  assert.deepEqual(stage.totals().get('ap-1'), { in: 11, selected: 9, erased: 2, domesticDomestic: 0, outOfScope: 0, perCriterion: { a: 1, b: 4, c: 3, d: 1 } });
});
