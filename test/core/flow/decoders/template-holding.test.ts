import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { ByteWriter, datagram, ipfixMessage, set } from './export-builder.js';
import { captureDatagrams, newDecoders, replay } from './netflow-captures.js';

/** Data sets whose template is unknown: held, recovered when the template arrives, or expired. */

const HOLD_MS = 60_000;

function at(d: ExportDatagram, receivedAt: number): ExportDatagram {
  return { ...d, receivedAt };
}

const TEMPLATE = set(2, new ByteWriter().u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes());
function dataSet(n: number): Uint8Array {
  return set(256, new ByteWriter().ipv4(`10.0.0.${n}`).ipv4('10.9.9.9').toBytes());
}
function ipfix(sets: Uint8Array[], receivedAt: number, exporter = '192.0.2.1'): ExportDatagram {
  return datagram(ipfixMessage(1, 1_700_000_000, sets), receivedAt, exporter);
}

describe('held data sets', () => {
  it('v9 data before its template: held, then decoded by the call that brings the template', () => {
    const inOrder = replay(['template.pcap', 'data.pcap']).records;
    const d = newDecoders();
    const [data] = captureDatagrams('data.pcap');
    const [template] = captureDatagrams('template.pcap');
    const early: FlowRecord[] = [];
    assert.equal(d.v9.decode(data, early), 0);
    const c = d.counters.get(data.exporter);
    assert.equal(c.unknownTemplateSets, 1);
    assert.equal(c.unknownTemplateRecovered, 0);
    const late: FlowRecord[] = [];
    assert.equal(d.v9.decode(at(template, data.receivedAt + 1000), late), 4);
    assert.equal(c.unknownTemplateRecovered, 1);
    assert.equal(c.templates, 1);
    // Decoded late but with the held datagram's header: identical to decoding in order.
    assert.deepEqual(late, inOrder);
  });

  it('expire() drops sets older than the hold time, counting them; the template then recovers nothing', () => {
    const d = newDecoders({ templateHoldMs: HOLD_MS });
    const out: FlowRecord[] = [];
    d.ipfix.decode(ipfix([dataSet(1)], 1_000), out);
    d.ipfix.decode(ipfix([dataSet(2)], 50_000), out);
    const c = d.counters.get('192.0.2.1');
    assert.equal(c.unknownTemplateSets, 2);
    d.ipfix.expire(1_000 + HOLD_MS);
    assert.equal(c.unknownTemplateExpired, 0);
    d.ipfix.expire(1_001 + HOLD_MS);
    assert.equal(c.unknownTemplateExpired, 1);
    assert.equal(d.ipfix.decode(ipfix([TEMPLATE], 52_000), out), 1);
    assert.equal(out[0].src, '10.0.0.2');
    assert.equal(c.unknownTemplateRecovered, 1);
    d.ipfix.expire(10_000_000);
    assert.equal(c.unknownTemplateExpired, 1);
  });

  it('a set past its hold time when the template arrives is counted expired, not decoded', () => {
    const d = newDecoders({ templateHoldMs: HOLD_MS });
    const out: FlowRecord[] = [];
    d.ipfix.decode(ipfix([dataSet(1)], 0), out);
    assert.equal(d.ipfix.decode(ipfix([TEMPLATE], HOLD_MS + 1), out), 0);
    const c = d.counters.get('192.0.2.1');
    assert.equal(c.unknownTemplateExpired, 1);
    assert.equal(c.unknownTemplateRecovered, 0);
  });

  it('maxHeldSetsPerExporter bounds memory: the oldest sets are dropped and counted expired', () => {
    const d = newDecoders({ maxHeldSetsPerExporter: 2 });
    const out: FlowRecord[] = [];
    for (let i = 1; i <= 5; i++) d.ipfix.decode(ipfix([dataSet(i)], i), out);
    const c = d.counters.get('192.0.2.1');
    assert.equal(c.unknownTemplateSets, 5);
    assert.equal(c.unknownTemplateExpired, 3);
    assert.equal(d.ipfix.decode(ipfix([TEMPLATE], 10), out), 2);
    assert.deepEqual(
      out.map((r) => r.src),
      ['10.0.0.4', '10.0.0.5'],
    );
    assert.equal(c.unknownTemplateRecovered, 2);
  });

  it('held sets wait for their own exporter and observation domain', () => {
    const d = newDecoders();
    const out: FlowRecord[] = [];
    d.ipfix.decode(ipfix([dataSet(1)], 1, '192.0.2.1'), out);
    assert.equal(d.ipfix.decode(ipfix([TEMPLATE], 2, '192.0.2.2'), out), 0);
    assert.equal(d.ipfix.decode(datagram(ipfixMessage(2, 1_700_000_000, [TEMPLATE]), 3), out), 0);
    assert.equal(d.ipfix.decode(ipfix([TEMPLATE], 4, '192.0.2.1'), out), 1);
    assert.equal(d.counters.get('192.0.2.1').unknownTemplateRecovered, 1);
    assert.equal(d.counters.get('192.0.2.2').unknownTemplateRecovered, 0);
  });
});
