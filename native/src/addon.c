/* Sakimori's optional native accelerators (Node-API, no other dependency). Everything here has a
 * TypeScript twin that gives the same results; src/native/native-addon.ts loads this module when
 * it was built and falls back to the TypeScript code when it was not.
 *
 * Pseudonym hasher: HMAC-SHA-256 of an address (RFC 2104) from the key's precomputed inner and
 * outer midstates, truncated to 64 bits and written as "<keyId>:<16 hex>". The key itself never
 * reaches this module, only the two midstates, which the hasher zeroes when it is collected. */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"

#define MAX_PREFIX 17 /* key id (1–16) and ':' */
#define MAX_FAST 55   /* longest message that fits one padded block after the key block */

typedef struct {
  uint32_t inner[8];
  uint32_t outer[8];
  char prefix[MAX_PREFIX + 2];
  size_t prefix_len;
  /* Scratch for batches (one JS thread owns a hasher): UTF-16 input and token output, zeroed after use. */
  uint16_t *in;
  size_t in_cap;
  char *out;
  size_t out_cap;
  /* Functions still holding this hasher (`one` and `many`); freed when both are collected. */
  int refs;
} hasher_t;

/* Zeroing that the compiler may not drop (glibc's explicit_bzero). */
static void wipe(void *p, size_t n) {
  explicit_bzero(p, n);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "SAKI_ERR_NATIVE_ARGUMENT", msg);
  return NULL;
}

static void hasher_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hasher_t *h = data;
  if (--h->refs > 0) return;
  if (h->in) wipe(h->in, h->in_cap * sizeof *h->in);
  if (h->out) wipe(h->out, h->out_cap);
  free(h->in);
  free(h->out);
  wipe(h, sizeof *h);
  free(h);
}

static const char HEX[] = "0123456789abcdef";
/* The two hex digits of every byte, filled once at load. */
static char HEX_PAIRS[256][2];

/* Working memory of one or more HMACs, wiped by the caller when it is done with it. */
typedef struct {
  uint32_t w[16];
  uint32_t st[8];
} work_t;

/* The padded one-block inner message from n ≤ 55 UTF-16 units, four at a time (the 64-byte key block
 * comes first, so the length is 64 + n); false, and a block to ignore, when a unit is not ASCII. */
static inline bool load_utf16(work_t *k, const hasher_t *h, const uint16_t *p, size_t n) {
  uint32_t *w = k->w;
  uint32_t any = 0;
  size_t i = 0, j = 0;
  for (; i + 4 <= n; i += 4, j++) {
    any |= (uint32_t)(p[i] | p[i + 1] | p[i + 2] | p[i + 3]);
    w[j] = (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | (uint32_t)p[i + 3];
  }
  uint32_t last = 0;
  int shift = 24;
  for (; i < n; i++, shift -= 8) {
    any |= p[i];
    last |= (uint32_t)p[i] << shift;
  }
  w[j++] = last | 0x80u << shift;
  for (; j < 15; j++) w[j] = 0;
  w[15] = (uint32_t)((64 + n) * 8);
  memcpy(k->st, h->inner, sizeof k->st);
  return any <= 0x7f;
}

/* After the inner compression: the outer message is the 32-byte inner digest, padded. */
static inline void load_outer(work_t *k, const hasher_t *h) {
  uint32_t *w = k->w;
  for (int i = 0; i < 8; i++) w[i] = k->st[i];
  w[8] = 0x80000000u;
  for (int i = 9; i < 15; i++) w[i] = 0;
  w[15] = (64 + 32) * 8;
  memcpy(k->st, h->outer, sizeof k->st);
}

/* prefix + the first 64 bits of the outer digest in hex. */
static inline void write_token(const work_t *k, const hasher_t *h, char *token) {
  memcpy(token, h->prefix, h->prefix_len);
  char *t = token + h->prefix_len;
  for (int i = 0; i < 2; i++) {
    uint32_t v = k->st[i];
    for (int b = 0; b < 4; b++, t += 2) memcpy(t, HEX_PAIRS[(v >> (24 - 8 * b)) & 255], 2);
  }
}

/* Writes prefix + 16 hex digits of HMAC-SHA-256 of the message load_utf16 put in `k` to `token`. */
static void hmac_token(const hasher_t *h, work_t *k, char *token) {
  sha256_compress(k->st, k->w);
  load_outer(k, h);
  sha256_compress(k->st, k->w);
  write_token(k, h, token);
}

/* Two HMACs of loaded messages with their compressions interleaved. */
static void hmac_pair(const hasher_t *h, work_t *ka, char *ta, work_t *kb, char *tb) {
  sha256_compress2(ka->st, ka->w, kb->st, kb->w);
  load_outer(ka, h);
  load_outer(kb, h);
  sha256_compress2(ka->st, ka->w, kb->st, kb->w);
  write_token(ka, h, ta);
  write_token(kb, h, tb);
}

/* hasher(address) → token, or undefined when the address is not ASCII or longer than 55 (the
 * caller then uses node:crypto). */
static napi_value hasher_call(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok || argc < 1) return throw_type(env, "address expected");
  const hasher_t *h = data;
  uint16_t msg[MAX_FAST + 2];
  size_t n = 0;
  /* Room for 56 units: 56 copied means the string may be longer than MAX_FAST. */
  if (napi_get_value_string_utf16(env, argv[0], (char16_t *)msg, MAX_FAST + 2, &n) != napi_ok) return throw_type(env, "address must be a string");
  work_t k;
  napi_value out;
  if (n > MAX_FAST || !load_utf16(&k, h, msg, n)) {
    napi_get_undefined(env, &out);
  } else {
    char token[MAX_PREFIX + 16];
    hmac_token(h, &k, token);
    napi_create_string_latin1(env, token, h->prefix_len + 16, &out);
  }
  /* The address and its digest do not outlive the call. */
  wipe(&k, sizeof k);
  wipe(msg, sizeof msg);
  return out;
}

