/* Native UDP receive for the collector: one thread polls every listener socket and takes
 * datagrams in batches with recvmmsg(2), writing each straight into the collector's datagram ring
 * (src/collector/datagram-ring.ts: same entry layout, same full-ring rule, single producer), so
 * neither Node's per-datagram 'message' event nor a copy on the JS thread remains. A datagram that
 * does not fit is refused and counted per exporter, as RingWriter's caller does. When the decode
 * worker sleeps, the thread asks the JS thread (through a thread-safe function) to wake it:
 * Atomics.notify cannot be called from C.
 *
 * JS API (src/collector/native-udp-receiver.ts):
 *   r = createUdpReceiver(ringData: Uint8Array, ringControl: Int32Array, wake: () => void)
 *   r.bind(address, port, ipv6, recvBufferBytes) → [boundPort, grantedBufferBytes]
 *   r.start(); r.stop(); r.takeDrops() → [exporter, count, exporter, count, …] */
#define _GNU_SOURCE /* pthread_setname_np */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 16
/* Exported as maxUdpListeners: the collector falls back to dgram above it. */
const uint32_t udp_receiver_max_sockets = MAX_SOCKETS;
#define BATCH 64
#define MAX_DATAGRAM 65536
#ifndef PAUSE_NS
#define PAUSE_NS 500000
#endif
#ifndef PAUSE_BELOW
#define PAUSE_BELOW 16
#endif
/* Ring layout (datagram-ring.ts). */
#define HEAD 0
#define TAIL 1
#define SLEEPING 2
#define ENTRY_HEADER 36
#define WRAP 0xffffffffu
/* Drop counters per exporter, bounded like the JS registry: beyond this, one shared bucket. */
#define DROP_SLOTS 16384
#define DROP_LIMIT 10000

typedef struct {
  uint8_t key[17]; /* family, 16 address bytes */
  bool used;
  uint64_t count;
} drop_slot_t;

typedef struct {
  napi_ref data_ref, control_ref;
  uint8_t *data;
  size_t capacity;
  int32_t *control;
  napi_threadsafe_function wake;
  int wake_pending;
  int fds[MAX_SOCKETS];
  int nfds;
  int stop_fd;
  pthread_t thread;
  bool running;
  pthread_mutex_t drops_lock;
  drop_slot_t *drops;
  size_t drop_entries;
  uint64_t drops_over_limit;
  uint8_t *buffers;
  /* The JS object and the thread-safe function each own the receiver; the last to go frees it. */
  int owners;
} receiver_t;

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static uint32_t hash_key(const uint8_t *k) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < 17; i++) h = (h ^ k[i]) * 16777619u;
  return h;
}

static void count_drop(receiver_t *r, const uint8_t *key) {
  pthread_mutex_lock(&r->drops_lock);
  uint32_t i = hash_key(key) & (DROP_SLOTS - 1);
  for (;;) {
    drop_slot_t *s = &r->drops[i];
    if (s->used && memcmp(s->key, key, 17) == 0) {
      s->count++;
      break;
    }
    if (!s->used) {
      if (r->drop_entries >= DROP_LIMIT) {
        r->drops_over_limit++;
        break;
      }
      memcpy(s->key, key, 17);
      s->used = true;
      s->count = 1;
      r->drop_entries++;
      break;
    }
    i = (i + 1) & (DROP_SLOTS - 1);
  }
  pthread_mutex_unlock(&r->drops_lock);
}

/* The exporter's 18-byte ring form (family, pad, 16 address bytes) and its drop key. */
static void encode_exporter(const struct sockaddr_storage *sa, uint8_t out[18], uint16_t *port) {
  memset(out, 0, 18);
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
    out[0] = 4;
    memcpy(out + 2, &a->sin_addr, 4);
    *port = ntohs(a->sin_port);
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
    const uint8_t *b = a->sin6_addr.s6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0) {
      out[0] = 4;
      memcpy(out + 2, b + 12, 4);
    } else {
      out[0] = 6;
      memcpy(out + 2, b, 16);
    }
    *port = ntohs(a->sin6_port);
  }
}

