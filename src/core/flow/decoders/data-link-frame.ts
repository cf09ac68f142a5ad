import { HEADER_PROTOCOL_ETHERNET, parsePacketHeader, type PacketHeaderFields } from './packet-header.js';
import { u16 } from './unsigned.js';

/**
 * dataLinkFrameSection (IE 315, RFC 7133 §4.7): the first bytes of a sampled frame, from its
 * Ethernet header on. Juniper and Cisco export packet sampling this way instead of flow fields.
 * Only the mechanical header fields come out (see packet-header.ts); the payload is not kept.
 */
export function parseDataLinkFrame(b: Uint8Array, off: number, len: number, out: PacketHeaderFields): boolean {
  if (parsePacketHeader(b, off, len, HEADER_PROTOCOL_ETHERNET, out)) return true;
  const end = Math.min(off + len, b.length);
  const inner = pseudowireEthernetOffset(b, off, end);
  return inner >= 0 && parsePacketHeader(b, inner, end - inner, HEADER_PROTOCOL_ETHERNET, out);
}

/**
 * Ethernet over MPLS (RFC 4448 §4): after the bottom-of-stack label, a control word whose first
 * nibble is 0 (RFC 4385 §3) precedes the customer's Ethernet frame. Returns the offset of that
 * inner frame, or -1 when the frame is not shaped so.
 */
function pseudowireEthernetOffset(b: Uint8Array, p: number, end: number): number {
  if (p + 14 > end) return -1;
  let type = u16(b, p + 12);
  p += 14;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (p + 4 > end) return -1;
    type = u16(b, p + 2);
    p += 4;
  }
  if (type !== 0x8847 && type !== 0x8848) return -1;
  for (;;) {
    if (p + 4 > end) return -1;
    const bottom = b[p + 2] & 0x01;
    p += 4;
    if (bottom) break;
  }
  if (p + 4 > end || b[p] >> 4 !== 0) return -1;
  return p + 4;
}
