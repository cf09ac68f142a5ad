import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { SFLOW_INTERFACE_LOCAL } from '../../../../src/core/flow/decoders/sflow-decoder.js';
import { capturePath, decodeCapture, onlyRecord, sflowCaptureFiles } from './sflow-capture.js';
import { tsharkSflow, type TsharkSample } from './sflow-tshark.js';

/**
 * Cross-check against Wireshark's sFlow dissector: every flow sample of every Akvorado sFlow
 * capture must decode to what tshark reads from the same bytes.
 */

function compareWithTshark(r: FlowRecord, t: TsharkSample, where: string): void {
  const rate = t.samplingRate > 0 ? t.samplingRate : 1;
  assert.equal(r.samplingRate, rate, `${where} sampling rate`);
  // Interface format 0 is an ifIndex; discarded (1) and multiple (2) map to 0 (docs/reference/flow-fields-sflow.md).
  assert.equal(r.inIf, t.inFormat === 0 ? t.inValue : 0, `${where} inIf`);
  assert.equal(r.outIf, t.outFormat === 0 ? t.outValue : 0, `${where} outIf`);
  const octets = t.frameLength ?? t.sampledIp?.length ?? 0;
  assert.equal(r.sampledPackets, 1, `${where} sampledPackets`);
  assert.equal(r.sampledOctets, octets, `${where} sampledOctets (frame length)`);
  assert.equal(r.packets, rate, `${where} packets`);
  assert.equal(r.octets, octets * rate, `${where} octets`);
  const p = t.packet;
  if (p !== undefined) {
    assert.equal(r.ipVersion, p.ipVersion, `${where} ipVersion`);
    assert.equal(r.src, p.src, `${where} src`);
    assert.equal(r.dst, p.dst, `${where} dst`);
    if (p.proto !== undefined) assert.equal(r.proto, p.proto, `${where} proto`);
    if (p.icmpType !== undefined) {
      assert.equal(r.srcPort, 0, `${where} ICMP srcPort`);
      assert.equal(r.dstPort, p.icmpType * 256 + (p.icmpCode ?? 0), `${where} ICMP type/code`);
    } else if (p.srcPort !== undefined) {
      assert.equal(r.srcPort, p.srcPort, `${where} srcPort`);
      assert.equal(r.dstPort, p.dstPort, `${where} dstPort`);
    }
    if (p.tcpFlags !== undefined) assert.equal(r.tcpFlags, p.tcpFlags, `${where} tcpFlags`);
  } else if (t.sampledIp !== undefined) {
    const s = t.sampledIp;
    assert.equal(r.ipVersion, s.ipVersion, `${where} ipVersion`);
    assert.equal(r.src, s.src, `${where} src`);
    assert.equal(r.dst, s.dst, `${where} dst`);
    assert.equal(r.proto, s.proto, `${where} proto`);
    assert.equal(r.srcPort, s.srcPort, `${where} srcPort`);
    assert.equal(r.dstPort, s.dstPort, `${where} dstPort`);
  } else {
    assert.equal(r.src, '0.0.0.0', `${where} src of a non-IP sample`);
    assert.equal(r.proto, 0, `${where} proto of a non-IP sample`);
  }
  if (t.gateway !== undefined) {
    const g = t.gateway;
    assert.equal(r.srcAs, g.srcAs !== 0 ? g.srcAs : g.as, `${where} srcAs`);
    assert.equal(r.dstAs, g.dstPath.length > 0 ? g.dstPath[g.dstPath.length - 1] : g.as, `${where} dstAs`);
  } else {
    assert.equal(r.srcAs, 0, `${where} srcAs`);
    assert.equal(r.dstAs, 0, `${where} dstAs`);
  }
}