/* RingWriter.write, in C: false when the ring is full. */
static bool ring_write(receiver_t *r, double received_at, const uint8_t exporter[18], uint16_t port, const uint8_t *payload, size_t len) {
  const uint32_t cap = (uint32_t)r->capacity;
  const uint32_t need = (uint32_t)((ENTRY_HEADER + len + 3) & ~(size_t)3);
  uint32_t head = (uint32_t)__atomic_load_n(&r->control[HEAD], __ATOMIC_SEQ_CST);
  const uint32_t tail = (uint32_t)__atomic_load_n(&r->control[TAIL], __ATOMIC_SEQ_CST);
  if (head >= tail) {
    const uint32_t at_end = cap - head;
    const bool fits_at_end = need < at_end || (need == at_end && tail != 0);
    if (!fits_at_end) {
      if (need >= tail) return false;
      if (at_end >= 4) {
        const uint32_t wrap = WRAP;
        memcpy(r->data + head, &wrap, 4);
      }
      head = 0;
    }
  } else if (need >= tail - head) {
    return false;
  }
  uint8_t *e = r->data + head;
  const uint32_t len32 = (uint32_t)len;
  memcpy(e, &need, 4);
  memcpy(e + 4, &len32, 4);
  memcpy(e + 8, &received_at, 8);
  memcpy(e + 16, &port, 2);
  memcpy(e + 18, exporter, 18);
  memcpy(e + ENTRY_HEADER, payload, len);
  uint32_t next = head + need;
  if (next == cap) next = 0;
  __atomic_store_n(&r->control[HEAD], (int32_t)next, __ATOMIC_SEQ_CST);
  return true;
}

static void *receive_loop(void *arg) {
  receiver_t *r = arg;
  /* Named, so that per-thread CPU (top -H, /proc/PID/task, bench:collector) shows it. */
  pthread_setname_np(pthread_self(), "saki-recv");
  struct pollfd pfds[MAX_SOCKETS + 1];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  for (int i = 0; i < r->nfds; i++) pfds[i] = (struct pollfd){.fd = r->fds[i], .events = POLLIN};
  pfds[r->nfds] = (struct pollfd){.fd = r->stop_fd, .events = POLLIN};
  for (;;) {
    int ready = poll(pfds, (nfds_t)r->nfds + 1, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pfds[r->nfds].revents) break;
    bool wrote = false;
    int taken = 0;
    for (int s = 0; s < r->nfds; s++) {
      if (!(pfds[s].revents & POLLIN)) continue;
      for (;;) {
        for (int i = 0; i < BATCH; i++) {
          iov[i] = (struct iovec){.iov_base = r->buffers + (size_t)i * MAX_DATAGRAM, .iov_len = MAX_DATAGRAM};
          msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1};
          msgs[i].msg_len = 0;
        }
        int n = recvmmsg(r->fds[s], msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) break;
        taken += n;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        /* Date.now(): whole milliseconds. */
        const double now = (double)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        for (int i = 0; i < n; i++) {
          uint8_t exporter[18];
          uint16_t port = 0;
          encode_exporter(&from[i], exporter, &port);
          if (ring_write(r, now, exporter, port, r->buffers + (size_t)i * MAX_DATAGRAM, msgs[i].msg_len)) {
            wrote = true;
          } else {
            uint8_t key[17];
            key[0] = exporter[0];
            memcpy(key + 1, exporter + 2, 16);
            count_drop(r, key);
          }
        }
        if (n < BATCH) break;
      }
    }
    /* The reader sleeps (SLEEPING = 1): one wake request at a time through the JS thread. */
    if (wrote && __atomic_load_n(&r->control[SLEEPING], __ATOMIC_SEQ_CST) == 1 &&
        __atomic_exchange_n(&r->wake_pending, 1, __ATOMIC_SEQ_CST) == 0) {
      if (napi_call_threadsafe_function(r->wake, NULL, napi_tsfn_nonblocking) != napi_ok) __atomic_store_n(&r->wake_pending, 0, __ATOMIC_SEQ_CST);
    }
    /* A thin round (a paced stream wakes poll() for every datagram or two): let the socket
     * buffer gather a batch before the next poll, instead of two system calls and a context
     * switch per datagram. */
    if (taken < PAUSE_BELOW) {
      struct timespec pause = {.tv_sec = 0, .tv_nsec = PAUSE_NS};
      nanosleep(&pause, NULL);
    }
  }
  return NULL;
}

static void call_wake(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)data;
  receiver_t *r = context;
  __atomic_store_n(&r->wake_pending, 0, __ATOMIC_SEQ_CST);
  if (env == NULL || js_cb == NULL) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, js_cb, 0, NULL, NULL);
}

static void stop_thread(receiver_t *r);

static void receiver_free(receiver_t *r);

/* Node finalizes the thread-safe function after our release, or when the environment ends: the
 * receive thread must not call it after that, so it is stopped first. */