/* many(joined: string, lengths: Int32Array, count) → the `count` tokens concatenated, each
 * prefix_len + 16 characters. `joined` is the addresses one after another, `lengths[k]` the k-th
 * one's length in UTF-16 units. An address that is not ASCII or is longer than 55 gets a token of
 * '?' characters: the caller computes those with node:crypto. */
static napi_value hasher_many(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok || argc < 3) return throw_type(env, "joined, lengths and count expected");
  hasher_t *h = data;
  uint32_t count;
  if (napi_get_value_uint32(env, argv[2], &count) != napi_ok) return throw_type(env, "count must be a number");
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed) return throw_type(env, "lengths must be an Int32Array");
  napi_typedarray_type type;
  size_t nlengths;
  void *lv;
  napi_get_typedarray_info(env, argv[1], &type, &nlengths, &lv, NULL, NULL);
  if (type != napi_int32_array || nlengths < count) return throw_type(env, "lengths must be an Int32Array of at least count entries");
  const int32_t *lengths = lv;
  size_t total = 0;
  if (napi_get_value_string_utf16(env, argv[0], NULL, 0, &total) != napi_ok) return throw_type(env, "joined must be a string");
  size_t sum = 0;
  for (uint32_t k = 0; k < count; k++) {
    if (lengths[k] < 0) return throw_type(env, "lengths must not be negative");
    sum += (size_t)lengths[k];
  }
  if (sum != total) return throw_type(env, "lengths do not add up to the joined string");
  const size_t tl = h->prefix_len + 16;
  if (total + 1 > h->in_cap) {
    size_t cap = total + 1 > 4096 ? total + 1 : 4096;
    uint16_t *in = malloc(cap * sizeof *in);
    if (!in) return napi_throw_error(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory"), NULL;
    if (h->in) wipe(h->in, h->in_cap * sizeof *h->in);
    free(h->in);
    h->in = in;
    h->in_cap = cap;
  }
  if ((size_t)count * tl > h->out_cap) {
    size_t cap = (size_t)count * tl > 4096 ? (size_t)count * tl : 4096;
    char *out = malloc(cap);
    if (!out) return napi_throw_error(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory"), NULL;
    if (h->out) wipe(h->out, h->out_cap);
    free(h->out);
    h->out = out;
    h->out_cap = cap;
  }
  size_t copied = 0;
  napi_get_value_string_utf16(env, argv[0], (char16_t *)h->in, total + 1, &copied);
  const uint16_t *p = h->in;
  /* Valid addresses are hashed in pairs: one waits in work[0] for a partner in work[1]. */
  work_t work[2];
  char *held = NULL;
  for (uint32_t k = 0; k < count; k++) {
    size_t n = (size_t)lengths[k];
    char *token = h->out + (size_t)k * tl;
    work_t *slot = &work[held ? 1 : 0];
    bool ok = n <= MAX_FAST && load_utf16(slot, h, p, n);
    p += n;
    if (!ok) {
      memset(token, '?', tl);
    } else if (!held) {
      held = token;
    } else {
      hmac_pair(h, &work[0], held, &work[1], token);
      held = NULL;
    }
  }
  if (held) hmac_token(h, &work[0], held);
  /* The addresses and their digests do not outlive the call. */
  wipe(work, sizeof work);
  wipe(h->in, total * sizeof *h->in);
  napi_value result;
  napi_create_string_latin1(env, h->out, (size_t)count * tl, &result);
  wipe(h->out, (size_t)count * tl);
  return result;
}

/* createPseudonymHasher(midstates: Int32Array of 16 [inner 8, outer 8], prefix: string) → { one, many } */
static napi_value create_pseudonym_hasher(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_type(env, "midstates and prefix expected");
  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed) return throw_type(env, "midstates must be an Int32Array of 16");
  napi_typedarray_type type;
  size_t length;
  void *words;
  napi_get_typedarray_info(env, argv[0], &type, &length, &words, NULL, NULL);
  if (type != napi_int32_array || length != 16) return throw_type(env, "midstates must be an Int32Array of 16");
  hasher_t *h = calloc(1, sizeof *h);
  if (!h) {
    napi_throw_error(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory");
    return NULL;
  }
  /* A buffer one longer than the longest prefix: a longer string fills it and is refused. */
  if (napi_get_value_string_latin1(env, argv[1], h->prefix, sizeof h->prefix, &h->prefix_len) != napi_ok || h->prefix_len < 2 ||
      h->prefix_len > MAX_PREFIX || h->prefix[h->prefix_len - 1] != ':') {
    free(h);
    return throw_type(env, "prefix must be a key id of 1–16 characters and ':'");
  }
  memcpy(h->inner, words, 32);
  memcpy(h->outer, (uint8_t *)words + 32, 32);
  napi_value obj, one, many;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_function(env, "one", NAPI_AUTO_LENGTH, hasher_call, h, &one) != napi_ok ||
      napi_create_function(env, "many", NAPI_AUTO_LENGTH, hasher_many, h, &many) != napi_ok) {
    free(h);
    return NULL;
  }
  napi_set_named_property(env, obj, "one", one);
  napi_set_named_property(env, obj, "many", many);
  /* Each function holds `h`: it is wiped and freed when the last of them is collected. */
  h->refs = 2;
  napi_add_finalizer(env, one, h, hasher_finalize, NULL, NULL);
  napi_add_finalizer(env, many, h, hasher_finalize, NULL, NULL);
  return obj;
}

