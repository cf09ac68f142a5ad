import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { NETFLOW_CAPTURES } from '../../../helpers/paths.js';
import { ByteWriter, datagram, ipfixMessage, set, v9Packet } from './export-builder.js';
import { captureDatagrams, newDecoders, type Decoders } from './netflow-captures.js';

/** Malformed and hostile input: counted once per datagram, never thrown, never looping. */

const T256 = set(2, new ByteWriter().u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes());
const D256 = set(256, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').toBytes());
const V9_T256 = set(0, new ByteWriter().u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes());

function run(d: Decoders, payload: Uint8Array): { n: number; malformed: number } {
  const c = d.counters.get('192.0.2.1');
  const before = c.malformed;
  const out: FlowRecord[] = [];
  const n = d.pick(payload).decode(datagram(payload), out);
  assert.equal(n, out.length);
  return { n, malformed: c.malformed - before };
}

/** Patches the 16-bit value at `offset` of a copy of `b`. */
function patch16(b: Uint8Array, offset: number, value: number): Uint8Array {
  const c = b.slice();
  c[offset] = value >>> 8;
  c[offset + 1] = value & 0xff;
  return c;
}

describe('malformed IPFIX', () => {
  const cases: [string, Uint8Array, number][] = [
    ['shorter than the header', ipfixMessage(1, 0, []).subarray(0, 12), 0],
    ['message length below the header size', patch16(ipfixMessage(1, 0, [T256, D256]), 2, 8), 0],
    ['set length below 4', ipfixMessage(1, 0, [T256, D256, new ByteWriter().u16(256).u16(2).toBytes()]), 1],
    ['set length past the message', patch16(ipfixMessage(1, 0, [T256, D256]), 16 + T256.length + 2, 400), 0],
    ['template field count past the set', ipfixMessage(1, 0, [set(2, new ByteWriter().u16(256).u16(65535).u16(8).u16(4).toBytes())]), 0],
    ['zero-length template field', ipfixMessage(1, 0, [set(2, new ByteWriter().u16(256).u16(1).u16(8).u16(0).toBytes())]), 0],
    ['enterprise number cut by the set end', ipfixMessage(1, 0, [set(2, new ByteWriter().u16(256).u16(1).u16(0x8001).u16(4).u16(0).toBytes())]), 0],
    ['template id below 256', ipfixMessage(1, 0, [set(2, new ByteWriter().u16(255).u16(1).u16(8).u16(4).toBytes())]), 0],
    ['options template with scope count 0', ipfixMessage(1, 0, [set(3, new ByteWriter().u16(300).u16(1).u16(0).u16(34).u16(4).toBytes())]), 0],
    ['options template with scope count above field count', ipfixMessage(1, 0, [set(3, new ByteWriter().u16(300).u16(1).u16(2).u16(34).u16(4).toBytes())]), 0],
    ['withdrawal of a template id below 256', ipfixMessage(1, 0, [set(2, new ByteWriter().u16(17).u16(0).toBytes())]), 0],
  ];
  for (const [name, payload, records] of cases) {
    it(`${name}: malformed once, records before the fault kept`, () => {
      const d = newDecoders();
      run(d, ipfixMessage(1, 0, [T256]));
      assert.deepEqual(run(d, payload), { n: records, malformed: 1 });
    });
  }

  it('a message truncated in transit keeps the complete sets before the cut', () => {
    const d = newDecoders();
    const full = ipfixMessage(1, 0, [T256, D256, D256]);
    assert.deepEqual(run(d, full.subarray(0, full.length - 3)), { n: 1, malformed: 1 });
    assert.deepEqual(run(d, full), { n: 2, malformed: 0 });
  });

  it('a template with as many fields as fit in a message (16 370) is compiled and used without harm', () => {
    const w = new ByteWriter().u16(256).u16(16370);
    w.u16(8).u16(4);
    for (let i = 1; i < 16370; i++) w.u16(210).u16(1);
    const d = newDecoders();
    assert.deepEqual(run(d, ipfixMessage(1, 0, [set(2, w.toBytes())])), { n: 0, malformed: 0 });
    const record = 4 + 16369;
    assert.deepEqual(run(d, ipfixMessage(1, 0, [set(256, new Uint8Array(record * 3))])), { n: 3, malformed: 0 });
  });

  it('many variable-length fields claiming 65535 bytes each end the set as malformed', () => {
    const w = new ByteWriter().u16(256).u16(1001).u16(8).u16(4);
    for (let i = 0; i < 1000; i++) w.u16(82).u16(65535);
    // Long enough to hold the smallest record (4 + 1000 length bytes), so it is not set padding.
    const data = new ByteWriter().ipv4('10.0.0.1');
    for (let i = 0; i < 400; i++) data.u8(255).u16(65535);
    const d = newDecoders();
    run(d, ipfixMessage(1, 0, [set(2, w.toBytes())]));
    assert.deepEqual(run(d, ipfixMessage(1, 0, [set(256, data.toBytes())])), { n: 0, malformed: 1 });
  });

  it('several faults in one datagram count once', () => {
    const d = newDecoders();
    const bad = new ByteWriter().u16(256).u16(2).toBytes();
    assert.deepEqual(run(d, ipfixMessage(1, 0, [bad, bad, bad])), { n: 0, malformed: 1 });
  });
});

describe('malformed NetFlow v9', () => {
  const cases: [string, Uint8Array, number][] = [
    ['shorter than the header', v9Packet(1, 0, 0, []).subarray(0, 19), 0],
    ['FlowSet length below 4', v9Packet(1, 0, 0, [V9_T256, set(256, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').toBytes()), new ByteWriter().u16(256).u16(0).toBytes()]), 1],
    ['FlowSet length past the datagram', patch16(v9Packet(1, 0, 0, [V9_T256]), 22, 1000), 0],
    ['template field count past the FlowSet', v9Packet(1, 0, 0, [set(0, new ByteWriter().u16(256).u16(1000).u16(8).u16(4).toBytes())]), 0],
    ['zero-length template field', v9Packet(1, 0, 0, [set(0, new ByteWriter().u16(256).u16(1).u16(8).u16(0).toBytes())]), 0],
    ['template with field count 0', v9Packet(1, 0, 0, [set(0, new ByteWriter().u16(256).u16(0).toBytes())]), 0],
    ['options scope length not a multiple of 4', v9Packet(1, 0, 0, [set(1, new ByteWriter().u16(300).u16(3).u16(4).u16(1).u16(4).u16(34).u16(4).toBytes())]), 0],
    ['options lengths past the FlowSet', v9Packet(1, 0, 0, [set(1, new ByteWriter().u16(300).u16(4).u16(400).u16(1).u16(4).toBytes())]), 0],
  ];
  for (const [name, payload, records] of cases) {
    it(`${name}: malformed once, records before the fault kept`, () => {
      assert.deepEqual(run(newDecoders(), payload), { n: records, malformed: 1 });
    });
  }

  it('truncation at a FlowSet boundary shows in the header count (RFC 3954 §5.1); a count below the records is tolerated', () => {
    const data = set(256, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').ipv4('10.0.0.3').ipv4('10.0.0.4').toBytes());
    const packet = v9Packet(1, 0, 0, [V9_T256, data]);
    // v9Packet writes the FlowSet count; RFC 3954 counts records: 1 template + 2 data records.
    const withCount = (count: number) => patch16(packet, 2, count);
    const d = newDecoders();
    assert.deepEqual(run(d, withCount(3)), { n: 2, malformed: 0 });
    assert.deepEqual(run(d, withCount(1)), { n: 2, malformed: 0 });
    assert.deepEqual(run(d, withCount(3).subarray(0, 20 + V9_T256.length)), { n: 0, malformed: 1 });
    assert.deepEqual(run(d, withCount(3).subarray(0, 20)), { n: 0, malformed: 1 });
    assert.deepEqual(run(d, withCount(3).subarray(0, 22)), { n: 0, malformed: 1 });
  });
});

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('hostile mutations of the captures', () => {
  it('every truncation and thousands of corrupted copies decode without throwing or hanging', { timeout: 60_000 }, () => {
    const random = prng(20240611);
    const files = readdirSync(NETFLOW_CAPTURES).filter((f) => f.endsWith('.pcap')).sort();
    let decoded = 0;
    for (const file of files) {
      const datagrams = captureDatagrams(file);
      const d = newDecoders({ maxHeldSetsPerExporter: 4 });
      const feed = (g: ExportDatagram) => {
        const out: FlowRecord[] = [];
        const n = d.pick(g.payload).decode(g, out);
        assert.equal(n, out.length);
        decoded++;
      };
      for (const g of datagrams) {
        feed(g);
        for (let len = 4; len < g.payload.length; len++) feed({ ...g, payload: g.payload.subarray(0, len) });
        for (let k = 0; k < 300; k++) {
          const p = g.payload.slice();
          const flips = 1 + Math.floor(random() * 4);
          // Keep the version word: the dispatcher only hands a decoder its own version.
          for (let j = 0; j < flips; j++) p[2 + Math.floor(random() * (p.length - 2))] = Math.floor(random() * 256);
          feed({ ...g, payload: p });
        }
      }
      d.v9.expire(Number.MAX_SAFE_INTEGER);
      d.ipfix.expire(Number.MAX_SAFE_INTEGER);
    }
    assert.ok(decoded > 10_000);
  });
});
