import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HEADER_PROTOCOL_ETHERNET,
  HEADER_PROTOCOL_IPV4,
  HEADER_PROTOCOL_IPV6,
  newPacketHeaderFields,
  parsePacketHeader,
  type PacketHeaderFields,
} from '../../../../src/core/flow/decoders/packet-header.js';
import { capturePath } from './sflow-capture.js';
import { packetFromLayers, tsharkFrames, tsharkSflow, writeEthernetPcap, type TsharkPacket } from './sflow-tshark.js';

/**
 * The sampled-header parser on frames built here and written to a pcap, each cross-checked
 * against tshark's dissection of the same bytes.
 */

const MAC = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];

function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function eth(type: number, tags: [number, number][] = []): number[] {
  const out = [...MAC];
  for (const [tpid, vid] of tags) out.push(...u16(tpid), ...u16(vid));
  out.push(...u16(type));
  return out;
}

function mpls(labels: number[]): number[] {
  return labels.flatMap((label, i) => {
    const bottom = i === labels.length - 1 ? 1 : 0;
    return [(label >> 12) & 0xff, (label >> 4) & 0xff, ((label & 0x0f) << 4) | bottom, 64];
  });
}

function ipv4(proto: number, body: number[], opts: { options?: number[]; fragmentOffset?: number; more?: boolean; src?: number[]; dst?: number[] } = {}): number[] {
  const options = opts.options ?? [];
  const ihl = 5 + options.length / 4;
  const total = ihl * 4 + body.length;
  const frag = ((opts.more ? 0x2000 : 0) | (opts.fragmentOffset ?? 0)) & 0xffff;
  return [0x40 | ihl, 0, ...u16(total), 0x12, 0x34, ...u16(frag), 64, proto, 0, 0, ...(opts.src ?? [198, 51, 100, 7]), ...(opts.dst ?? [203, 0, 113, 200]), ...options, ...body];
}

const SRC6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
const DST6 = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0x02];

function ipv6(next: number, body: number[]): number[] {
  return [0x60, 0, 0, 0, ...u16(body.length), next, 64, ...SRC6, ...DST6, ...body];
}

function tcp(src: number, dst: number, flags: number): number[] {
  return [...u16(src), ...u16(dst), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0];
}

function udp(src: number, dst: number, payload: number[] = [1, 2, 3, 4]): number[] {
  return [...u16(src), ...u16(dst), ...u16(8 + payload.length), 0, 0, ...payload];
}

/** An 8-octet IPv6 extension header with a PadN option (RFC 8200 §4.2). */
function ext8(next: number): number[] {
  return [next, 0, 1, 4, 0, 0, 0, 0];
}

interface Case {
  name: string;
  frame: number[];
  /** Byte offset of the IP header, when the case is also run with header_protocol 11/12. */
  ipAt?: number;
}

const CASES: Case[] = [
  { name: 'IPv4 with options over a two-label MPLS stack, TCP SYN+ECE+CWR', frame: [...eth(0x8847), ...mpls([100, 200]), ...ipv4(6, tcp(51000, 443, 0xc2), { options: [1, 1, 1, 0] })] },
  { name: 'IPv6 behind 802.1ad + 802.1Q, hop-by-hop and destination options, UDP', frame: [...eth(0x86dd, [[0x88a8, 10], [0x8100, 20]]), ...ipv6(0, [...ext8(60), ...ext8(17), ...udp(5353, 53)])] },
  { name: 'IPv6 first fragment carrying TCP', frame: [...eth(0x86dd), ...ipv6(44, [6, 0, 0, 1, 0, 0, 0, 7, ...tcp(22, 60000, 0x18)])], ipAt: 14 },
  { name: 'IPv6 routing header then TCP', frame: [...eth(0x86dd), ...ipv6(43, [6, 0, 0, 0, 0, 0, 0, 0, ...tcp(1234, 80, 0x02)])], ipAt: 14 },
  { name: 'IPv4 non-first fragment: no transport ports', frame: [...eth(0x0800), ...ipv4(17, [9, 9, 9, 9, 9, 9, 9, 9], { fragmentOffset: 185 })], ipAt: 14 },
  { name: 'IPv4 UDP, header cut inside the UDP header', frame: [...eth(0x0800), ...ipv4(17, udp(40000, 161)).slice(0, 26)], ipAt: 14 },
  { name: 'IPv4 TCP cut before the flags octet', frame: [...eth(0x0800), ...ipv4(6, tcp(40001, 25, 0x02)).slice(0, 26)], ipAt: 14 },
  { name: 'IPv4 SCTP', frame: [...eth(0x0800), ...ipv4(132, [...u16(2905), ...u16(2906), 0, 0, 0, 0, 0, 0, 0, 0])], ipAt: 14 },
  { name: 'IPv4 ICMP destination unreachable (3/3)', frame: [...eth(0x0800), ...ipv4(1, [3, 3, 0, 0, 0, 0, 0, 0])], ipAt: 14 },
  { name: 'IPv6 ICMPv6 echo request', frame: [...eth(0x86dd), ...ipv6(58, [128, 0, 0, 0, 0, 1, 0, 1])], ipAt: 14 },
  { name: 'IPv4 in 802.1Q, UDP', frame: [...eth(0x0800, [[0x8100, 42]]), ...ipv4(17, udp(123, 123))] },
];

