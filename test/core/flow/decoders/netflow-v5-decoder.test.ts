import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { ByteWriter, datagram } from './export-builder.js';
import { capturePath, collectorPort, newDecoders, replay } from './netflow-captures.js';
import { assertRecordsMatch, expectedRecords } from './netflow-expected.js';
import { tsharkMessages } from './netflow-tshark.js';

/** A v5 header (24 bytes) then `records` 48-byte records; each record is [src, dst, first, last]. */
function v5(opts: { count?: number; sysUptime: number; secs: number; nsecs?: number; sampling?: number; records: [string, string, number, number][] }): Uint8Array {
  const w = new ByteWriter()
    .u16(5)
    .u16(opts.count ?? opts.records.length)
    .u32(opts.sysUptime)
    .u32(opts.secs)
    .u32(opts.nsecs ?? 0)
    .u32(7)
    .u8(0)
    .u8(0)
    .u16(opts.sampling ?? 0);
  for (const [src, dst, first, last] of opts.records) {
    w.ipv4(src).ipv4(dst).ipv4('0.0.0.0');
    w.u16(3).u16(4); // input, output
    w.u32(10).u32(1500); // dPkts, dOctets
    w.u32(first).u32(last);
    w.u16(443).u16(51000); // ports
    w.u8(0).u8(0x12).u8(6).u8(0); // pad, tcp_flags, prot, tos
    w.u16(64500).u16(64501).u8(24).u8(16).u16(0); // src_as, dst_as, masks, pad
  }
  return w.toBytes();
}

describe('NetflowV5Decoder', () => {
  it('decodes nfv5.pcap as tshark does', () => {
    const result = replay(['nfv5.pcap']);
    const messages = tsharkMessages([capturePath('nfv5.pcap')], collectorPort('nfv5.pcap'));
    assertRecordsMatch(result.records, expectedRecords(messages, 'netflow-v5'), 'nfv5.pcap');
    assert.equal(result.records.length, 29);
    assert.equal(result.counters.malformed, 0);
  });

  it('maps every field of a hand-built record', () => {
    const { v5: decoder } = newDecoders();
    const out: FlowRecord[] = [];
    const n = decoder.decode(datagram(v5({ sysUptime: 100_000, secs: 1_700_000_000, nsecs: 250_000_000, records: [['10.0.0.1', '10.0.0.2', 90_000, 99_000]] })), out);
    assert.equal(n, 1);
    assert.deepEqual(out[0], {
      start: 1_700_000_000_250 - 10_000,
      end: 1_700_000_000_250 - 1_000,
      exporter: '192.0.2.1',
      observationDomain: 0,
      source: 'netflow-v5',
      ipVersion: 4,
      src: '10.0.0.1',
      dst: '10.0.0.2',
      srcV4: 0x0a000001,
      dstV4: 0x0a000002,
      srcPort: 443,
      dstPort: 51000,
      proto: 6,
      tcpFlags: 0x12,
      packets: 10,
      octets: 1500,
      sampledPackets: 10,
      sampledOctets: 1500,
      samplingRate: 1,
      inIf: 3,
      outIf: 4,
      srcAs: 64500,
      dstAs: 64501,
    });
  });

  it('applies the header sampling interval (low 14 bits; mode in the top 2) and keeps raw counters', () => {
    const { v5: decoder } = newDecoders();
    const out: FlowRecord[] = [];
    decoder.decode(datagram(v5({ sysUptime: 5000, secs: 1_700_000_000, sampling: (1 << 14) | 100, records: [['10.0.0.1', '10.0.0.2', 4000, 4500]] })), out);
    assert.equal(out[0].samplingRate, 100);
    assert.equal(out[0].sampledPackets, 10);
    assert.equal(out[0].packets, 1000);
    assert.equal(out[0].octets, 150_000);
  });

  it('resolves first/last across a sysUptime wrap and slightly after the header', () => {
    const { v5: decoder } = newDecoders();
    const out: FlowRecord[] = [];
    // sysUptime wrapped 1 s ago; the flow started 1 s before the wrap and ended 5 ms after the header stamp.
    decoder.decode(datagram(v5({ sysUptime: 1000, secs: 1_700_000_000, records: [['10.0.0.1', '10.0.0.2', 0x100000000 - 1000, 1005]] })), out);
    assert.equal(out[0].start, 1_700_000_000_000 - 2000);
    assert.equal(out[0].end, 1_700_000_000_000 + 5);
  });

  it('counts a datagram shorter than its record count as malformed, keeping the complete records', () => {
    const d = newDecoders();
    const out: FlowRecord[] = [];
    const full = v5({ count: 3, sysUptime: 5000, secs: 1_700_000_000, records: [['10.0.0.1', '10.0.0.2', 1, 2], ['10.0.0.3', '10.0.0.4', 1, 2]] });
    assert.equal(d.v5.decode(datagram(full.subarray(0, full.length - 10)), out), 1);
    assert.equal(d.counters.get('192.0.2.1').malformed, 1);
    assert.equal(d.v5.decode(datagram(full), out), 2);
    assert.equal(d.counters.get('192.0.2.1').malformed, 2);
    assert.equal(d.v5.decode(datagram(full.subarray(0, 23)), out), 0);
    assert.equal(d.counters.get('192.0.2.1').malformed, 3);
    assert.equal(out.length, 3);
  });
});