static void wake_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver_t *r = data;
  stop_thread(r);
  r->wake = NULL;
  if (--r->owners == 0) receiver_free(r);
}

static void stop_thread(receiver_t *r) {
  if (r->running) {
    uint64_t one = 1;
    ssize_t w = write(r->stop_fd, &one, sizeof one);
    (void)w;
    pthread_join(r->thread, NULL);
    r->running = false;
  }
  for (int i = 0; i < r->nfds; i++) close(r->fds[i]);
  r->nfds = 0;
}

static void receiver_free(receiver_t *r) {
  if (r->stop_fd >= 0) close(r->stop_fd);
  pthread_mutex_destroy(&r->drops_lock);
  free(r->drops);
  free(r->buffers);
  free(r);
}

static void receiver_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  receiver_t *r = data;
  stop_thread(r);
  if (r->data_ref) napi_delete_reference(env, r->data_ref);
  if (r->control_ref) napi_delete_reference(env, r->control_ref);
  r->data_ref = r->control_ref = NULL;
  if (r->wake) napi_release_threadsafe_function(r->wake, napi_tsfn_abort);
  if (--r->owners == 0) receiver_free(r);
}

static receiver_t *this_receiver(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "SAKI_ERR_NATIVE_ARGUMENT", "not a native UDP receiver");
    return NULL;
  }
  return data;
}

static napi_value receiver_bind(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  receiver_t *r = this_receiver(env, info, &argc, argv);
  if (!r) return NULL;
  if (r->running) return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "bind after start");
  if (r->nfds >= MAX_SOCKETS) return throw_code(env, "SAKI_ERR_LISTEN_FAILED", "too many listeners for the native receiver");
  char address[64];
  size_t alen = 0;
  uint32_t port = 0, buffer = 0;
  bool ipv6 = false;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], address, sizeof address, &alen) != napi_ok || napi_get_value_uint32(env, argv[1], &port) != napi_ok ||
      napi_get_value_bool(env, argv[2], &ipv6) != napi_ok || napi_get_value_uint32(env, argv[3], &buffer) != napi_ok || port > 65535) {
    return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "bind(address, port, ipv6, recvBufferBytes)");
  }
  struct sockaddr_storage ss;
  socklen_t sl;
  memset(&ss, 0, sizeof ss);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return throw_code(env, "SAKI_ERR_LISTEN_FAILED", "not an IPv6 address");
    sl = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return throw_code(env, "SAKI_ERR_LISTEN_FAILED", "not an IPv4 address");
    sl = sizeof *a;
  }
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_code(env, "SAKI_ERR_LISTEN_FAILED", strerror(errno));
  int on = 1;
  if (ipv6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  if (buffer > 0) {
    int b = (int)(buffer > 0x3fffffff ? 0x3fffffff : buffer);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &b, sizeof b);
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
    int e = errno;
    close(fd);
    char msg[96];
    snprintf(msg, sizeof msg, "bind: %s", strerror(e));
    return throw_code(env, "SAKI_ERR_LISTEN_FAILED", msg);
  }
  struct sockaddr_storage got;
  socklen_t gl = sizeof got;
  getsockname(fd, (struct sockaddr *)&got, &gl);
  uint16_t bound = got.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&got)->sin_port) : ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
  int granted = 0;
  socklen_t gsl = sizeof granted;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &gsl);
  r->fds[r->nfds++] = fd;
  napi_value out, v;
  napi_create_array_with_length(env, 2, &out);
  napi_create_uint32(env, bound, &v);
  napi_set_element(env, out, 0, v);
  napi_create_int32(env, granted, &v);
  napi_set_element(env, out, 1, v);
  return out;
}

static napi_value receiver_start(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = this_receiver(env, info, &argc, NULL);
  if (!r) return NULL;
  if (r->running) return NULL;
  if (pthread_create(&r->thread, NULL, receive_loop, r) != 0) return throw_code(env, "SAKI_ERR_LISTEN_FAILED", "cannot start the receive thread");
  r->running = true;
  return NULL;
}

static napi_value receiver_stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = this_receiver(env, info, &argc, NULL);
  if (!r) return NULL;
  stop_thread(r);
  return NULL;
}

