/*
 * Benchmark traffic source in C: the same job as udp-sender.ts (send a recorded export stream to
 * 127.0.0.1:PORT at a fixed datagram rate for a fixed time, print what was sent as JSON), with a
 * fraction of its CPU. On the 2-core benchmark machine the Node sender takes about a core at
 * 25k datagrams/s; that core is taken from both collectors under test. Loopback only.
 *
 * Usage: udp-sender FILE PORT RATE SECONDS
 * FILE: u32 big-endian length-prefixed datagrams; the first is the template, re-sent every 1000
 * data datagrams. Datagrams go out in bursts of what is due every 200 µs, by sendmmsg(2).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BURST 64

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: udp-sender FILE PORT RATE SECONDS\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror("open");
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *raw = malloc((size_t)size);
  if (!raw || fread(raw, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  size_t count = 0, cap = 1024;
  struct iovec *dg = malloc(cap * sizeof *dg);
  for (long off = 0; off + 4 <= size;) {
    uint32_t len = ((uint32_t)raw[off] << 24) | ((uint32_t)raw[off + 1] << 16) | ((uint32_t)raw[off + 2] << 8) | raw[off + 3];
    if (off + 4 + (long)len > size) break;
    if (count == cap) dg = realloc(dg, (cap *= 2) * sizeof *dg);
    dg[count].iov_base = raw + off + 4;
    dg[count].iov_len = len;
    count++;
    off += 4 + (long)len;
  }
  if (count < 2) {
    fprintf(stderr, "stream needs a template and at least one data datagram\n");
    return 1;
  }
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 8 * 1024 * 1024;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&to, sizeof to) != 0) {
    perror("connect");
    return 1;
  }
  struct mmsghdr msgs[BURST];
  memset(msgs, 0, sizeof msgs);
  long sent_data = 0, sent_templates = 0;
  size_t next = 1;
  double t0 = now_s();
  send(s, dg[0].iov_base, dg[0].iov_len, 0);
  sent_templates++;
  double elapsed;
  while ((elapsed = now_s() - t0) < seconds) {
    long target = (long)(elapsed * rate);
    while (sent_data < target) {
      int n = 0;
      while (n < BURST && sent_data + n < target) {
        msgs[n].msg_hdr.msg_iov = &dg[next];
        msgs[n].msg_hdr.msg_iovlen = 1;
        n++;
        next = next + 1 == count ? 1 : next + 1;
        if ((sent_data + n) % 1000 == 0 && n < BURST) {
          msgs[n].msg_hdr.msg_iov = &dg[0];
          msgs[n].msg_hdr.msg_iovlen = 1;
          n++;
          sent_templates++;
          break;
        }
      }
      int done = sendmmsg(s, msgs, (unsigned)n, 0);
      if (done < 0) {
        perror("sendmmsg");
        return 1;
      }
      // Count only data datagrams the kernel took; a short send is retried on the next round.
      int data = 0;
      for (int i = 0; i < done; i++) data += msgs[i].msg_hdr.msg_iov != &dg[0];
      if (done < n) {
        for (int i = done; i < n; i++) {
          if (msgs[i].msg_hdr.msg_iov == &dg[0]) sent_templates--;
          else next = next == 1 ? count - 1 : next - 1;
        }
      }
      sent_data += data;
    }
    struct timespec pause = {0, 200000};
    nanosleep(&pause, NULL);
  }
  elapsed = now_s() - t0;
  usleep(200000);
  /* CPU of this sender (user + system, which includes the kernel's loopback delivery to the receiver's socket). */
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("{\"sentData\":%ld,\"sentTemplates\":%ld,\"seconds\":%.6f,\"achievedRate\":%.3f,\"cpuSeconds\":%.3f}\n", sent_data, sent_templates, elapsed, (double)sent_data / elapsed, cpu);
  close(s);
  return 0;
}
