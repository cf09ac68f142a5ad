/**
 * Deferred IPv4 text on the cyber-office path (DecoderOptions.deferIPv4Text): the decoder leaves
 * IPv4 addresses as numbers and the selection stage makes the text of the records it keeps only.
 * The selected records, the pseudonyms, the counts and what live detection receives must be
 * exactly those of the decoder that makes every text, and an erased flow's addresses must never
 * have become text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { createC2Engine } from '../../src/core/detect/c2-engine.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { ExportDecoder } from '../../src/core/flow/export-decoder.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { verifyApproval } from '../../src/core/selection/approval.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { compileSelector, type SelectedRecord, type SelectionCounts } from '../../src/core/selection/selector.js';
import { prng } from '../../src/demo/synthetic-flows.js';
import { BehaviourStage } from '../../src/pipeline/behaviour-stage.js';
import { SelectionStage } from '../../src/pipeline/selection-stage.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { FEED, makeApproval, testKeys, trusted } from '../core/selection/fixtures.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');

// Synthetic geo: 1.0.0.0/24 JP (domestic), 2.0.0.0/24 US, 3.0.0.0/24 KR; 4.0.0.0/8 unknown.
const criteria = {
  version: 1,
  criteria: [
    { id: 'telnet', description: 'telnet', match: { dstPorts: [23] } },
    { id: 'watched', description: 'a watched US block', match: { anyCidrs: ['2.0.0.128/25'] } },
    { id: 'c2', description: 'C&C candidates', match: { behaviour: { selector: 'c2', minScore: 0.5 } } },
  ],
  fields: ['start', 'src', 'dst', 'srcPort', 'dstPort', 'proto', 'direction', 'srcCountry', 'dstCountry'],
  allowDomesticAddresses: false,
};

function flows(): FlowRecord[] {
  const rnd = prng(11);
  const address = () => `${1 + Math.floor(rnd() * 4)}.0.0.${Math.floor(rnd() * 256)}`;
  return Array.from({ length: 6000 }, (_, i) => {
    const r = emptyFlowRecord('ipfix', FEED, 1);
    r.src = address();
    r.dst = address();
    r.proto = 6;
    r.srcPort = 1024 + Math.floor(rnd() * 60000);
    r.dstPort = [23, 80, 443, 8080][Math.floor(rnd() * 4)];
    r.packets = r.sampledPackets = 3;
    r.octets = r.sampledOctets = 180;
    r.start = T0 + i * 1000;
    r.end = r.start + 500;
    return r;
  });
}

interface Run {
  selected: SelectedRecord[];
  handedToDetection: FlowRecord[];
  decoded: FlowRecord[][];
  counts: Map<string, SelectionCounts>;
}

function run(deferIPv4Text: boolean, withBehaviour: boolean): Run {
  const keys = testKeys(1);
  const approval = makeApproval(criteria, keys, { channel: 'agreement', approvers: ['member-a'], validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z' });
  const v = verifyApproval(approval, criteria, trusted(keys), T0, { minSignatures: 1 });
  assert.ok(v.ok);
  const selector = compileSelector(criteria, v.approval, { pseudonymizer: new Pseudonymizer('p1', Buffer.alloc(32, 3)) });
  const out: Run = { selected: [], handedToDetection: [], decoded: [], counts: new Map() };
  let now = T0;
  const stage = new SelectionStage({
    classifier: new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] })),
    selectors: [selector],
    sink: { write: (_id, records) => out.selected.push(...records) },
    clock: () => now,
    windowMs: Number.POSITIVE_INFINITY,
    softwareVersion: 'test',
    onAttestation: () => {},
    onSelected: (records) => out.handedToDetection.push(...records),
    ...(withBehaviour ? { behaviour: new BehaviourStage(createC2Engine({ method: 'sakimori' })) } : {}),
  });
  const unix = Math.floor(T0 / 1000);
  const enc = new IpfixEncoder({ domain: 1, recordsPerMessage: 30 });
  const decoder = new ExportDecoder({ counters: new CounterRegistry(), templateHoldMs: 60_000, maxHeldSetsPerExporter: 16, deferIPv4Text });
  let batch: FlowRecord[] = [];
  for (const payload of [enc.templateMessage(unix), ...enc.dataMessages(flows(), unix)]) {
    decoder.decode({ receivedAt: T0, exporter: FEED, exporterPort: 2055, payload }, batch);
    if (batch.length >= 600) {
      now = batch[batch.length - 1].end;
      stage.write(batch);
      out.decoded.push(batch);
      batch = [];
    }
  }
  stage.write(batch);
  out.decoded.push(batch);
  out.counts = stage.totals();
  return out;
}

for (const withBehaviour of [false, true]) {
  test(`deferred IPv4 text selects exactly what made text selects, and erased flows never get text (${withBehaviour ? 'with' : 'without'} a behavioural criterion in force)`, () => {
    const eager = run(false, withBehaviour);
    const deferred = run(true, withBehaviour);
    assert.ok(eager.selected.length > 1000, `selected ${eager.selected.length}`);
    assert.deepStrictEqual(deferred.selected, eager.selected);
    assert.deepStrictEqual(deferred.counts, eager.counts);
    // Live detection gets the kept records with their text made.
    assert.ok(eager.handedToDetection.length > 1000);
    assert.deepStrictEqual(deferred.handedToDetection, eager.handedToDetection);
    // Pseudonyms replaced domestic addresses, and foreign ones are there as text.
    assert.ok(deferred.selected.some((s) => s.fields.src?.startsWith('p1:')));
    assert.ok(deferred.selected.some((s) => s.fields.dst?.startsWith('2.0.0.')));
    const kept = new Set(deferred.handedToDetection);
    let erased = 0;
    for (const r of deferred.decoded.flat()) {
      if (kept.has(r)) continue;
      erased++;
      // With a behavioural criterion the engine reads every acquirable flow as text; without, no erased flow's address became text.
      if (!withBehaviour) assert.deepEqual([r.src, r.dst], ['', ''], 'an erased flow kept its addresses as numbers only');
    }
    assert.ok(erased > 1000, `erased ${erased}`);
  });
}
