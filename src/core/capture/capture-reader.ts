import { SakimoriError } from '../errors.js';
import { formatIPv4, formatIPv6 } from '../flow/ip-address.js';

/** One UDP datagram found in a capture, with the capture timestamp. */
export interface CapturedDatagram {
  /** Capture time, ms since the Unix epoch (fractional part kept). */
  timestamp: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
}

export interface CaptureStats {
  format: 'pcap' | 'pcapng' | 'raw';
  frames: number;
  udpDatagrams: number;
  /** Frames that were not UDP over IPv4/IPv6 (ARP, TCP, …) or non-first fragments. */
  skippedFrames: number;
  /** Frames cut short by the snap length or corrupted. */
  badFrames: number;
}

const PCAP_MAGIC_US_LE = 0xa1b2c3d4;
const PCAP_MAGIC_NS_LE = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;

/** Link-layer types (tcpdump.org/linktypes.html). */
const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_RAW_ALT = 12;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;

export function detectCaptureFormat(buf: Uint8Array): 'pcap' | 'pcapng' | 'raw' {
  if (buf.length >= 4) {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const le = dv.getUint32(0, true);
    const be = dv.getUint32(0, false);
    if (le === PCAP_MAGIC_US_LE || le === PCAP_MAGIC_NS_LE || be === PCAP_MAGIC_US_LE || be === PCAP_MAGIC_NS_LE) return 'pcap';
    if (le === PCAPNG_SHB) return 'pcapng';
  }
  return 'raw';
}

/**
 * Reads every UDP datagram from a pcap or pcapng buffer. Pure: the caller reads the file.
 * A buffer that is neither is treated as one raw export payload (one datagram, no addresses).
 */
export function* readCapture(buf: Uint8Array, stats?: CaptureStats): Generator<CapturedDatagram> {
  const format = detectCaptureFormat(buf);
  const st: CaptureStats = stats ?? { format, frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  st.format = format;
  if (format === 'raw') {
    if (buf.length === 0) throw new SakimoriError('SAKI_ERR_CAPTURE_FORMAT', 'empty file');
    st.frames++;
    st.udpDatagrams++;
    yield { timestamp: 0, src: '0.0.0.0', srcPort: 0, dst: '0.0.0.0', dstPort: 0, payload: buf };
    return;
  }
  for (const fr of readCaptureFrames(buf, st)) {
    const d = parseFrame(fr.data, fr.linkType, fr.timestamp, st);
    if (d) yield d;
  }
}

/** One link-layer frame of a pcap/pcapng capture (any protocol), with its link type. */
export interface CapturedFrame {
  /** Capture time, ms since the Unix epoch (fractional part kept); 0 for a pcapng Simple Packet Block. */
  timestamp: number;
  /** LINKTYPE_* of the frame's interface (tcpdump.org/linktypes.html). */
  linkType: number;
  data: Uint8Array;
}

/**
 * Every frame of a pcap or pcapng buffer, whatever it carries (readCapture keeps only UDP; the
 * darknet reader needs TCP and ICMP too). Counts frames, and bad frames of a block that cannot
 * be attributed to an interface. Throws SAKI_ERR_CAPTURE_FORMAT for anything else.
 */
export function* readCaptureFrames(buf: Uint8Array, st: CaptureStats): Generator<CapturedFrame> {
  const format = detectCaptureFormat(buf);
  if (format === 'pcap') yield* readPcap(buf, st);
  else if (format === 'pcapng') yield* readPcapng(buf, st);
  else throw new SakimoriError('SAKI_ERR_CAPTURE_FORMAT', buf.length === 0 ? 'empty file' : 'not pcap or pcapng');
}

function* readPcap(buf: Uint8Array, st: CaptureStats): Generator<CapturedFrame> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 24) throw new SakimoriError('SAKI_ERR_CAPTURE_TRUNCATED', 'pcap global header');
  const magicLe = dv.getUint32(0, true);
  const le = magicLe === PCAP_MAGIC_US_LE || magicLe === PCAP_MAGIC_NS_LE;
  const magic = dv.getUint32(0, le);
  const nano = magic === PCAP_MAGIC_NS_LE;
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) throw new SakimoriError('SAKI_ERR_CAPTURE_TRUNCATED', `record header at byte ${off}`);
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    off += 16;
    if (off + incl > buf.length) throw new SakimoriError('SAKI_ERR_CAPTURE_TRUNCATED', `record data at byte ${off}`);
    st.frames++;
    const ts = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    yield { timestamp: ts, linkType, data: buf.subarray(off, off + incl) };
    off += incl;
  }
}

