/*
 * The benchmark's acknowledged (v2) load generator: COUNT members, each on a
 * socket of its own, join a udpchat server, then each says SEND messages and
 * receives, orders and acknowledges what the server relays, as a client does
 * (docs/PROTOCOL.md sections 2 and 5). C with epoll and recvmmsg, in one
 * process, so that the members are not what limits the server they measure;
 * bench/v1_members.ts is the same load from real sessions.
 *
 *   members PORT COUNT EXPECT SEND
 *
 * Speaks as bench/v1_members.ts does: prints "ready N restarted 0" once all
 * are in, waits for "go" on standard input, prints {"ms":...} once every
 * member has received EXPECT messages (history aside), and leaves at "leave".
 * Idle members ping as the server tells them (section 8), so that a room of
 * them idles as one of real clients does.
 * The server's frames are read by searching the text, which is enough for
 * the frames it sends; it is not a client.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define SIZE 2048
#define SEEN_BITS (1 << 16) /* stream numbers a member can take in */
#define WINDOW 32           /* own messages in flight */
#define RTO_NS 250000000LL  /* resend own messages unacknowledged this long */
#define ACK_DELAY_NS 10000000LL
#define ACK_EVERY 8
#define JOIN_RETRY_NS 500000000LL
#define MS 1000000LL

struct member {
  int fd;
  int connected;
  char nick[32], session[24], cookie[96], token[48];
  int64_t joined_at; /* last join sent */
  int64_t last_sent, ping_at; /* ping_at: the slot the server gave, 0 if none */
  int64_t heartbeat;
  /* Own stream: messages 1..send, then the leave; `next` is the next number to send. */
  int next, acked;
  int64_t sent_at[WINDOW];
  /* The server's stream. */
  uint8_t *seen;
  int delivered, highest, unacked;
  int64_t ack_due; /* 0: none pending */
  long messages;
};

static struct member *all;
static int count, expect, send_count;
static struct sockaddr_in server;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void send_text(struct member *m, const char *text, size_t size) {
  sendto(m->fd, text, size, 0, (struct sockaddr *)&server, sizeof server);
  m->last_sent = now_ns();
}

static void send_join(struct member *m, int64_t now) {
  char head[256], text[512];
  int size = snprintf(head, sizeof head, "{\"udpchat\":2,\"type\":\"join\",\"nick\":\"%s\","
                      "\"session\":\"%s\"%s%s%s,\"pad\":\"", m->nick, m->session,
                      m->cookie[0] ? ",\"cookie\":\"" : "", m->cookie, m->cookie[0] ? "\"" : "");
  int pad = 256 - size - 2; /* joins are padded to 256 bytes */
  if (pad < 0) pad = 0;
  memcpy(text, head, size);
  memset(text + size, 'x', pad);
  memcpy(text + size + pad, "\"}", 2);
  send_text(m, text, size + pad + 2);
  m->joined_at = now;
}

/* Copies the string value of "key":"..." into out; 0 if it is not there. */
static int string_field(const char *data, size_t size, const char *key, char *out, size_t room) {
  char pattern[32];
  int length = snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *at = memmem(data, size, pattern, length);
  if (at == NULL) return 0;
  at += length;
  const char *end = memchr(at, '"', data + size - at);
  if (end == NULL || (size_t)(end - at) >= room) return 0;
  memcpy(out, at, end - at);
  out[end - at] = 0;
  return 1;
}

/* The number after "key":, or fallback when it is not there. */
static long number_field(const char *data, size_t size, const char *key, long fallback) {
  char pattern[32];
  int length = snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = memmem(data, size, pattern, length);
  return at == NULL ? fallback : atol(at + length);
}

static void ping(struct member *m, int64_t now) {
  char text[128];
  int size = snprintf(text, sizeof text, "{\"udpchat\":2,\"type\":\"ping\",\"token\":\"%s\","
                      "\"t\":%lld}", m->token, (long long)(now / MS));
  send_text(m, text, size);
  m->ping_at = 0;
}

static int is_seen(struct member *m, int n) { return m->seen[n >> 3] & (1 << (n & 7)); }

