/*
 * The benchmark's plain-text load generator: MEMBERS sockets join a relay,
 * the first SENDERS of them send lines for SECONDS (flat out, or at RATE lines
 * a second in all), and every member counts what the relay delivers and how
 * long each line took. C with recvmmsg, so that it is not what limits the
 * relay it measures.
 *
 *   load PORT MEMBERS SENDERS SECONDS RATE
 *
 * Joining: each member sends "hello"; a udpchat server answers with a join
 * code ("join 1234"), which is sent back; other relays just remember the
 * address. Prints one JSON line of results.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_LATENCY_US 2000000

static int members, senders, seconds, rate, port;
static int *sockets;
static struct sockaddr_in relay;
static atomic_int sending = 1;
static atomic_long sent = 0;
static long delivered = 0;
static uint32_t *latency; /* histogram, one bucket per microsecond */

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void send_text(int fd, const char *text) {
  sendto(fd, text, strlen(text), 0, (struct sockaddr *)&relay, sizeof relay);
}

/* Takes one datagram's worth of text: a line carrying "@@<ns>@@" counts. */
static void count(const char *data, size_t size, int64_t at) {
  const char *mark = memmem(data, size, "@@", 2);
  if (mark == NULL) return;
  int64_t then = strtoll(mark + 2, NULL, 10);
  if (then <= 0) return;
  int64_t us = (at - then) / 1000;
  if (us < 0) us = 0;
  if (us >= MAX_LATENCY_US) us = MAX_LATENCY_US - 1;
  latency[us]++;
  delivered++;
}

/* Answers a udpchat join code; returns 1 once the member is in. */
static int join_step(int fd, const char *data, size_t size) {
  char text[512];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  memcpy(text, data, n);
  text[n] = 0;
  const char *code = strstr(text, "join ");
  if (code && code[5] >= '0' && code[5] <= '9') {
    char reply[32];
    snprintf(reply, sizeof reply, "join %.4s\n", code + 5);
    send_text(fd, reply);
    return 0;
  }
  return strstr(text, "you are") != NULL;
}

static void *send_loop(void *unused) {
  (void)unused;
  char line[128];
  int64_t start = now_ns();
  int64_t end = start + (int64_t)seconds * 1000000000;
  long n = 0;
  while (now_ns() < end) {
    if (rate > 0) {
      int64_t due = start + n * 1000000000 / rate;
      int64_t wait = due - now_ns();
      if (wait > 0) {
        struct timespec pause = {wait / 1000000000, wait % 1000000000};
        nanosleep(&pause, NULL);
      }
    }
    int fd = sockets[n % senders];
    int size = snprintf(line, sizeof line, "line %ld @@%lld@@ of typical length\n", n,
                        (long long)now_ns());
    if (sendto(fd, line, size, 0, (struct sockaddr *)&relay, sizeof relay) > 0) n++;
  }
  atomic_store(&sent, n);
  atomic_store(&sending, 0);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: load PORT MEMBERS SENDERS SECONDS RATE\n");
    return 2;
  }
  port = atoi(argv[1]);
  members = atoi(argv[2]);
  senders = atoi(argv[3]);
  seconds = atoi(argv[4]);
  rate = atoi(argv[5]);
  latency = calloc(MAX_LATENCY_US, sizeof *latency);
  sockets = calloc(members, sizeof *sockets);
  relay.sin_family = AF_INET;
  relay.sin_port = htons(port);
  relay.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int epoll = epoll_create1(0);
  for (int i = 0; i < members; i++) {
    sockets[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 4 << 20;
    setsockopt(sockets[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(sockets[i], (struct sockaddr *)&any, sizeof any);
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(epoll, EPOLL_CTL_ADD, sockets[i], &event);
  }

  struct mmsghdr messages[BATCH];
  struct iovec vectors[BATCH];
  static char buffers[BATCH][2048];
  for (int i = 0; i < BATCH; i++) {
    vectors[i] = (struct iovec){buffers[i], sizeof buffers[i]};
    messages[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &vectors[i], .msg_iovlen = 1}};
  }

  /* Join: hello, then answer any join code, until all are in or 3 s pass. */
  char *in = calloc(members, 1);
  int joined = 0;
  for (int i = 0; i < members; i++) send_text(sockets[i], "hello\n");
  int64_t give_up = now_ns() + 3000000000LL;
  struct epoll_event ready[BATCH];
  while (joined < members && now_ns() < give_up) {
    int n = epoll_wait(epoll, ready, BATCH, 100);
    for (int r = 0; r < n; r++) {
      int i = ready[r].data.u32;
      int got = recvmmsg(sockets[i], messages, BATCH, 0, NULL);
      for (int m = 0; m < got; m++) {
        if (!in[i] && join_step(sockets[i], buffers[m], messages[m].msg_len)) {
          in[i] = 1;
          joined++;
        }
      }
    }
  }
  /* A relay that does not answer (the tutorial's) has everyone once they said hello. */
  int answering = joined > 0;
  usleep(300000);
  for (int i = 0; i < members; i++) {
    while (recvmmsg(sockets[i], messages, BATCH, 0, NULL) > 0) {}
  }

  pthread_t sender;
  pthread_create(&sender, NULL, send_loop, NULL);
  int64_t stop_at = 0;
  for (;;) {
    if (!atomic_load(&sending) && stop_at == 0) stop_at = now_ns() + 500000000;
    if (stop_at && now_ns() > stop_at) break;
    int n = epoll_wait(epoll, ready, BATCH, 50);
    for (int r = 0; r < n; r++) {
      int i = ready[r].data.u32;
      int got;
      while ((got = recvmmsg(sockets[i], messages, BATCH, 0, NULL)) > 0) {
        int64_t at = now_ns();
        for (int m = 0; m < got; m++) count(buffers[m], messages[m].msg_len, at);
      }
    }
  }
  pthread_join(sender, NULL);

  long total = 0, p50 = -1, p99 = -1;
  for (int us = 0; us < MAX_LATENCY_US; us++) {
    total += latency[us];
    if (p50 < 0 && total * 2 >= delivered) p50 = us;
    if (p99 < 0 && total * 100 >= delivered * 99) p99 = us;
  }
  printf("{\"members\":%d,\"joined\":%d,\"answering\":%s,\"sent\":%ld,\"delivered\":%ld,"
         "\"seconds\":%d,\"p50_us\":%ld,\"p99_us\":%ld}\n",
         members, answering ? joined : members, answering ? "true" : "false",
         atomic_load(&sent), delivered, seconds, p50, p99);
  return 0;
}
