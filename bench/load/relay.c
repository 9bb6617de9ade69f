/*
 * The benchmark's reference: the tutorial's relay in C, single-threaded,
 * one sendto per member. Remembers every address that sent something and
 * relays each datagram to all the others.
 *
 *   relay PORT
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_MEMBERS 4096

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: relay PORT\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in self = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&self, sizeof self) != 0) {
    perror("bind");
    return 1;
  }
  printf("listening on %s\n", argv[1]);
  fflush(stdout);
  static struct sockaddr_in members[MAX_MEMBERS];
  int count = 0;
  char data[65536];
  for (;;) {
    struct sockaddr_in from;
    socklen_t size = sizeof from;
    ssize_t n = recvfrom(fd, data, sizeof data, 0, (struct sockaddr *)&from, &size);
    if (n < 0) continue;
    int known = 0;
    for (int i = 0; i < count; i++) {
      if (members[i].sin_port == from.sin_port && members[i].sin_addr.s_addr == from.sin_addr.s_addr) {
        known = 1;
        continue;
      }
      sendto(fd, data, n, 0, (struct sockaddr *)&members[i], sizeof members[i]);
    }
    if (!known && count < MAX_MEMBERS) members[count++] = from;
  }
}
