import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { ByteWriter, datagram, ipfixMessage, set } from './export-builder.js';
import { newDecoders } from './netflow-captures.js';

/** Hand-built IPFIX messages exercising RFC 7011 encodings the captures do not cover. */

const EXPORT_SECONDS = 1_700_000_000;
const VARIABLE = 65535;

/** Template record: id, then [elementId, length, enterprise?] field specifiers (RFC 7011 §3.4.1). */
function template(id: number, fields: [number, number, number?][]): Uint8Array {
  const w = new ByteWriter().u16(id).u16(fields.length);
  for (const [element, length, pen] of fields) {
    if (pen === undefined) w.u16(element).u16(length);
    else w.u16(element | 0x8000).u16(length).u32(pen);
  }
  return w.toBytes();
}

function decodeAll(messages: Uint8Array[], decoders = newDecoders()): { records: FlowRecord[]; decoders: ReturnType<typeof newDecoders> } {
  const records: FlowRecord[] = [];
  for (const m of messages) decoders.ipfix.decode(datagram(m), records);
  return { records, decoders };
}

function counters(d: ReturnType<typeof newDecoders>) {
  return d.counters.get('192.0.2.1');
}

describe('IPFIX encodings', () => {
  it('variable-length fields: 1-byte length, and 255 then a 2-byte length (RFC 7011 §7)', () => {
    const t = template(300, [
      [8, 4],
      [82, VARIABLE], // interfaceName
      [12, 4],
      [83, VARIABLE], // interfaceDescription
      [7, 2],
      [11, 2],
      [1, 4],
    ]);
    const data = new ByteWriter()
      // record 1: short variable fields
      .ipv4('10.0.0.1')
      .u8(3)
      .bytes([0x65, 0x74, 0x30])
      .ipv4('10.0.0.2')
      .u8(0)
      .u16(1234)
      .u16(80)
      .u32(100)
      // record 2: a 300-byte field in the long form, then an empty one written in the long form too
      .ipv4('10.0.0.3')
      .u8(255)
      .u16(300)
      .bytes(new Uint8Array(300).fill(0x41))
      .ipv4('10.0.0.4')
      .u8(255)
      .u16(0)
      .u16(4321)
      .u16(443)
      .u32(200)
      .toBytes();
    const { records, decoders } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t), set(300, data)])]);
    assert.equal(counters(decoders).malformed, 0);
    assert.deepEqual(
      records.map((r) => [r.src, r.dst, r.srcPort, r.dstPort, r.octets]),
      [
        ['10.0.0.1', '10.0.0.2', 1234, 80, 100],
        ['10.0.0.3', '10.0.0.4', 4321, 443, 200],
      ],
    );
  });

  it('a variable-length field claiming more bytes than remain is malformed; earlier records are kept', () => {
    const t = template(300, [
      [8, 4],
      [82, VARIABLE],
    ]);
    const data = new ByteWriter().ipv4('10.0.0.1').u8(2).bytes([1, 2]).ipv4('10.0.0.2').u8(255).u16(60000).bytes([1, 2, 3]).toBytes();
    const { records, decoders } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t), set(300, data)])]);
    assert.deepEqual(
      records.map((r) => r.src),
      ['10.0.0.1'],
    );
    assert.equal(counters(decoders).malformed, 1);
  });

  it('enterprise-specific elements are skipped by length, even when their number matches an IANA element', () => {
    const t = template(301, [
      [8, 4, 9], // Cisco PEN, element 8: not sourceIPv4Address
      [8, 4],
      [12, 4],
      [100, VARIABLE, 2636],
      [1, 4, 9],
      [1, 4],
      [2, 4],
    ]);
    const data = new ByteWriter().ipv4('9.9.9.9').ipv4('10.1.1.1').ipv4('10.1.1.2').u8(5).bytes([1, 2, 3, 4, 5]).u32(999_999).u32(1500).u32(3).toBytes();
    const { records } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t), set(301, data)])]);
    assert.equal(records.length, 1);
    assert.equal(records[0].src, '10.1.1.1');
    assert.equal(records[0].dst, '10.1.1.2');
    assert.equal(records[0].octets, 1500);
    assert.equal(records[0].packets, 3);
  });

  it('reduced-size encoding of unsigned integers (RFC 7011 §6.2); addresses must keep their size', () => {
    const t = template(302, [
      [8, 4],
      [12, 4],
      [1, 8], // octetDeltaCount, full size
      [2, 3], // packetDeltaCount in 3 bytes
      [10, 2], // ingressInterface in 2 bytes
      [14, 1], // egressInterface in 1 byte
      [16, 2], // bgpSourceAsNumber in 2 bytes
      [17, 4],
      [6, 2], // tcpControlBits in 2 bytes (RFC 7012 revision): low 8 bits kept
      [27, 4], // sourceIPv6Address in 4 bytes: not an address, skipped
    ]);
    const data = new ByteWriter()
      .ipv4('172.16.0.1')
      .ipv4('172.16.0.2')
      .u64(0x1_0000_0001n)
      .bytes([0x01, 0x00, 0x02])
      .u16(513)
      .u8(7)
      .u16(65000)
      .u32(4_200_000_000)
      .u16(0x0112)
      .ipv4('1.2.3.4')
      .toBytes();
    const { records } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t), set(302, data)])]);
    assert.equal(records.length, 1);
    const r = records[0];
    assert.equal(r.ipVersion, 4);
    assert.equal(r.octets, 0x1_0000_0001);
    assert.equal(r.packets, 0x010002);
    assert.equal(r.inIf, 513);
    assert.equal(r.outIf, 7);
    assert.equal(r.srcAs, 65000);
    assert.equal(r.dstAs, 4_200_000_000);
    assert.equal(r.tcpFlags, 0x12);
  });

  it('padding shorter than a record at the end of a data set is ignored (RFC 7011 §3.3.1)', () => {
    const t = template(303, [
      [8, 4],
      [12, 4],
    ]);
    const data = new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').ipv4('10.0.0.3').ipv4('10.0.0.4').toBytes();
    const { records, decoders } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t, 2), set(303, data, 7)])]);
    assert.equal(records.length, 2);
    assert.equal(counters(decoders).malformed, 0);
  });

  it('template withdrawal (RFC 7011 §8.1): one template, all templates, all options templates', () => {
    const t1 = template(310, [[8, 4]]);
    const t2 = template(311, [[12, 4]]);
    const options = new ByteWriter().u16(312).u16(2).u16(1).u16(302).u16(4).u16(34).u16(4).toBytes();
    const d1 = set(310, new ByteWriter().ipv4('10.0.0.1').toBytes());
    const d2 = set(311, new ByteWriter().ipv4('10.0.0.2').toBytes());
    const d = newDecoders();
    const out: FlowRecord[] = [];
    const send = (...sets: Uint8Array[]) => d.ipfix.decode(datagram(ipfixMessage(1, EXPORT_SECONDS, sets)), out);

    assert.equal(send(set(2, t1), set(2, t2), set(3, options), d1, d2), 2);
    assert.equal(counters(d).templates, 2);
    assert.equal(counters(d).optionTemplates, 1);

    assert.equal(send(set(2, new ByteWriter().u16(310).u16(0).toBytes()), d1, d2), 1);
    assert.equal(counters(d).templateWithdrawals, 1);
    assert.equal(counters(d).unknownTemplateSets, 1);

    assert.equal(send(set(2, new ByteWriter().u16(2).u16(0).toBytes()), d2), 0);
    assert.equal(counters(d).templateWithdrawals, 2);
    assert.equal(counters(d).unknownTemplateSets, 2);

    // The options template survived "withdraw all templates"; its own withdrawal is id 3 in set 3.
    const optionsData = set(312, new ByteWriter().u32(1).u32(10).toBytes());
    send(optionsData);
    assert.equal(counters(d).unknownTemplateSets, 2);
    send(set(3, new ByteWriter().u16(3).u16(0).toBytes()), optionsData);
    assert.equal(counters(d).templateWithdrawals, 3);
    assert.equal(counters(d).unknownTemplateSets, 3);
    assert.equal(counters(d).malformed, 0);
  });

  it('withdrawal is scoped to its observation domain', () => {
    const t = template(320, [[8, 4]]);
    const data = set(320, new ByteWriter().ipv4('10.0.0.9').toBytes());
    const d = newDecoders();
    const out: FlowRecord[] = [];
    d.ipfix.decode(datagram(ipfixMessage(1, EXPORT_SECONDS, [set(2, t)])), out);
    d.ipfix.decode(datagram(ipfixMessage(2, EXPORT_SECONDS, [set(2, t)])), out);
    d.ipfix.decode(datagram(ipfixMessage(1, EXPORT_SECONDS, [set(2, new ByteWriter().u16(2).u16(0).toBytes())])), out);
    assert.equal(d.ipfix.decode(datagram(ipfixMessage(2, EXPORT_SECONDS, [data])), out), 1);
    assert.equal(out[0].observationDomain, 2);
    assert.equal(d.ipfix.decode(datagram(ipfixMessage(1, EXPORT_SECONDS, [data])), out), 0);
  });

  it('templates are scoped per exporter, observation domain and template id; a redefinition replaces the plan', () => {
    const d = newDecoders();
    const out: FlowRecord[] = [];
    const ab = set(330, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').toBytes());
    d.ipfix.decode(datagram(ipfixMessage(7, EXPORT_SECONDS, [set(2, template(330, [[8, 4], [12, 4]]))])), out);
    d.ipfix.decode(datagram(ipfixMessage(8, EXPORT_SECONDS, [set(2, template(330, [[12, 4], [8, 4]]))])), out);
    d.ipfix.decode(datagram(ipfixMessage(7, EXPORT_SECONDS, [ab])), out);
    d.ipfix.decode(datagram(ipfixMessage(8, EXPORT_SECONDS, [ab])), out);
    assert.equal(d.ipfix.decode(datagram(ipfixMessage(7, EXPORT_SECONDS, [ab]), 1_700_000_000_000, '192.0.2.99'), out), 0);
    assert.deepEqual(
      out.map((r) => [r.observationDomain, r.src, r.dst]),
      [
        [7, '10.0.0.1', '10.0.0.2'],
        [8, '10.0.0.2', '10.0.0.1'],
      ],
    );
    d.ipfix.decode(datagram(ipfixMessage(7, EXPORT_SECONDS, [set(2, template(330, [[12, 4], [8, 4]])), ab])), out);
    assert.deepEqual([out[2].src, out[2].dst], ['10.0.0.2', '10.0.0.1']);
    assert.equal(counters(d).templates, 3);
  });

  it('ICMP type/code go to dstPort: icmpTypeCodeIPv4, icmpTypeIPv6 + icmpCodeIPv6; other protocols keep their port', () => {
    const t4 = template(340, [[8, 4], [12, 4], [4, 1], [11, 2], [32, 2]]);
    const t6 = template(341, [[27, 16], [28, 16], [4, 1], [178, 1], [179, 1]]);
    const d4 = new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').u8(1).u16(0).u16(0x0303).ipv4('10.0.0.1').ipv4('10.0.0.2').u8(17).u16(53).u16(0x0303).toBytes();
    const d6 = new ByteWriter().ipv6('2001:db8::1').ipv6('2001:db8::2').u8(58).u8(128).u8(0).toBytes();
    const { records } = decodeAll([ipfixMessage(1, EXPORT_SECONDS, [set(2, t4), set(2, t6), set(340, d4), set(341, d6)])]);
    assert.deepEqual(
      records.map((r) => [r.proto, r.dstPort, r.ipVersion, r.src]),
      [
        [1, 0x0303, 4, '10.0.0.1'],
        [17, 53, 4, '10.0.0.1'],
        [58, 128 * 256, 6, '2001:db8::1'],
      ],
    );
  });
  it('records without addresses: a non-IP sampled frame and counters-only templates keep neutral addresses; others yield nothing', () => {
    const frame = template(350, [
      [10, 4],
      [312, 2],
      [315, VARIABLE],
    ]);
    // An ARP request frame: Ethernet type 0806, no IP header.
    const arp = [...new Array(12).fill(0xff), 0x08, 0x06, ...new Array(28).fill(0)];
    const frameData = new ByteWriter().u32(5).u16(60).u8(arp.length).bytes(arp).toBytes();
    const volume = template(351, [
      [10, 4],
      [1, 4],
      [2, 4],
    ]);
    const events = template(352, [
      [283, 4], // natPoolId
      [230, 1], // natEvent
    ]);
    const { records, decoders } = decodeAll([
      ipfixMessage(1, EXPORT_SECONDS, [set(2, frame), set(2, volume), set(2, events), set(350, frameData), set(351, new ByteWriter().u32(6).u32(900).u32(9).toBytes()), set(352, new ByteWriter().u32(1).u8(3).toBytes())]),
    ]);
    assert.deepEqual(
      records.map((r) => [r.inIf, r.ipVersion, r.src, r.dst, r.proto, r.packets, r.octets]),
      [
        [5, 4, '0.0.0.0', '0.0.0.0', 0, 1, 60],
        [6, 4, '0.0.0.0', '0.0.0.0', 0, 9, 900],
      ],
    );
    assert.equal(counters(decoders).malformed, 0);
  });
});
