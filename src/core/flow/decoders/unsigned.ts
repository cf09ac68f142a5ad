/**
 * Big-endian unsigned integers read straight from the datagram bytes (network byte order,
 * RFC 3954 §5 / RFC 7011 §6.1.1). Callers check bounds before reading.
 */

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number): number {
  return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

/**
 * An unsigned integer of 1–8 bytes: IPFIX reduced-size encoding (RFC 7011 §6.2) sends e.g.
 * octetDeltaCount in 4 bytes, so the field length decides. 64-bit values are combined from
 * two 32-bit halves into a Number: exact up to 2^53, rounded beyond (counters never get there).
 */
export function readUnsigned(b: Uint8Array, o: number, len: number): number {
  switch (len) {
    case 1:
      return b[o];
    case 2:
      return (b[o] << 8) | b[o + 1];
    case 4:
      return u32(b, o);
    case 8:
      return u32(b, o) * 0x100000000 + u32(b, o + 4);
    default: {
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + b[o + i];
      return v;
    }
  }
}
