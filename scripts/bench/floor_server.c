/* The floor of scripts/bench/redirect-vs-nginx: what serving a 301 costs when the server does
 * nothing but the kernel's part. One thread, one epoll loop, non-blocking sockets, keep-alive.
 * For each readable connection: ONE read(), the complete requests in it counted (occurrences of
 * "\r\n\r\n", a partial one carried to the next read), and ONE write() of that many copies of a
 * fixed 301. No parsing, no lookup. A write the socket cannot take whole closes the connection
 * (it never happens at the pipelining depth of the benchmark).
 *
 * Usage: floor_server ADDRESS PORT   (e.g. floor_server 127.0.0.1 8080) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char answer[] = "HTTP/1.1 301 Moved Permanently\r\n"
                             "Location: https://forum.brum.coop/t/x/1\r\n"
                             "Content-Length: 0\r\n"
                             "Connection: keep-alive\r\n\r\n";
#define ANSWER_LEN (sizeof answer - 1)
#define READ_SIZE 65536
#define MAX_ANSWERS (READ_SIZE / 4 + 1) /* the shortest request is "\r\n\r\n" */
#define MAX_FDS 65536

static char tail[MAX_FDS][3]; /* the last bytes of a read that may begin a "\r\n\r\n" */
static unsigned char tail_len[MAX_FDS];
static char in[3 + READ_SIZE];
static char out[MAX_ANSWERS * ANSWER_LEN]; /* MAX_ANSWERS copies of the answer, made once */

static void serve(int fd) {
  size_t kept = tail_len[fd], count = 0, after = 0;
  memcpy(in, tail[fd], kept);
  ssize_t n = read(fd, in + kept, READ_SIZE);
  if (n <= 0) { /* EOF or error (EAGAIN cannot happen: the socket was readable) */
    close(fd);
    return;
  }
  size_t len = kept + (size_t)n;
  for (size_t i = 0; i + 4 <= len; i++)
    if (memcmp(in + i, "\r\n\r\n", 4) == 0) {
      count++;
      i += 3;
      after = i + 1;
    }
  size_t left = len - after < 3 ? len - after : 3;
  memcpy(tail[fd], in + len - left, left);
  tail_len[fd] = (unsigned char)left;
  if (count > 0 && write(fd, out, count * ANSWER_LEN) != (ssize_t)(count * ANSWER_LEN))
    close(fd);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < MAX_ANSWERS; i++) memcpy(out + i * ANSWER_LEN, answer, ANSWER_LEN);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  int one = 1, listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1 ||
      bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4096) != 0) {
    perror("floor_server: listen");
    return 1;
  }
  int poller = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener}, events[256];
  epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
  for (;;) {
    int ready = epoll_wait(poller, events, 256, -1);
    for (int e = 0; e < ready; e++) {
      int fd = events[e].data.fd;
      if (fd != listener) {
        serve(fd); /* close() also takes the socket out of the epoll set */
        continue;
      }
      int client;
      while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        if (client >= MAX_FDS) {
          close(client);
          continue;
        }
        tail_len[client] = 0;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        event = (struct epoll_event){.events = EPOLLIN, .data.fd = client};
        epoll_ctl(poller, EPOLL_CTL_ADD, client, &event);
      }
    }
  }
}