static void send_ack(struct member *m) {
  char text[1024];
  int size = snprintf(text, sizeof text, "{\"udpchat\":2,\"type\":\"ack\",\"token\":\"%s\",\"n\":%d,"
                      "\"sack\":[", m->token, m->delivered);
  int listed = 0;
  for (int n = m->delivered + 1; n <= m->highest && listed < 64; n++) {
    if (!is_seen(m, n)) continue;
    size += snprintf(text + size, sizeof text - size, "%s%d", listed ? "," : "", n);
    listed++;
  }
  size += snprintf(text + size, sizeof text - size, "]}");
  send_text(m, text, size);
  m->unacked = 0;
  m->ack_due = 0;
}

/* Takes the server's stream frames in one datagram: each starts at its "n". */
static void take_frames(struct member *m, const char *data, size_t size, int64_t now) {
  const char *end = data + size, *at = memmem(data, size, "\"n\":", 4);
  int out_of_order = 0;
  while (at != NULL) {
    const char *next = memmem(at + 4, end - at - 4, "\"n\":", 4);
    const char *stop = next ? next : end;
    int n = atoi(at + 4);
    if (n <= 0 || n >= SEEN_BITS) break;
    if (is_seen(m, n)) {
      out_of_order = 1; /* a duplicate: our ack was lost */
    } else {
      m->seen[n >> 3] |= 1 << (n & 7);
      if (n > m->highest) m->highest = n;
      if (n != m->delivered + 1) out_of_order = 1;
      while (m->delivered + 1 < SEEN_BITS && is_seen(m, m->delivered + 1)) m->delivered++;
      if (memmem(at, stop - at, "\"type\":\"msg\"", 12) &&
          !memmem(at, stop - at, "\"history\":true", 14)) {
        m->messages++;
      }
    }
    m->unacked++;
    at = next;
  }
  if (out_of_order || m->unacked >= ACK_EVERY) send_ack(m);
  else if (m->unacked > 0 && m->ack_due == 0) m->ack_due = now + ACK_DELAY_NS;
}

static void take(struct member *m, const char *data, size_t size, int64_t now) {
  if (memmem(data, size, "\"type\":\"retry\"", 14)) {
    if (string_field(data, size, "cookie", m->cookie, sizeof m->cookie)) send_join(m, now);
  } else if (memmem(data, size, "\"type\":\"welcome\"", 16)) {
    if (string_field(data, size, "token", m->token, sizeof m->token)) m->connected = 1;
    m->heartbeat = number_field(data, size, "heartbeat", 2000) * MS;
  } else if (memmem(data, size, "\"type\":\"pong\"", 13)) {
    m->heartbeat = number_field(data, size, "heartbeat", m->heartbeat / MS) * MS;
    long next = number_field(data, size, "next", -1);
    if (next >= 0) m->ping_at = now + next * MS;
  } else if (memmem(data, size, "\"type\":\"ack\"", 12)) {
    const char *n = memmem(data, size, "\"n\":", 4);
    if (n != NULL && atoi(n + 4) > m->acked) m->acked = atoi(n + 4);
  } else if (m->connected) {
    take_frames(m, data, size, now);
  }
}

/*
 * Sends the member's stream: new frames up to `last` as far as the window allows, and again any
 * unacknowledged for RTO_NS. Frames 1..send_count are messages; send_count + 1 is the leave.
 */
