/* IPv4 CIDR lookups of a whole column of addresses (the TypeScript twin is CidrSet.lookupV4,
 * src/core/selection/cidr-set.ts, whose tables this reads unchanged).
 *
 * Selection looks up the source and the destination of every flow in the criteria's CIDR set. With
 * 100k CIDRs the tables are ~2 MiB and the addresses random, so each lookup waits for memory
 * twice (the /16 table, then the ranges). Done one flow at a time those waits add up; here a group
 * of addresses is walked in three passes, each prefetching what the next one reads, so the waits
 * of a group overlap.
 *
 * Tables (built by CidrSet): top[65537] the first range of each /16 (top[h]…top[h+1]);
 * tagged[2048] a bit per /16 that some range in it carries a tag; ranges[2k] the start of range k,
 * ranges[2k+1] its set id. Output: the set id of each address, -1 where the row has no IPv4
 * address (a negative, NaN or out-of-range number). */
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define GROUP 32

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "SAKI_ERR_NATIVE_ARGUMENT", msg);
  return NULL;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  bool is;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) != napi_ok || type != want) return 0;
  return 1;
}

/* cidrLookupV4(top: Uint32Array, tagged: Uint32Array, ranges: Uint32Array, addresses: Float64Array, n: number, out: Int32Array) */
napi_value cidr_lookup_v4(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) return throw_type(env, "cidrLookupV4 takes 6 arguments");
  uint32_t *top, *tagged, *ranges;
  double *addresses;
  int32_t *out;
  size_t top_len, tagged_len, ranges_len, addresses_len, out_len;
  uint32_t n;
  if (!typed(env, argv[0], napi_uint32_array, (void **)&top, &top_len) || top_len != 65537) return throw_type(env, "top must be a Uint32Array of 65537");
  if (!typed(env, argv[1], napi_uint32_array, (void **)&tagged, &tagged_len) || tagged_len != 2048) return throw_type(env, "tagged must be a Uint32Array of 2048");
  if (!typed(env, argv[2], napi_uint32_array, (void **)&ranges, &ranges_len) || ranges_len < 2 || ranges_len % 2 != 0) return throw_type(env, "ranges must be a Uint32Array of pairs");
  if (!typed(env, argv[3], napi_float64_array, (void **)&addresses, &addresses_len)) return throw_type(env, "addresses must be a Float64Array");
  if (napi_get_value_uint32(env, argv[4], &n) != napi_ok || n > addresses_len) return throw_type(env, "n must be at most the number of addresses");
  if (!typed(env, argv[5], napi_int32_array, (void **)&out, &out_len) || out_len < n) return throw_type(env, "out must be an Int32Array of at least n");
  const uint32_t last = (uint32_t)(ranges_len / 2 - 1);

  uint32_t a[GROUP], lo[GROUP], hi[GROUP];
  for (uint32_t g = 0; g < n; g += GROUP) {
    const uint32_t m = n - g < GROUP ? n - g : GROUP;
    /* 1. The /16 of each address: untagged ones (the 8 KiB bitmap stays in cache) end here. */
    for (uint32_t k = 0; k < m; k++) {
      const double d = addresses[g + k];
      if (!(d >= 0 && d < 4294967296.0)) {
        out[g + k] = -1;
        lo[k] = 1;
        hi[k] = 0;
        continue;
      }
      const uint32_t v = (uint32_t)d;
      const uint32_t h = v >> 16;
      a[k] = v;
      if ((tagged[h >> 5] & (1u << (h & 31))) == 0) {
        out[g + k] = 0;
        lo[k] = 1;
        hi[k] = 0;
        continue;
      }
      lo[k] = h;
      hi[k] = UINT32_MAX;
      __builtin_prefetch(&top[h]);
    }
    /* 2. The ranges of each tagged address's /16 (bounded by the table, whatever top holds). */
    for (uint32_t k = 0; k < m; k++) {
      if (hi[k] != UINT32_MAX) continue;
      const uint32_t h = lo[k];
      uint32_t l = top[h], r = top[h + 1];
      if (r > last) r = last;
      if (l > r) l = r;
      lo[k] = l;
      hi[k] = r;
      __builtin_prefetch(&ranges[2 * l]);
    }
    /* 3. The last range starting at or below the address. */
    for (uint32_t k = 0; k < m; k++) {
      if (lo[k] > hi[k]) continue;
      uint32_t l = lo[k], r = hi[k];
      const uint32_t v = a[k];
      while (l < r) {
        const uint32_t mid = (l + r + 1) >> 1;
        if (ranges[2 * mid] <= v) l = mid;
        else r = mid - 1;
      }
      out[g + k] = (int32_t)ranges[2 * l + 1];
    }
  }
  /* No address of the batch stays behind in this function's memory (glibc's explicit_bzero: a
   * plain memset of memory about to go out of scope may be dropped by the compiler). */
  explicit_bzero(a, sizeof a);
  explicit_bzero(lo, sizeof lo);
  explicit_bzero(hi, sizeof hi);
  return NULL;
}

/* hugePageBuffer(bytes): a zeroed ArrayBuffer of `bytes` on 2 MiB-aligned memory advised for
 * transparent huge pages (MADV_HUGEPAGE), for lookup tables read at random: with 4 KiB pages a
 * 2 MiB table needs 512 TLB entries, and in a virtual machine every TLB miss is a two-level page
 * walk. Where the kernel has no huge page to give, the memory is ordinary pages, same contents. */
#define HUGE_PAGE ((size_t)2 << 20)

static void huge_finalize(napi_env env, void *data, void *hint) {
  const size_t len = (size_t)(uintptr_t)hint;
  int64_t ignored;
  napi_adjust_external_memory(env, -(int64_t)len, &ignored);
  munmap(data, len);
}

napi_value huge_page_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double want = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_double(env, argv[0], &want) != napi_ok ||
      !(want >= 1 && want <= (double)((size_t)1 << 32)) || want != (double)(size_t)want)
    return throw_type(env, "bytes must be an integer from 1 to 2^32");
  const size_t bytes = (size_t)want;
  const size_t len = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uint8_t *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    napi_throw_error(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory");
    return NULL;
  }
  /* Keep the 2 MiB-aligned part, give back the rest. */
  uint8_t *p = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (p > raw) munmap(raw, (size_t)(p - raw));
  if (raw + len + HUGE_PAGE > p + len) munmap(p + len, (size_t)(raw + len + HUGE_PAGE - (p + len)));
  madvise(p, len, MADV_HUGEPAGE);
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, bytes, huge_finalize, (void *)(uintptr_t)len, &ab) != napi_ok) {
    /* A runtime that refuses external buffers: the caller falls back to an ordinary one. */
    munmap(p, len);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, "SAKI_ERR_NATIVE_MEMORY", "external buffers are not available");
    return NULL;
  }
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)len, &ignored);
  return ab;
}
