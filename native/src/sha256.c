#include "sha256.h"
#include <string.h>

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_portable(uint32_t s[8], const uint32_t block[16]) {
  uint32_t w[64];
  memcpy(w, block, 64);
  for (int i = 16; i < 64; i++) {
    uint32_t x = w[i - 15], y = w[i - 2];
    w[i] = w[i - 16] + (ROTR(x, 7) ^ ROTR(x, 18) ^ (x >> 3)) + w[i - 7] + (ROTR(y, 17) ^ ROTR(y, 19) ^ (y >> 10));
  }
  uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
  memset(w, 0, sizeof w);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHA_NI_PATH 1

/* Four rounds: the message group plus its constants, two sha256rnds2 of two rounds each. */
#define ROUNDS4(g, i)                                              \
  do {                                                             \
    __m128i m_ = _mm_add_epi32((g), _mm_loadu_si128((const __m128i *)&K[i])); \
    s1 = _mm_sha256rnds2_epu32(s1, s0, m_);                        \
    m_ = _mm_shuffle_epi32(m_, 0x0e);                              \
    s0 = _mm_sha256rnds2_epu32(s0, s1, m_);                        \
  } while (0)

/* The next group of four schedule words from the previous four groups (FIPS 180-4 §6.2.2 step 1). */
#define NEXT(g0, g1, g2, g3) _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((g0), (g1)), _mm_alignr_epi8((g3), (g2), 4)), (g3))

__attribute__((target("sha,sse4.1"))) static void compress_sha_ni(uint32_t s[8], const uint32_t block[16]) {
  /* The instructions want the state as ABEF and CDGH. */
  __m128i dcba = _mm_loadu_si128((const __m128i *)&s[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&s[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
  __m128i s0 = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i s1 = _mm_blend_epi16(efgh, cdab, 0xf0);
  const __m128i save0 = s0, save1 = s1;

  __m128i g0 = _mm_loadu_si128((const __m128i *)&block[0]);
  __m128i g1 = _mm_loadu_si128((const __m128i *)&block[4]);
  __m128i g2 = _mm_loadu_si128((const __m128i *)&block[8]);
  __m128i g3 = _mm_loadu_si128((const __m128i *)&block[12]);
  ROUNDS4(g0, 0);
  ROUNDS4(g1, 4);
  ROUNDS4(g2, 8);
  ROUNDS4(g3, 12);
  for (int i = 16; i < 64; i += 16) {
    g0 = NEXT(g0, g1, g2, g3); ROUNDS4(g0, i);
    g1 = NEXT(g1, g2, g3, g0); ROUNDS4(g1, i + 4);
    g2 = NEXT(g2, g3, g0, g1); ROUNDS4(g2, i + 8);
    g3 = NEXT(g3, g0, g1, g2); ROUNDS4(g3, i + 12);
  }
  s0 = _mm_add_epi32(s0, save0);
  s1 = _mm_add_epi32(s1, save1);

  __m128i feba = _mm_shuffle_epi32(s0, 0x1b);
  __m128i dchg = _mm_shuffle_epi32(s1, 0xb1);
  _mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(feba, dchg, 0xf0));
  _mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Two independent blocks at once: sha256rnds2 waits several cycles on its previous result, so
 * interleaving two chains keeps the unit busy (about 1.7× the throughput of one chain, measured). */
#define ROUNDS4X2(ga, gb, i)                                                                    \
  do {                                                                                          \
    const __m128i k_ = _mm_loadu_si128((const __m128i *)&K[i]);                                 \
    __m128i ma_ = _mm_add_epi32((ga), k_), mb_ = _mm_add_epi32((gb), k_);                       \
    a1 = _mm_sha256rnds2_epu32(a1, a0, ma_);                                                    \
    b1 = _mm_sha256rnds2_epu32(b1, b0, mb_);                                                    \
    ma_ = _mm_shuffle_epi32(ma_, 0x0e);                                                         \
    mb_ = _mm_shuffle_epi32(mb_, 0x0e);                                                         \
    a0 = _mm_sha256rnds2_epu32(a0, a1, ma_);                                                    \
    b0 = _mm_sha256rnds2_epu32(b0, b1, mb_);                                                    \
  } while (0)

__attribute__((target("sha,sse4.1"))) static void compress2_sha_ni(uint32_t sa[8], const uint32_t wa[16], uint32_t sb[8], const uint32_t wb[16]) {
  __m128i t, u;
  t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[0]), 0xb1);
  u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[4]), 0x1b);
  __m128i a0 = _mm_alignr_epi8(t, u, 8), a1 = _mm_blend_epi16(u, t, 0xf0);
  t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[0]), 0xb1);
  u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[4]), 0x1b);
  __m128i b0 = _mm_alignr_epi8(t, u, 8), b1 = _mm_blend_epi16(u, t, 0xf0);
  const __m128i sa0 = a0, sa1 = a1, sb0 = b0, sb1 = b1;

  __m128i x0 = _mm_loadu_si128((const __m128i *)&wa[0]), y0 = _mm_loadu_si128((const __m128i *)&wb[0]);
  __m128i x1 = _mm_loadu_si128((const __m128i *)&wa[4]), y1 = _mm_loadu_si128((const __m128i *)&wb[4]);
  __m128i x2 = _mm_loadu_si128((const __m128i *)&wa[8]), y2 = _mm_loadu_si128((const __m128i *)&wb[8]);
  __m128i x3 = _mm_loadu_si128((const __m128i *)&wa[12]), y3 = _mm_loadu_si128((const __m128i *)&wb[12]);
  ROUNDS4X2(x0, y0, 0);
  ROUNDS4X2(x1, y1, 4);
  ROUNDS4X2(x2, y2, 8);
  ROUNDS4X2(x3, y3, 12);
  for (int i = 16; i < 64; i += 16) {
    x0 = NEXT(x0, x1, x2, x3); y0 = NEXT(y0, y1, y2, y3); ROUNDS4X2(x0, y0, i);
    x1 = NEXT(x1, x2, x3, x0); y1 = NEXT(y1, y2, y3, y0); ROUNDS4X2(x1, y1, i + 4);
    x2 = NEXT(x2, x3, x0, x1); y2 = NEXT(y2, y3, y0, y1); ROUNDS4X2(x2, y2, i + 8);
    x3 = NEXT(x3, x0, x1, x2); y3 = NEXT(y3, y0, y1, y2); ROUNDS4X2(x3, y3, i + 12);
  }
  a0 = _mm_add_epi32(a0, sa0);
  a1 = _mm_add_epi32(a1, sa1);
  b0 = _mm_add_epi32(b0, sb0);
  b1 = _mm_add_epi32(b1, sb1);
  t = _mm_shuffle_epi32(a0, 0x1b);
  u = _mm_shuffle_epi32(a1, 0xb1);
  _mm_storeu_si128((__m128i *)&sa[0], _mm_blend_epi16(t, u, 0xf0));
  _mm_storeu_si128((__m128i *)&sa[4], _mm_alignr_epi8(u, t, 8));
  t = _mm_shuffle_epi32(b0, 0x1b);
  u = _mm_shuffle_epi32(b1, 0xb1);
  _mm_storeu_si128((__m128i *)&sb[0], _mm_blend_epi16(t, u, 0xf0));
  _mm_storeu_si128((__m128i *)&sb[4], _mm_alignr_epi8(u, t, 8));
}
#endif

static int use_accelerated = -1;

static int detect(void) {
#ifdef HAVE_SHA_NI_PATH
  /* CPUID leaf 1 ECX bit 19: SSE4.1; leaf 7 subleaf 0 EBX bit 29: SHA extensions. */
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19))) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1;
#else
  return 0;
#endif
}

int sha256_accelerated(void) {
  if (use_accelerated < 0) use_accelerated = detect();
  return use_accelerated;
}

void sha256_force_portable(int on) {
  use_accelerated = on ? 0 : detect();
}

void sha256_compress(uint32_t state[8], const uint32_t block[16]) {
#ifdef HAVE_SHA_NI_PATH
  if (sha256_accelerated()) {
    compress_sha_ni(state, block);
    return;
  }
#endif
  compress_portable(state, block);
}

void sha256_compress2(uint32_t sa[8], const uint32_t wa[16], uint32_t sb[8], const uint32_t wb[16]) {
#ifdef HAVE_SHA_NI_PATH
  if (sha256_accelerated()) {
    compress2_sha_ni(sa, wa, sb, wb);
    return;
  }
#endif
  compress_portable(sa, wa);
  compress_portable(sb, wb);
}