function check(ours: PacketHeaderFields, t: TsharkPacket, name: string): void {
  assert.equal(ours.ipVersion, t.ipVersion, `${name}: ip version`);
  assert.equal(ours.src, t.src, `${name}: src`);
  assert.equal(ours.dst, t.dst, `${name}: dst`);
  assert.equal(ours.ipLength, t.ipLength, `${name}: ip length`);
  if (t.proto !== undefined) assert.equal(ours.proto, t.proto, `${name}: proto`);
  assert.equal(ours.srcPort, t.srcPort ?? 0, `${name}: src port`);
  assert.equal(ours.dstPort, t.dstPort ?? 0, `${name}: dst port`);
  assert.equal(ours.tcpFlags, t.tcpFlags ?? 0, `${name}: tcp flags`);
  assert.equal(ours.icmpType, t.icmpType ?? -1, `${name}: icmp type`);
  assert.equal(ours.icmpCode, t.icmpCode ?? -1, `${name}: icmp code`);
}

describe('parsePacketHeader against tshark', () => {
  let dir: string;
  let theirs: (TsharkPacket | undefined)[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sakimori-sflow-'));
    const file = join(dir, 'frames.pcap');
    await writeEthernetPcap(
      file,
      CASES.map((c) => Uint8Array.from(c.frame)),
    );
    const layers = await tsharkFrames(file);
    theirs = layers.map((l) => packetFromLayers(l));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const t = theirs[i];
      assert.ok(t !== undefined, 'tshark found IP in the frame');
      const bytes = Uint8Array.from(c.frame);
      const f = newPacketHeaderFields();
      assert.equal(parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, f), true);
      check(f, t, c.name);
      if (c.ipAt !== undefined) {
        const proto = t.ipVersion === 4 ? HEADER_PROTOCOL_IPV4 : HEADER_PROTOCOL_IPV6;
        const g = newPacketHeaderFields();
        assert.equal(parsePacketHeader(bytes, c.ipAt, bytes.length - c.ipAt, proto, g), true);
        check(g, t, `${c.name} (header_protocol ${proto})`);
      }
    });
  }

  it('IPv6 non-first fragment: upper-layer protocol from the fragment header, no ports', () => {
    const bytes = Uint8Array.from([...eth(0x86dd), ...ipv6(44, [17, 0, 0x05, 0x00, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8])]);
    const f = newPacketHeaderFields();
    assert.equal(parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, f), true);
    assert.equal(f.proto, 17);
    assert.equal(f.srcPort, 0);
    assert.equal(f.dstPort, 0);
  });
});