describe('SflowV5Decoder against tshark', () => {
  const files = sflowCaptureFiles();
  let compared = 0;

  it('finds the Akvorado sFlow captures', () => {
    assert.ok(files.length >= 11, `expected the 11 Akvorado sFlow captures, found ${files.length}`);
  });

  for (const file of files) {
    it(`${file}: every flow sample matches tshark`, async () => {
      const theirs = await tsharkSflow(capturePath(file));
      const ours = decodeCapture(file);
      assert.equal(ours.length, theirs.length, 'datagram count');
      for (let i = 0; i < ours.length; i++) {
        const o = ours[i];
        const t = theirs[i];
        // Bytes beyond the declared samples (tshark: trailing data) make the datagram count as malformed.
        const trailing = o.datagram.payload.length > t.declaredLength;
        assert.equal(o.malformed, trailing ? 1 : 0, `datagram ${i} malformed count (trailing data: ${trailing})`);
        assert.equal(o.returned, o.records.length, 'decode() returns the number of records appended');
        assert.equal(o.records.length, t.samples.length, `datagram ${i}: one record per flow sample`);
        for (let j = 0; j < o.records.length; j++) {
          const r = o.records[j];
          const where = `${file} datagram ${i} sample ${j}`;
          assert.equal(r.source, 'sflow-v5');
          assert.equal(r.exporter, o.datagram.exporter, `${where} exporter is the UDP source`);
          assert.equal(r.observationDomain, t.subAgentId, `${where} sub-agent id`);
          assert.equal(r.start, o.datagram.receivedAt, `${where} start`);
          assert.equal(r.end, o.datagram.receivedAt, `${where} end`);
          compareWithTshark(r, t.samples[j], where);
          compared++;
        }
      }
    });
  }

  it('compared every flow sample of the captures', () => {
    assert.ok(compared >= 16, `only ${compared} samples compared`);
  });
});

/**
 * Per-capture expectations. Values were read from tshark's verbose dissection
 * (`tshark -r FILE -d udp.port==6343,sflow -V`) and the sFlow v5 specification.
 */