/* [exporter, count, …] since the last call; the shared bucket is reported as "" (the caller maps it). */
static napi_value receiver_take_drops(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  receiver_t *r = this_receiver(env, info, &argc, NULL);
  if (!r) return NULL;
  napi_value out;
  napi_create_array(env, &out);
  uint32_t k = 0;
  pthread_mutex_lock(&r->drops_lock);
  for (size_t i = 0; i < DROP_SLOTS && r->drop_entries > 0; i++) {
    drop_slot_t *s = &r->drops[i];
    if (!s->used) continue;
    char text[INET6_ADDRSTRLEN];
    inet_ntop(s->key[0] == 4 ? AF_INET : AF_INET6, s->key + 1, text, sizeof text);
    napi_value t, c;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &t);
    napi_create_double(env, (double)s->count, &c);
    napi_set_element(env, out, k++, t);
    napi_set_element(env, out, k++, c);
    s->used = false;
    r->drop_entries--;
  }
  if (r->drops_over_limit > 0) {
    napi_value t, c;
    napi_create_string_utf8(env, "", 0, &t);
    napi_create_double(env, (double)r->drops_over_limit, &c);
    napi_set_element(env, out, k++, t);
    napi_set_element(env, out, k++, c);
    r->drops_over_limit = 0;
  }
  pthread_mutex_unlock(&r->drops_lock);
  return out;
}

napi_value create_udp_receiver(napi_env env, napi_callback_info info) {
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  /* The ring's integers are little-endian (DataView …, true); this code writes host order. */
  return throw_code(env, "SAKI_ERR_NATIVE_UNAVAILABLE", "the native receiver needs a little-endian host");
#endif
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "ringData, ringControl and wake expected");
  bool typed = false;
  napi_typedarray_type t1, t2;
  size_t n1, n2;
  void *d1, *d2;
  napi_is_typedarray(env, argv[0], &typed);
  if (!typed || napi_get_typedarray_info(env, argv[0], &t1, &n1, &d1, NULL, NULL) != napi_ok || t1 != napi_uint8_array || n1 < 4096 || n1 % 4 != 0) {
    return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "ringData must be a Uint8Array over the ring's data");
  }
  napi_is_typedarray(env, argv[1], &typed);
  if (!typed || napi_get_typedarray_info(env, argv[1], &t2, &n2, &d2, NULL, NULL) != napi_ok || t2 != napi_int32_array || n2 < 4) {
    return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "ringControl must be an Int32Array over the ring's control words");
  }
  napi_valuetype ft;
  napi_typeof(env, argv[2], &ft);
  if (ft != napi_function) return throw_code(env, "SAKI_ERR_NATIVE_ARGUMENT", "wake must be a function");
  receiver_t *r = calloc(1, sizeof *r);
  if (!r) return throw_code(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory");
  r->drops = calloc(DROP_SLOTS, sizeof *r->drops);
  r->buffers = malloc((size_t)BATCH * MAX_DATAGRAM);
  r->stop_fd = eventfd(0, EFD_CLOEXEC);
  if (!r->drops || !r->buffers || r->stop_fd < 0) {
    free(r->drops);
    free(r->buffers);
    if (r->stop_fd >= 0) close(r->stop_fd);
    free(r);
    return throw_code(env, "SAKI_ERR_NATIVE_MEMORY", "out of memory");
  }
  pthread_mutex_init(&r->drops_lock, NULL);
  r->data = d1;
  r->capacity = n1;
  r->control = d2;
  napi_create_reference(env, argv[0], 1, &r->data_ref);
  napi_create_reference(env, argv[1], 1, &r->control_ref);
  napi_value name;
  napi_create_string_utf8(env, "sakimori-udp-wake", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, r, wake_finalized, r, call_wake, &r->wake) != napi_ok) {
    napi_delete_reference(env, r->data_ref);
    napi_delete_reference(env, r->control_ref);
    receiver_free(r);
    return throw_code(env, "SAKI_ERR_NATIVE_MEMORY", "cannot create the wake function");
  }
  r->owners = 2;
  /* The receiver does not keep the process alive by itself: the collector's sockets did not either. */
  napi_unref_threadsafe_function(env, r->wake);
  napi_value obj;
  napi_property_descriptor props[] = {
    {"bind", NULL, receiver_bind, NULL, NULL, NULL, napi_default, NULL},
    {"start", NULL, receiver_start, NULL, NULL, NULL, napi_default, NULL},
    {"stop", NULL, receiver_stop, NULL, NULL, NULL, napi_default, NULL},
    {"takeDrops", NULL, receiver_take_drops, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_create_object(env, &obj);
  napi_define_properties(env, obj, sizeof props / sizeof props[0], props);
  if (napi_wrap(env, obj, r, receiver_finalize, NULL, NULL) != napi_ok) {
    receiver_finalize(env, r, NULL);
    return NULL;
  }
  return obj;
}
