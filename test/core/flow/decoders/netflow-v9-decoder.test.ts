import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capturePath, collectorPort, replay } from './netflow-captures.js';
import { assertRecordsMatch, expectedRecords } from './netflow-expected.js';
import { tsharkMessages } from './netflow-tshark.js';

/** NetFlow v9 captures replayed through one decoder and compared record by record with tshark. */

function crossCheck(files: string[]) {
  const result = replay(files);
  const messages = tsharkMessages(files.map(capturePath), collectorPort(files[0]));
  assertRecordsMatch(result.records, expectedRecords(messages, 'netflow-v9'), files.join(' + '));
  assert.equal(result.counters.malformed, 0);
  return result;
}

describe('NetflowV9Decoder against tshark', () => {
  it('options template, options data, template, data (Cisco, sampler 1 at 1:30000)', () => {
    const r = crossCheck(['options-template.pcap', 'options-data.pcap', 'template.pcap', 'data.pcap']);
    assert.equal(r.records.length, 4);
    assert.equal(r.counters.templates, 1);
    assert.equal(r.counters.optionTemplates, 1);
    assert.equal(r.counters.unknownTemplateSets, 0);
  });

  it('ICMP and ICMPv6 flows with absolute flowStart/EndMilliseconds', () => {
    const r = crossCheck(['icmp-template.pcap', 'icmp-data.pcap']);
    assert.equal(r.counters.templates, 4);
    assert.ok(r.records.some((x) => x.proto === 58 && x.ipVersion === 6));
    assert.ok(r.records.some((x) => x.proto === 1 && x.ipVersion === 4));
  });

  it('multiple samplers announced by options data (FLOW_SAMPLER_ID in data records)', () => {
    const r = crossCheck(['multiplesamplingrates-options-template.pcap', 'multiplesamplingrates-options-data.pcap', 'multiplesamplingrates-template.pcap', 'multiplesamplingrates-data.pcap']);
    assert.equal(r.records.length, 12);
    assert.equal(r.counters.templates, 1);
    assert.equal(r.counters.optionTemplates, 1);
  });

  it('sampling interval carried in each data record', () => {
    const r = crossCheck(['samplingrate-template.pcap', 'samplingrate-data.pcap']);
    assert.equal(r.records.length, 6);
  });

  it('NAT events (times from observationTimeMilliseconds; post-NAT fields ignored)', () => {
    const r = crossCheck(['nat.pcap']);
    assert.equal(r.counters.templates, 4);
    // Four templates are announced; only template 264 has data records in this capture.
    assert.equal(r.records.length, 9);
  });

  it('data set before its template in the same datagram is held, then decoded when the template arrives', () => {
    const result = replay(['data+templates.pcap']);
    // tshark reads a data set only after it has seen the template, so it is given the datagram
    // twice: in the second copy FlowSet 1 (template 257) decodes. Our decoder sees it once and
    // must recover FlowSet 1 when FlowSet 4 defines template 257, before FlowSet 5's records.
    const path = capturePath('data+templates.pcap');
    const messages = tsharkMessages([path, path], collectorPort('data+templates.pcap')).filter((m) => m.frame === 2);
    assertRecordsMatch(result.records, expectedRecords(messages, 'netflow-v9'), 'data+templates.pcap');
    assert.deepEqual(result.returned, [result.records.length]);
    assert.equal(result.counters.unknownTemplateSets, 1);
    assert.equal(result.counters.unknownTemplateRecovered, 1);
    assert.equal(result.counters.unknownTemplateExpired, 0);
    assert.equal(result.counters.templates, 1);
    assert.equal(result.counters.optionTemplates, 1);
    assert.equal(result.counters.malformed, 0);
  });
});
