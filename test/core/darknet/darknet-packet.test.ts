import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../../src/core/capture/capture-reader.js';
import { classifyDarknetTraffic } from '../../../src/core/darknet/darknet-traffic.js';
import { packetFlowRecord, type DarknetPacket } from '../../../src/core/darknet/darknet-packet.js';
import { prng } from '../../../src/demo/synthetic-flows.js';
import { backscatter, miraiScanner, normalTraffic, parseCapture, pcapBuffer, plainScanner, sorted, udpScanner } from './darknet-fixtures.js';

/**
 * The darknet packet parser against tshark, the independent dissector: for every frame of a
 * generated capture (pcap, and the same converted to pcapng by editcap), addresses, ports, TCP
 * sequence number and flags, ICMP type/code and the quoted packet's destination must agree.
 */
function tsharkRows(file: string): string[][] {
  const fields = ['ip.src', 'ip.dst', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.flags', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmp.code', 'ip.len'];
  const r = spawnSync('tshark', ['-r', file, '-n', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').map((l) => l.split('|'));
}

function expectRow(p: DarknetPacket, row: string[]): void {
  const [ipSrc, ipDst, ipProto, tSrc, tDst, seq, flags, uSrc, uDst, icmpType, icmpCode, ipLen] = row;
  const dsts = ipDst.split(',');
  assert.equal(p.src, ipSrc.split(',')[0]);
  assert.equal(p.dst, dsts[0]);
  assert.equal(p.proto, Number(ipProto.split(',')[0]));
  assert.equal(p.ipLength, Number(ipLen.split(',')[0]));
  // The addresses as numbers, and the packet's flow record's IPv4 twins (FlowRecord.srcV4/dstV4).
  const quad = (text: string) => text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const twins = [quad(ipSrc.split(',')[0]), quad(dsts[0])];
  const r = packetFlowRecord(p);
  assert.deepEqual([p.srcNumber, p.dstNumber], twins);
  assert.deepEqual([r.srcV4, r.dstV4], twins);
  if (p.proto === 6) {
    assert.equal(p.srcPort, Number(tSrc));
    assert.equal(p.dstPort, Number(tDst));
    assert.equal(p.tcpSeq, Number(seq));
    assert.equal(p.tcpFlags, Number(flags));
  } else if (p.proto === 17) {
    assert.equal(p.srcPort, Number(uSrc));
    assert.equal(p.dstPort, Number(uDst));
    assert.equal(p.tcpSeq, -1);
  } else {
    assert.equal(p.icmpType, Number(icmpType));
    assert.equal(p.icmpCode, Number(icmpCode));
    // tshark dissects the quoted IPv4 header as a second ip layer.
    assert.equal(p.quotedDst, dsts[1]);
  }
}

test('darknet packet parser agrees with tshark on every field it reads (pcap and pcapng)', () => {
  const rnd = prng(21);
  const packets = sorted([...miraiScanner('1.0.0.10', 30, rnd), ...plainScanner('2.0.0.5', 30, rnd), ...udpScanner('2.0.0.6', 20, rnd), ...backscatter('2.0.0.99', '2.0.0.254', 60, rnd), ...normalTraffic(40, rnd)]);
  const dir = mkdtempSync(join(tmpdir(), 'saki-darknet-'));
  try {
    const pcap = join(dir, 'darknet.pcap');
    writeFileSync(pcap, pcapBuffer(packets));
    const pcapng = join(dir, 'darknet.pcapng');
    const conv = spawnSync('editcap', ['-F', 'pcapng', pcap, pcapng], { encoding: 'utf8' });
    assert.equal(conv.status, 0, conv.stderr);
    for (const file of [pcap, pcapng]) {
      const { packets: parsed, stats, bad, skipped } = parseCapture(readFileSync(file));
      const rows = tsharkRows(file);
      assert.equal(bad + skipped, 0);
      assert.equal(stats.frames, packets.length);
      assert.equal(parsed.length, rows.length);
      parsed.forEach((p, i) => expectRow(p, rows[i]));
      assert.equal(parsed.filter((p) => p.proto === 6 && p.tcpSeq === p.dstNumber).length, 30, 'Mirai SYNs carry seq = destination');
      assert.ok(parsed.some((p) => p.quotedDst === '2.0.0.99'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readCapture still returns exactly the UDP datagrams of a mixed capture', () => {
  const rnd = prng(22);
  const packets = sorted([...plainScanner('2.0.0.5', 10, rnd), ...udpScanner('2.0.0.6', 7, rnd), ...backscatter('2.0.0.99', '2.0.0.254', 10, rnd)]);
  const st = { format: 'raw' as const, frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  const udp = [...readCapture(pcapBuffer(packets), st)];
  assert.equal(udp.length, 7);
  assert.equal(st.frames, packets.length);
  assert.equal(st.skippedFrames, packets.length - 7);
  assert.ok(udp.every((d) => d.srcPort === 5060 && d.payload.length === 400));
});

test('cut-short frames are bad, not crashes; ICMP type/code become the NetFlow destination port', () => {
  const rnd = prng(23);
  const buf = pcapBuffer(backscatter('2.0.0.99', '2.0.0.254', 40, rnd));
  const { packets } = parseCapture(buf);
  const icmp = packets.find((p) => p.proto === 1)!;
  const r = packetFlowRecord(icmp);
  assert.equal(r.dstPort, 3 * 256 + 1);
  assert.equal(classifyDarknetTraffic(r), 'backscatter');
  // Truncate the first frame's IP header: caplen 20 (Ethernet + 6 bytes of IP).
  const cut = Buffer.from(buf);
  cut.writeUInt32LE(20, 24 + 8);
  const frameLen = cut.readUInt32LE(24 + 12);
  const spliced = Buffer.concat([cut.subarray(0, 24 + 16 + 20), cut.subarray(24 + 16 + frameLen)]);
  const res = parseCapture(spliced);
  assert.equal(res.bad, 1);
  assert.equal(res.packets.length, 39);
});
