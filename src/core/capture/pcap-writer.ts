/**
 * Writes classic pcap files (LINKTYPE_ETHERNET, microsecond timestamps) of synthetic IPv4
 * TCP/UDP/ICMP packets: the input of real exporters such as softflowd in tests and the traffic
 * generator, and darknet traffic (scans, backscatter) for the darknet tests.
 * Payload bytes are zeros: only headers matter to an exporter.
 */
export interface SyntheticPacket {
  /** ms since the Unix epoch. */
  time: number;
  src: string;
  dst: string;
  proto: 1 | 6 | 17;
  /** 0 for ICMP. */
  srcPort: number;
  dstPort: number;
  /** IP total length (header + transport + payload), ≥ 40 for TCP, ≥ 28 for UDP and ICMP (≥ 56 with `quoted`). */
  ipLength: number;
  tcpFlags?: number;
  /** TCP sequence number (default 0) and acknowledgment number (default 0). */
  tcpSeq?: number;
  tcpAck?: number;
  /** ICMP type and code (default 8/0, echo request). */
  icmpType?: number;
  icmpCode?: number;
  /** UDP payload (e.g. a flow-export datagram); `ipLength` must then be 28 + its length. Zeros otherwise. */
  payload?: Uint8Array;
  /** For ICMP errors: the offending packet's IPv4 header and first 8 octets (RFC 792), rebuilt from these fields. */
  quoted?: { src: string; dst: string; proto: number; srcPort: number; dstPort: number };
}

/** One UDP datagram with its payload (flow-export captures: IPFIX, NetFlow). */
export interface SyntheticDatagram {
  /** ms since the Unix epoch. */
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
}

function ipv4(s: string, b: Buffer, off: number): void {
  s.split('.').forEach((p, i) => (b[off + i] = Number(p)));
}

function ipChecksum(b: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The 24-byte pcap global header (LINKTYPE_ETHERNET, microseconds, snaplen 65535). */
export function pcapGlobalHeader(): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  return gh;
}

export function pcapBuffer(packets: readonly SyntheticPacket[]): Buffer {
  return Buffer.concat([pcapGlobalHeader(), ...packets.map(packetRecord)]);
}

/** One pcap record (record header + Ethernet frame) of a synthetic packet. */
export function packetRecord(p: SyntheticPacket): Buffer {
  const frameLen = 14 + p.ipLength;
  const rec = Buffer.alloc(16 + frameLen);
  const sec = Math.floor(p.time / 1000);
  rec.writeUInt32LE(sec, 0);
  rec.writeUInt32LE(Math.round((p.time - sec * 1000) * 1000), 4);
  rec.writeUInt32LE(frameLen, 8);
  rec.writeUInt32LE(frameLen, 12);
  const f = 16;
  rec.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], f);
  rec.writeUInt16BE(0x0800, f + 12);
  const ip = f + 14;
  rec[ip] = 0x45;
  rec.writeUInt16BE(p.ipLength, ip + 2);
  rec[ip + 8] = 64;
  rec[ip + 9] = p.proto;
  ipv4(p.src, rec, ip + 12);
  ipv4(p.dst, rec, ip + 16);
  rec.writeUInt16BE(ipChecksum(rec, ip, 20), ip + 10);
  const l4 = ip + 20;
  if (p.proto === 17) {
    rec.writeUInt16BE(p.srcPort, l4);
    rec.writeUInt16BE(p.dstPort, l4 + 2);
    rec.writeUInt16BE(p.ipLength - 20, l4 + 4);
    if (p.payload) rec.set(p.payload.subarray(0, p.ipLength - 28), l4 + 8);
  } else if (p.proto === 6) {
    rec.writeUInt16BE(p.srcPort, l4);
    rec.writeUInt16BE(p.dstPort, l4 + 2);
    rec.writeUInt32BE((p.tcpSeq ?? 0) >>> 0, l4 + 4);
    rec.writeUInt32BE((p.tcpAck ?? 0) >>> 0, l4 + 8);
    rec[l4 + 12] = 0x50;
    rec[l4 + 13] = p.tcpFlags ?? 0x18;
    rec.writeUInt16BE(65535, l4 + 14);
  } else {
    rec[l4] = p.icmpType ?? 8;
    rec[l4 + 1] = p.icmpCode ?? 0;
    const q = p.quoted;
    if (q && p.ipLength >= 56) {
      const qi = l4 + 8;
      rec[qi] = 0x45;
      rec.writeUInt16BE(40, qi + 2);
      rec[qi + 8] = 64;
      rec[qi + 9] = q.proto;
      ipv4(q.src, rec, qi + 12);
      ipv4(q.dst, rec, qi + 16);
      rec.writeUInt16BE(ipChecksum(rec, qi, 20), qi + 10);
      rec.writeUInt16BE(q.srcPort, qi + 20);
      rec.writeUInt16BE(q.dstPort, qi + 22);
    }
    rec.writeUInt16BE(ipChecksum(rec, l4, p.ipLength - 20), l4 + 2);
  }
  return rec;
}

/** pcap record of one UDP datagram carrying `payload` (for flow-export captures). */
export function datagramRecord(d: SyntheticDatagram): Buffer {
  return packetRecord({ time: d.time, src: d.src, dst: d.dst, proto: 17, srcPort: d.srcPort, dstPort: d.dstPort, ipLength: 28 + d.payload.length, payload: d.payload });
}

export function datagramPcapBuffer(datagrams: readonly SyntheticDatagram[]): Buffer {
  return Buffer.concat([pcapGlobalHeader(), ...datagrams.map(datagramRecord)]);
}
