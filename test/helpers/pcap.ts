/** Test captures written in memory. */

/** A classic pcap of UDP datagrams from 127.0.0.1 to 127.0.0.1:4739 (Ethernet, IPv4, UDP). */
export function pcapOfDatagrams(payloads: readonly Uint8Array[], firstSec = 1780000000): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const frames = payloads.map((p, i) => {
    const udpLen = 8 + p.length;
    const ipLen = 20 + udpLen;
    const f = Buffer.alloc(14 + ipLen);
    f.writeUInt16BE(0x0800, 12);
    f[14] = 0x45;
    f.writeUInt16BE(ipLen, 16);
    f[22] = 64;
    f[23] = 17;
    Buffer.from([127, 0, 0, 1, 127, 0, 0, 1]).copy(f, 26);
    f.writeUInt16BE(50000, 34);
    f.writeUInt16BE(4739, 36);
    f.writeUInt16BE(udpLen, 38);
    Buffer.from(p).copy(f, 42);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(firstSec + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    return Buffer.concat([rec, f]);
  });
  return Buffer.concat([header, ...frames]);
}