static napi_value sha256_accelerated_js(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_get_boolean(env, sha256_accelerated() != 0, &out);
  return out;
}

static napi_value sha256_force_portable_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool on = false;
  if (argc >= 1) napi_get_value_bool(env, argv[0], &on);
  sha256_force_portable(on);
  return NULL;
}

napi_value create_udp_receiver(napi_env env, napi_callback_info info);
napi_value cidr_lookup_v4(napi_env env, napi_callback_info info);
napi_value huge_page_buffer(napi_env env, napi_callback_info info);
extern const uint32_t udp_receiver_max_sockets;

static napi_value init(napi_env env, napi_value exports) {
  for (int b = 0; b < 256; b++) {
    HEX_PAIRS[b][0] = HEX[b >> 4];
    HEX_PAIRS[b][1] = HEX[b & 15];
  }
  napi_value max_listeners;
  napi_create_uint32(env, udp_receiver_max_sockets, &max_listeners);
  napi_property_descriptor props[] = {
    {"maxUdpListeners", NULL, NULL, NULL, NULL, max_listeners, napi_enumerable, NULL},
    {"createPseudonymHasher", NULL, create_pseudonym_hasher, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sha256Accelerated", NULL, sha256_accelerated_js, NULL, NULL, NULL, napi_enumerable, NULL},
    {"forcePortableSha256", NULL, sha256_force_portable_js, NULL, NULL, NULL, napi_enumerable, NULL},
    {"createUdpReceiver", NULL, create_udp_receiver, NULL, NULL, NULL, napi_enumerable, NULL},
    {"cidrLookupV4", NULL, cidr_lookup_v4, NULL, NULL, NULL, napi_enumerable, NULL},
    {"hugePageBuffer", NULL, huge_page_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