function* readPcapng(buf: Uint8Array, st: CaptureStats): Generator<CapturedFrame> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let le = true;
  let interfaces: { linkType: number; tsDivisor: number }[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new SakimoriError('SAKI_ERR_CAPTURE_TRUNCATED', `block header at byte ${off}`);
    let type = dv.getUint32(off, le);
    if (type === PCAPNG_SHB) {
      const bom = dv.getUint32(off + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new SakimoriError('SAKI_ERR_CAPTURE_FORMAT', 'pcapng byte-order magic');
      type = PCAPNG_SHB;
      interfaces = [];
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0 || off + len > buf.length) throw new SakimoriError('SAKI_ERR_CAPTURE_TRUNCATED', `block at byte ${off}`);
    const body = off + 8;
    if (type === 0x00000001) {
      // Interface Description Block: link type, then options; if_tsresol (code 9) sets the unit.
      const linkType = dv.getUint16(body, le);
      let tsDivisor = 1e3; // default microseconds → ms
      let o = body + 8;
      const end = off + len - 4;
      while (o + 4 <= end) {
        const code = dv.getUint16(o, le);
        const olen = dv.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = buf[o + 4];
          const unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
          tsDivisor = unitsPerSecond / 1000;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      interfaces.push({ linkType, tsDivisor });
    } else if (type === 0x00000006) {
      // Enhanced Packet Block.
      const ifId = dv.getUint32(body, le);
      const iface = interfaces[ifId];
      const tsHigh = dv.getUint32(body + 4, le);
      const tsLow = dv.getUint32(body + 8, le);
      const capLen = dv.getUint32(body + 12, le);
      st.frames++;
      if (!iface || body + 20 + capLen > off + len) {
        st.badFrames++;
      } else {
        const ts = (tsHigh * 4294967296 + tsLow) / iface.tsDivisor;
        yield { timestamp: ts, linkType: iface.linkType, data: buf.subarray(body + 20, body + 20 + capLen) };
      }
    } else if (type === 0x00000003) {
      // Simple Packet Block: interface 0, no timestamp.
      const iface = interfaces[0];
      const origLen = dv.getUint32(body, le);
      const capLen = Math.min(origLen, len - 16);
      st.frames++;
      if (!iface) st.badFrames++;
      else {
        yield { timestamp: 0, linkType: iface.linkType, data: buf.subarray(body + 4, body + 4 + capLen) };
      }
    }
    off += len;
  }
}

/**
 * Offset of the IP header inside a frame and its EtherType (0x0800 IPv4, 0x86dd IPv6), or
 * undefined when the link type is unknown (`bad` false) or the frame is too short (`bad` true).
 */
export function locateNetworkLayer(f: Uint8Array, linkType: number): { off: number; etherType: number } | { bad: boolean } {
  let off: number;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (f.length < 14) return { bad: true };
      etherType = (f[12] << 8) | f[13];
      off = 14;
      // 802.1Q / 802.1ad / QinQ tags.
      while ((etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) && off + 4 <= f.length) {
        etherType = (f[off + 2] << 8) | f[off + 3];
        off += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (f.length < 16) return { bad: true };
      etherType = (f[14] << 8) | f[15];
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (f.length < 20) return { bad: true };
      etherType = (f[0] << 8) | f[1];
      off = 20;
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (f.length < 4) return { bad: true };
      const fam = linkType === LINKTYPE_LOOP ? (f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3] : f[0] | (f[1] << 8) | (f[2] << 16) | (f[3] << 24);
      const famBe = (f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3];
      const family = fam === 2 || famBe === 2 ? 4 : 6;
      etherType = family === 4 ? 0x0800 : 0x86dd;
      off = 4;
      break;
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_ALT:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      if (f.length < 1) return { bad: true };
      etherType = f[0] >> 4 === 4 ? 0x0800 : 0x86dd;
      off = 0;
      break;
    default:
      return { bad: false };
  }
  return { off, etherType };
}

/** Walks link layer → IP → UDP. Returns undefined (counted) for anything else. */
export function parseFrame(f: Uint8Array, linkType: number, ts: number, st: CaptureStats): CapturedDatagram | undefined {
  const at = locateNetworkLayer(f, linkType);
  if ('bad' in at) return at.bad ? bad(st) : skip(st);
  const { off, etherType } = at;
  if (etherType === 0x0800) {
    if (off + 20 > f.length || f[off] >> 4 !== 4) return bad(st);
    const ihl = (f[off] & 0x0f) * 4;
    const fragOffset = ((f[off + 6] & 0x1f) << 8) | f[off + 7];
    const moreFragments = (f[off + 6] & 0x20) !== 0;
    if (f[off + 9] !== 17 || fragOffset !== 0 || moreFragments) return skip(st);
    const totalLen = (f[off + 2] << 8) | f[off + 3];
    const src = formatIPv4(f, off + 12);
    const dst = formatIPv4(f, off + 16);
    const ipEnd = Math.min(f.length, off + totalLen);
    return udp(f, off + ihl, ipEnd, src, dst, ts, st);
  }
  if (etherType === 0x86dd) {
    if (off + 40 > f.length || f[off] >> 4 !== 6) return bad(st);
    const payloadLen = (f[off + 4] << 8) | f[off + 5];
    let next = f[off + 6];
    const src = formatIPv6(f, off + 8);
    const dst = formatIPv6(f, off + 24);
    let p = off + 40;
    const ipEnd = Math.min(f.length, p + payloadLen);
    // Skip hop-by-hop, routing, destination-options extension headers; fragments are skipped.
    while (next === 0 || next === 43 || next === 60) {
      if (p + 8 > ipEnd) return bad(st);
      next = f[p];
      p += (f[p + 1] + 1) * 8;
    }
    if (next !== 17) return skip(st);
    return udp(f, p, ipEnd, src, dst, ts, st);
  }
  return skip(st);
}

function udp(f: Uint8Array, off: number, ipEnd: number, src: string, dst: string, ts: number, st: CaptureStats): CapturedDatagram | undefined {
  if (off + 8 > ipEnd) return bad(st);
  const srcPort = (f[off] << 8) | f[off + 1];
  const dstPort = (f[off + 2] << 8) | f[off + 3];
  const udpLen = (f[off + 4] << 8) | f[off + 5];
  const end = udpLen >= 8 ? Math.min(ipEnd, off + udpLen) : ipEnd;
  st.udpDatagrams++;
  return { timestamp: ts, src, srcPort, dst, dstPort, payload: f.subarray(off + 8, end) };
}

function bad(st: CaptureStats): undefined {
  st.badFrames++;
  return undefined;
}

function skip(st: CaptureStats): undefined {
  st.skippedFrames++;
  return undefined;
}