describe('SflowV5Decoder specific captures', () => {
  it('QinQ: two 802.1Q tags are walked to the IPv4/TCP header (expanded sample)', () => {
    const r = onlyRecord('data-qinq.pcap');
    assert.equal(r.ipVersion, 4);
    assert.equal(r.src, '49.49.49.2');
    assert.equal(r.dst, '49.49.49.109');
    assert.equal(r.proto, 6);
    assert.equal(r.srcPort, 32017);
    assert.equal(r.dstPort, 443);
    assert.equal(r.tcpFlags, 0x10);
    assert.equal(r.inIf, 369098852);
    assert.equal(r.outIf, 369098851);
    assert.equal(r.samplingRate, 4096);
    assert.equal(r.sampledOctets, 106);
    assert.equal(r.octets, 106 * 4096);
    assert.equal(r.observationDomain, 100);
  });

  it('VXLAN: the outer tunnel packet is reported; local interfaces kept as 0x3fffffff', () => {
    const r = onlyRecord('data-encap-vxlan.pcap');
    assert.equal(r.ipVersion, 4);
    assert.equal(r.src, '192.168.108.40');
    assert.equal(r.dst, '192.168.15.14');
    assert.equal(r.proto, 17);
    assert.equal(r.srcPort, 45833);
    assert.equal(r.dstPort, 4789);
    assert.equal(r.sampledOctets, 172);
    assert.equal(r.inIf, SFLOW_INTERFACE_LOCAL);
    assert.equal(r.outIf, SFLOW_INTERFACE_LOCAL);
    assert.equal(r.observationDomain, 1402);
  });

  it('ICMPv4: type 8 code 0 as destination port 8 × 256', () => {
    const r = onlyRecord('data-icmpv4.pcap');
    assert.equal(r.src, '203.0.113.4');
    assert.equal(r.dst, '203.0.113.5');
    assert.equal(r.proto, 1);
    assert.equal(r.srcPort, 0);
    assert.equal(r.dstPort, 8 * 256 + 0);
    assert.equal(r.sampledOctets, 102);
  });

  it('ICMPv6: neighbor solicitation (135) with a link-local source', () => {
    const r = onlyRecord('data-icmpv6.pcap');
    assert.equal(r.ipVersion, 6);
    assert.equal(r.src, 'fe80::d05b:45ff:feee:5ecf');
    assert.equal(r.dst, '2001:db8::');
    assert.equal(r.proto, 58);
    assert.equal(r.srcPort, 0);
    assert.equal(r.dstPort, 135 * 256);
    assert.equal(r.sampledOctets, 90);
  });

  it('expanded flow sample: separate interface format/value words, 802.1Q, extended gateway AS path', () => {
    const r = onlyRecord('data-sflow-expanded-sample.pcap');
    assert.equal(r.src, '52.52.52.52');
    assert.equal(r.dst, '53.53.53.53');
    assert.equal(r.proto, 6);
    assert.equal(r.srcPort, 22);
    assert.equal(r.dstPort, 52237);
    assert.equal(r.tcpFlags, 0x18);
    assert.equal(r.inIf, 29001);
    assert.equal(r.outIf, 1285816721);
    assert.equal(r.samplingRate, 1000);
    assert.equal(r.sampledOctets, 126);
    assert.equal(r.packets, 1000);
    assert.equal(r.octets, 126_000);
    assert.equal(r.srcAs, 203476);
    // AS_SEQUENCE 8218 29605 203361: the destination AS is the last one.
    assert.equal(r.dstAs, 203361);
  });

  it('expanded sample with both a raw header and a sampled IPv4 record: the frame length wins', () => {
    const r = onlyRecord('data-sflow-ipv4-data.pcap');
    assert.equal(r.src, '50.50.50.50');
    assert.equal(r.dst, '51.51.51.51');
    assert.equal(r.proto, 17);
    assert.equal(r.srcPort, 46622);
    assert.equal(r.dstPort, 58631);
    assert.equal(r.sampledOctets, 1390);
    assert.equal(r.samplingRate, 256);
    assert.equal(r.inIf, 0);
    assert.equal(r.outIf, 182);
    assert.equal(r.observationDomain, 1);
  });

  it('discard interface: output format 1 (packet discarded) maps outIf to 0', () => {
    const r = onlyRecord('data-discard-interface.pcap');
    assert.equal(r.inIf, 27);
    assert.equal(r.outIf, 0);
    assert.equal(r.src, '2a0c:8880:2:0:185:21:130:38');
    assert.equal(r.dst, '2a0c:8880:2:0:185:21:130:39');
    assert.equal(r.sampledOctets, 1518);
  });

  it('trailing bytes after the declared samples: the samples are kept, the datagram counted malformed', () => {
    // The capture declares 1 sample of 208 bytes in a 1208-byte datagram: the rest is undeclared.
    const [d] = decodeCapture('data-discard-interface.pcap');
    assert.equal(d.datagram.payload.length, 1208);
    assert.equal(d.records.length, 1);
    assert.equal(d.malformed, 1);
    const [full] = decodeCapture('data-1140.pcap');
    assert.equal(full.malformed, 0);
  });

  it('multiple interfaces: output format 2 (7 interfaces) maps outIf to 0', () => {
    const r = onlyRecord('data-multiple-interfaces.pcap');
    assert.equal(r.inIf, 27);
    assert.equal(r.outIf, 0);
  });

  it('local interface: output 0x3fffffff (the device itself) is kept', () => {
    const r = onlyRecord('data-local-interface.pcap');
    assert.equal(r.inIf, 27);
    assert.equal(r.outIf, 0x3fffffff);
  });

  it('raw IPv4 header (header_protocol 11): two samples of ICMP echo replies', () => {
    const [d] = decodeCapture('data-sflow-raw-ipv4.pcap');
    assert.equal(d.malformed, 0);
    assert.equal(d.records.length, 2);
    const [a, b] = d.records;
    assert.equal(a.src, '69.58.92.107');
    assert.equal(a.dst, '92.222.186.1');
    assert.equal(b.src, '69.58.92.107');
    assert.equal(b.dst, '92.222.184.1');
    for (const r of d.records) {
      assert.equal(r.proto, 1);
      assert.equal(r.dstPort, 0);
      assert.equal(r.sampledOctets, 50);
      assert.equal(r.samplingRate, 1);
      assert.equal(r.octets, 50);
      assert.equal(r.inIf, 0);
      assert.equal(r.outIf, 2);
      assert.equal(r.observationDomain, 100000);
    }
  });

  it('data-1140: five compact flow samples; an empty destination AS path means the router AS', () => {
    const [d] = decodeCapture('data-1140.pcap');
    assert.equal(d.records.length, 5);
    const r = d.records[1];
    assert.equal(r.src, '104.26.8.24');
    assert.equal(r.dst, '45.90.161.46');
    assert.equal(r.srcPort, 443);
    assert.equal(r.dstPort, 56876);
    assert.equal(r.inIf, 49001);
    assert.equal(r.outIf, 25);
    assert.equal(r.sampledOctets, 439);
    assert.equal(r.srcAs, 13335);
    assert.equal(r.dstAs, 39421);
  });

  it('exporter is the UDP source, not the agent address', () => {
    const [d] = decodeCapture('data-1140.pcap');
    // Agent address 172.16.0.3; the datagram came from 192.0.2.100.
    assert.equal(d.datagram.exporter, '192.0.2.100');
    for (const r of d.records) assert.equal(r.exporter, '192.0.2.100');
  });
});
