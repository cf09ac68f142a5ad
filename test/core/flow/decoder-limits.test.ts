import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterRegistry } from '../../../src/core/flow/exporter-counters.js';
import { ExportDecoder } from '../../../src/core/flow/export-decoder.js';
import { IpfixEncoder } from '../../../src/core/flow/encoders/export-encoder.js';
import { EXPORTER_LIMIT_KEY } from '../../../src/core/flow/flow-decoder.js';
import type { FlowRecord } from '../../../src/core/flow/flow-record.js';
import { syntheticFlows } from '../../../src/demo/synthetic-flows.js';

const UNIX = 1_790_000_000;

test('exporters beyond maxExporters are not decoded and are counted under exporter-limit', () => {
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 1000, maxHeldSetsPerExporter: 10, maxExporters: 3 });
  const enc = new IpfixEncoder({ domain: 1 });
  const stream = [enc.templateMessage(UNIX), ...enc.dataMessages(syntheticFlows(60, { seed: 1 }), UNIX)];
  const out: FlowRecord[] = [];
  for (let e = 1; e <= 5; e++) for (const payload of stream) decoder.decode({ receivedAt: 0, exporter: `192.0.2.${e}`, exporterPort: 1, payload }, out);
  assert.equal(out.length, 3 * 60);
  assert.deepEqual(counters.all().map((c) => c.exporter).sort(), ['192.0.2.1', '192.0.2.2', '192.0.2.3', EXPORTER_LIMIT_KEY].sort());
  const over = counters.get(EXPORTER_LIMIT_KEY);
  assert.equal(over.datagrams, 2 * stream.length);
  assert.equal(over.malformed, 2 * stream.length);
  assert.equal(over.records, 0);
});

test('templates beyond maxTemplatesPerExporter are refused as malformed; known ones keep working', () => {
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 1000, maxHeldSetsPerExporter: 10, maxTemplatesPerExporter: 2 });
  const out: FlowRecord[] = [];
  const flows = syntheticFlows(30, { seed: 2 });
  for (const domain of [1, 2, 3]) {
    const enc = new IpfixEncoder({ domain });
    decoder.decode({ receivedAt: 0, exporter: '192.0.2.9', exporterPort: 1, payload: enc.templateMessage(UNIX) }, out);
    for (const payload of enc.dataMessages(flows, UNIX)) decoder.decode({ receivedAt: 0, exporter: '192.0.2.9', exporterPort: 1, payload }, out);
  }
  const c = counters.get('192.0.2.9');
  assert.equal(c.templates, 2);
  assert.equal(out.length, 60);
  assert.ok(c.malformed >= 1, 'the third template was not counted');
  assert.equal(c.unknownTemplateSets, 1, 'data for the refused template is held awaiting a template, then expires');
  decoder.expire(10_000);
  assert.equal(c.unknownTemplateExpired, 1);
});
