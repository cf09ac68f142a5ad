/**
 * Keyed pseudonyms for domestic endpoint addresses in selected records (Act Art. 22: identifiers
 * of people processed so no individual can be identified). HMAC-SHA-256 (RFC 2104) under a key the
 * cyber office holds, truncated to 64 bits (16 hex), prefixed by the key id so a rotation is visible
 * in the data: "p1:3f9a0c…". Same address and key → same token; a new key → unlinkable tokens.
 *
 * The HMAC of a selected record's address is the costliest step of selection, so it is computed
 * here from the key's precomputed inner and outer SHA-256 states (the standard HMAC midstate
 * optimisation): an address of up to 55 ASCII bytes costs exactly two compression-function calls
 * and allocates only its token. Anything longer or non-ASCII goes through node:crypto's HMAC.
 * Both paths give identical tokens (tested against createHmac on random and edge-case inputs).
 */
import { createHash, createHmac } from 'node:crypto';

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** SHA-256 compression of the 16-word block `w[0..15]` into `state` (w is the 64-word schedule, overwritten). */
function compress(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/** Longest message that fits one padded block after the 64-byte key block. */
const MAX_FAST = 55;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Pseudonymizer {
  readonly keyId: string;
  readonly #key: Buffer;
  /** SHA-256 states after the (key ⊕ ipad) and (key ⊕ opad) blocks. */
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);
  readonly #state = new Int32Array(8);
  readonly #w = new Int32Array(64);

  constructor(keyId: string, key: Uint8Array) {
    if (!/^[A-Za-z0-9]{1,16}$/.test(keyId)) throw new RangeError('pseudonym key id must be 1–16 letters or digits');
    if (key.length < 32) throw new RangeError('pseudonym key must be at least 32 bytes');
    this.keyId = keyId;
    this.#key = Buffer.from(key);
    // RFC 2104: a key longer than the block is hashed first, a shorter one zero-padded.
    const block = Buffer.alloc(64);
    (key.length > 64 ? createHash('sha256').update(key).digest() : Buffer.from(key)).copy(block);
    for (const [state, pad] of [[this.#inner, 0x36], [this.#outer, 0x5c]] as const) {
      state.set(IV);
      for (let i = 0; i < 16; i++) this.#w[i] = (((block[4 * i] ^ pad) << 24) | ((block[4 * i + 1] ^ pad) << 16) | ((block[4 * i + 2] ^ pad) << 8) | (block[4 * i + 3] ^ pad)) | 0;
      compress(state, this.#w);
    }
    block.fill(0);
  }

  pseudonym(address: string): string {
    const n = address.length;
    if (n > MAX_FAST) return this.#slow(address);
    const w = this.#w;
    w.fill(0, 0, 16);
    for (let i = 0; i < n; i++) {
      const c = address.charCodeAt(i);
      if (c > 0x7f) return this.#slow(address);
      w[i >> 2] |= c << (24 - 8 * (i & 3));
    }
    w[n >> 2] |= 0x80 << (24 - 8 * (n & 3));
    w[15] = (64 + n) * 8;
    const s = this.#state;
    s.set(this.#inner);
    compress(s, w);
    for (let i = 0; i < 8; i++) w[i] = s[i];
    w[8] = 0x80000000;
    w.fill(0, 9, 15);
    w[15] = (64 + 32) * 8;
    s.set(this.#outer);
    compress(s, w);
    const h0 = s[0];
    const h1 = s[1];
    // The schedule held the address: nothing of it outlives the call.
    w.fill(0);
    s.fill(0);
    return `${this.keyId}:${HEX[h0 >>> 24]}${HEX[(h0 >>> 16) & 255]}${HEX[(h0 >>> 8) & 255]}${HEX[h0 & 255]}${HEX[h1 >>> 24]}${HEX[(h1 >>> 16) & 255]}${HEX[(h1 >>> 8) & 255]}${HEX[h1 & 255]}`;
  }

  #slow(address: string): string {
    return `${this.keyId}:${createHmac('sha256', this.#key).update(address, 'utf8').digest('hex').slice(0, 16)}`;
  }
}
