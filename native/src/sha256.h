/* SHA-256 compression (FIPS 180-4 §6.2.2) for HMAC midstates: the caller hands a chaining state
 * and one block of 16 host-order words. The x86 SHA extensions are used when the CPU has them
 * (checked once at run time); otherwise a portable C version runs. Both give the same result. */
#ifndef SAKIMORI_SHA256_H
#define SAKIMORI_SHA256_H
#include <stdint.h>

void sha256_compress(uint32_t state[8], const uint32_t block[16]);
/* Two independent compressions, interleaved on the SHA extensions (same results as two calls). */
void sha256_compress2(uint32_t sa[8], const uint32_t wa[16], uint32_t sb[8], const uint32_t wb[16]);
/* 1 when the SHA extensions path is in use, 0 for the portable one. */
int sha256_accelerated(void);
/* Forces the portable path (tests compare both on the same machine). */
void sha256_force_portable(int on);

#endif