describe('parsePacketHeader edge cases', () => {
  it('ARP carries no IP header', () => {
    const bytes = Uint8Array.from([...eth(0x0806), 0, 1, 8, 0, 6, 4, 0, 1, ...new Array<number>(20).fill(0)]);
    const f = newPacketHeaderFields();
    assert.equal(parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, f), false);
    assert.equal(f.ipVersion, 0);
    assert.equal(f.src, '');
  });

  it('unknown header_protocol (e.g. 2, ISO88024 token bus) yields nothing', () => {
    const bytes = Uint8Array.from([...eth(0x0800), ...ipv4(6, tcp(1, 2, 0x02))]);
    const f = newPacketHeaderFields();
    assert.equal(parsePacketHeader(bytes, 0, bytes.length, 2, f), false);
  });

  it('never reads past the given length', () => {
    const frame = Uint8Array.from([...eth(0x0800), ...ipv4(6, tcp(1000, 2000, 0x12))]);
    const f = newPacketHeaderFields();
    for (let len = 0; len <= frame.length; len++) {
      // Bytes beyond len are poisoned: a parser reading them would report port 0xffff or a bogus address.
      const b = new Uint8Array(frame.length + 64).fill(0xff);
      b.set(frame.subarray(0, len));
      const ok = parsePacketHeader(b, 0, len, HEADER_PROTOCOL_ETHERNET, f);
      assert.equal(ok, len >= 34, `length ${len}`);
      if (ok) assert.equal(f.src, '198.51.100.7');
      if (len >= 38) assert.deepEqual([f.srcPort, f.dstPort], [1000, 2000]);
      else assert.deepEqual([f.srcPort, f.dstPort], [0, 0], `length ${len}`);
      assert.equal(f.tcpFlags, len >= 48 ? 0x12 : 0, `length ${len}`);
    }
  });

  it('an MPLS stack without a bottom-of-stack bit ends without IP', () => {
    const labels = mpls([1, 2, 3]).map((x, i) => (i % 4 === 2 ? x & 0xfe : x));
    const bytes = Uint8Array.from([...eth(0x8847), ...labels]);
    assert.equal(parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, newPacketHeaderFields()), false);
  });

  it('returns only mechanical fields: numbers and address strings, no bytes', () => {
    const bytes = Uint8Array.from([...eth(0x0800), ...ipv4(17, udp(1, 2, [0x73, 0x65, 0x63, 0x72, 0x65, 0x74]))]);
    const f = newPacketHeaderFields();
    parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, f);
    assert.deepEqual(Object.keys(f).sort(), ['dst', 'dstPort', 'dstV4', 'icmpCode', 'icmpType', 'ipLength', 'ipVersion', 'proto', 'src', 'srcPort', 'srcV4', 'tcpFlags', 'vxlanVni']);
    for (const v of Object.values(f)) assert.ok(typeof v === 'number' || typeof v === 'string');
    assert.ok(!JSON.stringify(f).includes('secret'));
  });
});

describe('parsePacketHeader on VXLAN (data-encap-vxlan.pcap)', () => {
  it('reports the outer packet and the VNI by default; the inner one on request, as tshark decodes it', async () => {
    const [frame] = await tsharkSflow(capturePath('data-encap-vxlan.pcap'));
    const header = frame.samples[0].header;
    assert.ok(header !== undefined);
    const outer = frame.samples[0].packet;
    assert.ok(outer !== undefined);

    const f = newPacketHeaderFields();
    assert.equal(parsePacketHeader(header, 0, header.length, HEADER_PROTOCOL_ETHERNET, f), true);
    check(f, outer, 'outer');
    assert.equal(f.dstPort, 4789);
    const vxlan = frame.layers['vxlan'] as Record<string, string>;
    assert.equal(f.vxlanVni, Number(vxlan['vxlan.vni']));

    // tshark dissects the encapsulated frame at the top level of the capture frame.
    const inner = packetFromLayers({ ipv6: frame.layers['ipv6'], icmpv6: frame.layers['icmpv6'] });
    assert.ok(inner !== undefined);
    const g = newPacketHeaderFields();
    assert.equal(parsePacketHeader(header, 0, header.length, HEADER_PROTOCOL_ETHERNET, g, true), true);
    check(g, inner, 'inner');
    assert.equal(g.vxlanVni, f.vxlanVni);
  });

  it('falls back to the outer packet when the inner frame holds no IP', () => {
    const inner = [...eth(0x0806), 0, 1, 8, 0];
    const bytes = Uint8Array.from([...eth(0x0800), ...ipv4(17, udp(50000, 4789, [0x08, 0, 0, 0, 0, 0, 0x2a, 0, ...inner]))]);
    const f = newPacketHeaderFields();
    assert.equal(parsePacketHeader(bytes, 0, bytes.length, HEADER_PROTOCOL_ETHERNET, f, true), true);
    assert.equal(f.src, '198.51.100.7');
    assert.equal(f.dstPort, 4789);
    assert.equal(f.srcPort, 50000);
    assert.equal(f.vxlanVni, 42);
  });
});
