import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { ByteWriter, datagram, ipfixMessage, set, v9Packet } from './export-builder.js';
import { capturePath, collectorPort, newDecoders, replay } from './netflow-captures.js';
import { num, tsharkMessages } from './netflow-tshark.js';

/** Sampling rates: announced by options records, carried in data records, applied with the raw counters kept. */

function tsharkFlows(files: string[]) {
  return tsharkMessages(files.map(capturePath), collectorPort(files[0])).flatMap((m) => m.flows);
}

function assertScaled(r: FlowRecord, rate: number, packets: number, octets: number, label: string): void {
  assert.equal(r.samplingRate, rate, `${label}: rate`);
  assert.equal(r.sampledPackets, packets, `${label}: raw packets kept`);
  assert.equal(r.sampledOctets, octets, `${label}: raw octets kept`);
  assert.equal(r.packets, packets * rate, `${label}: packets scaled`);
  assert.equal(r.octets, octets * rate, `${label}: octets scaled`);
}

describe('sampling', () => {
  it('multiplesamplingrates: each record takes the rate of the sampler id it carries', () => {
    const files = ['multiplesamplingrates-options-template.pcap', 'multiplesamplingrates-options-data.pcap', 'multiplesamplingrates-template.pcap', 'multiplesamplingrates-data.pcap'];
    const { records } = replay(files);
    const messages = tsharkMessages(files.map(capturePath), collectorPort(files[0]));
    const bySampler = new Map(messages.flatMap((m) => m.options).map((o) => [num(o, 'cflow.sampler_id'), num(o, 'cflow.sampling_interval')]));
    // tshark -V: "SamplerID: 1 … Sampling interval: 2000", "SamplerID: 2 … Sampling interval: 4000".
    assert.deepEqual([...bySampler], [[1, 2000], [2, 4000]]);
    const flows = messages.flatMap((m) => m.flows);
    assert.equal(records.length, flows.length);
    flows.forEach((f, i) => assertScaled(records[i], bySampler.get(num(f, 'cflow.sampler_id'))!, num(f, 'cflow.packets')!, num(f, 'cflow.octets')!, `record ${i}`));
    assert.deepEqual(new Set(records.map((r) => r.samplingRate)), new Set([2000, 4000]));
  });

  it('samplingrate: the SAMPLING_INTERVAL field of each data record', () => {
    const files = ['samplingrate-template.pcap', 'samplingrate-data.pcap'];
    const { records } = replay(files);
    tsharkFlows(files).forEach((f, i) => assertScaled(records[i], num(f, 'cflow.sampling_interval')!, num(f, 'cflow.packets')!, num(f, 'cflow.octets')!, `record ${i}`));
    assert.ok(records.every((r) => r.samplingRate === 2048));
  });

  it('options-data: sampler 1 at 1:30000 applies to data records carrying FLOW_SAMPLER_ID 1', () => {
    const files = ['options-template.pcap', 'options-data.pcap', 'template.pcap', 'data.pcap'];
    const { records } = replay(files);
    tsharkFlows(files).forEach((f, i) => assertScaled(records[i], 30000, num(f, 'cflow.packets')!, num(f, 'cflow.octets')!, `record ${i}`));
  });

  it('data+templates: a System-scoped options record (scope length 0) sets the rate of the source id', () => {
    const { records } = replay(['data+templates.pcap']);
    assert.equal(records.length, 21);
    assert.ok(records.every((r) => r.samplingRate === 100 && r.packets === r.sampledPackets * 100));
  });

  it('IPFIX samplingPacketInterval/Space: rate (interval + space) / interval', () => {
    assert.ok(replay(['mpls.pcap']).records.every((r) => r.samplingRate === 10));
    assert.ok(replay(['physicalinterfaces.pcap']).records.every((r) => r.samplingRate === 1000));
  });

  it('unsampled exports keep rate 1 and equal raw and scaled counters', () => {
    for (const r of replay(['icmp-template.pcap', 'icmp-data.pcap']).records) assertScaled(r, 1, r.sampledPackets, r.sampledOctets, 'icmp');
  });

  it('IPFIX selectorId-scoped options; per-record samplerRandomInterval overrides; unknown selector falls back to the domain rate', () => {
    const d = newDecoders();
    const out: FlowRecord[] = [];
    const options = set(3, new ByteWriter().u16(600).u16(3).u16(1).u16(302).u16(8).u16(305).u16(4).u16(306).u16(4).toBytes());
    const domainOptions = set(3, new ByteWriter().u16(601).u16(2).u16(1).u16(149).u16(4).u16(34).u16(4).toBytes());
    const optionsData = set(600, new ByteWriter().u64(7n).u32(1).u32(63).u64(8n).u32(2).u32(2).toBytes());
    const domainData = set(601, new ByteWriter().u32(1).u32(512).toBytes());
    const t = set(2, new ByteWriter().u16(256).u16(5).u16(8).u16(4).u16(12).u16(4).u16(302).u16(4).u16(50).u16(4).u16(2).u16(4).toBytes());
    const rec = (selector: number, interval: number) => new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').u32(selector).u32(interval).u32(3).toBytes();
    const data = set(256, new Uint8Array([...rec(7, 0), ...rec(8, 0), ...rec(9, 0), ...rec(7, 100)]));
    d.ipfix.decode(datagram(ipfixMessage(1, 1_700_000_000, [options, optionsData, t, data])), out);
    assert.deepEqual(
      out.map((r) => r.samplingRate),
      [64, 2, 1, 100],
    );
    d.ipfix.decode(datagram(ipfixMessage(1, 1_700_000_000, [domainOptions, domainData, data])), out);
    assert.deepEqual(
      out.slice(4).map((r) => r.samplingRate),
      [64, 2, 512, 100],
    );
    assert.ok(out.every((r) => r.sampledPackets === 3 && r.packets === 3 * r.samplingRate));
    assert.equal(d.counters.get('192.0.2.1').malformed, 0);
  });

  it('NetFlow v9 rates are per source id', () => {
    const d = newDecoders();
    const out: FlowRecord[] = [];
    const options = set(1, new ByteWriter().u16(300).u16(4).u16(4).u16(1).u16(4).u16(34).u16(4).toBytes());
    const t = set(0, new ByteWriter().u16(301).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes());
    const data = set(301, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').toBytes());
    d.v9.decode(datagram(v9Packet(1, 1_700_000_000, 1000, [options, set(300, new ByteWriter().u32(0).u32(250).toBytes()), t, data])), out);
    d.v9.decode(datagram(v9Packet(2, 1_700_000_000, 1000, [t, data])), out);
    assert.deepEqual(
      out.map((r) => [r.observationDomain, r.samplingRate]),
      [
        [1, 250],
        [2, 1],
      ],
    );
  });
});