static void speak(struct member *m, int last, int64_t now) {
  while (m->next <= last && m->next - m->acked <= WINDOW) {
    m->sent_at[m->next++ % WINDOW] = now - RTO_NS; /* due at once */
  }
  char text[256];
  for (int n = m->acked + 1; n < m->next; n++) {
    if (now - m->sent_at[n % WINDOW] < RTO_NS) continue;
    int size = n > send_count
      ? snprintf(text, sizeof text, "{\"udpchat\":2,\"token\":\"%s\",\"n\":%d,\"type\":\"leave\"}",
                 m->token, n)
      : snprintf(text, sizeof text, "{\"udpchat\":2,\"token\":\"%s\",\"n\":%d,\"type\":\"msg\","
                 "\"text\":\"benchmark message %d\"}", m->token, n, n);
    send_text(m, text, size);
    m->sent_at[n % WINDOW] = now;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: members PORT COUNT EXPECT SEND\n");
    return 2;
  }
  server.sin_family = AF_INET;
  server.sin_port = htons(atoi(argv[1]));
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  count = atoi(argv[2]);
  expect = atoi(argv[3]);
  send_count = atoi(argv[4]);
  all = calloc(count, sizeof *all);
  int poll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(poll, EPOLL_CTL_ADD, 0, &event);
  srandom(getpid());
  const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int64_t start = now_ns();
  for (int i = 0; i < count; i++) {
    struct member *m = &all[i];
    m->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in local = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    bind(m->fd, (struct sockaddr *)&local, sizeof local);
    snprintf(m->nick, sizeof m->nick, "c%dx%d", getpid() % 10000, i);
    for (int k = 0; k < 22; k++) m->session[k] = alphabet[random() % 64];
    m->seen = calloc(SEEN_BITS / 8, 1);
    m->next = 1; /* the first frame of its stream */
    event.data.u32 = i;
    epoll_ctl(poll, EPOLL_CTL_ADD, m->fd, &event);
    send_join(m, start);
  }
  struct mmsghdr messages[BATCH];
  struct iovec vectors[BATCH];
  static char buffers[BATCH][SIZE];
  for (int k = 0; k < BATCH; k++) {
    vectors[k] = (struct iovec){buffers[k], SIZE};
    messages[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &vectors[k], .msg_iovlen = 1}};
  }
  /* 0 joining, 1 ready, 2 saying, 3 done, 4 leaving */
  int phase = 0;
  int64_t go_at = 0, leave_at = 0;
  struct epoll_event ready[64];
  for (;;) {
    int64_t now = now_ns();
    int woken = epoll_wait(poll, ready, 64, 2);
    now = now_ns();
    for (int e = 0; e < woken; e++) {
      if (ready[e].data.u32 == UINT32_MAX) {
        char line[64];
        ssize_t got = read(0, line, sizeof line);
        if (got <= 0 || phase == 2 || phase == 3) {
          if (got <= 0 || phase == 3) {
            phase = 4;
            leave_at = now;
            for (int i = 0; i < count; i++) speak(&all[i], send_count + 1, now);
          }
          if (got <= 0) epoll_ctl(poll, EPOLL_CTL_DEL, 0, NULL);
        } else if (phase == 1) {
          phase = 2;
          go_at = now;
          for (int i = 0; i < count; i++) speak(&all[i], send_count, now);
        }
        continue;
      }
      struct member *m = &all[ready[e].data.u32];
      int got;
      while ((got = recvmmsg(m->fd, messages, BATCH, MSG_DONTWAIT, NULL)) > 0) {
        for (int k = 0; k < got; k++) take(m, buffers[k], messages[k].msg_len, now);
      }
    }
    int connected = 0, finished = 0;
    for (int i = 0; i < count; i++) {
      struct member *m = &all[i];
      if (!m->connected && now - m->joined_at >= JOIN_RETRY_NS) send_join(m, now);
      if (m->ack_due != 0 && now >= m->ack_due) send_ack(m);
      if (m->connected && phase != 4) {
        int slot = m->ping_at != 0 && now >= m->ping_at && now - m->last_sent >= 100 * MS;
        if (slot || now - m->last_sent >= m->heartbeat) ping(m, now);
      }
      if (phase >= 2) speak(m, phase == 4 ? send_count + 1 : send_count, now);
      connected += m->connected;
      finished += m->messages >= expect;
    }
    if (phase == 0 && connected == count) {
      phase = 1;
      printf("ready %d restarted 0\n", count);
      fflush(stdout);
    }
    if (phase == 2 && finished == count) {
      phase = 3;
      printf("{\"ms\":%.3f}\n", (now - go_at) / 1e6);
      fflush(stdout);
    }
    if (phase == 4 && now - leave_at > 300000000LL) return 0;
  }
}
