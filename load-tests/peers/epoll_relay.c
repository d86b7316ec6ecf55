// lc_epoll_relay: the ceiling for the relay benchmark. A minimal single-threaded epoll WebSocket
// relay: the two connections that open /r/<room> are paired, and every data frame one sends is
// forwarded unmasked to the other. No persistence, no protocol parsing, no allocation per frame
// beyond buffer growth: what a relay costs when it does nothing else.
//
// Usage: lc_epoll_relay PORT   (listens on 127.0.0.1; stops on SIGTERM/SIGINT)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { max_frame = 1 << 20, room_buckets = 1 << 16, max_events = 256 };

// One client connection; peer is the other side of its room once both have arrived.
struct conn {
  int fd;
  int open;  // handshake done
  char room[64];
  struct conn* peer;
  struct conn* next_waiting;  // chain of the room hash table while unpaired
  char* in;
  size_t in_len, in_cap;
  char* out;
  size_t out_len, out_off, out_cap;
  int want_out;
};

static struct conn* waiting[room_buckets];
static int epfd;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static unsigned hash_room(const char* s) {
  unsigned h = 2166136261u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h & (room_buckets - 1);
}

static void reserve(char** buf, size_t* cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  *buf = realloc(*buf, c);
  if (!*buf) abort();
  *cap = c;
}

static void set_events(struct conn* c, int want_out) {
  if (c->want_out == want_out) return;
  c->want_out = want_out;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void unlink_waiting(struct conn* c) {
  if (!c->room[0] || c->peer) return;
  struct conn** p = &waiting[hash_room(c->room)];
  for (int guard = 0; *p && guard < 1000000; ++guard) {
    if (*p == c) {
      *p = c->next_waiting;
      return;
    }
    p = &(*p)->next_waiting;
  }
}

static void close_conn(struct conn* c) {
  unlink_waiting(c);
  if (c->peer) c->peer->peer = NULL;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
}

// Writes what it can; returns -1 when the connection is dead.
static int flush_out(struct conn* c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n > 0) {
      c->out_off += (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_events(c, 1);
      return 0;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return -1;
    }
  }
  c->out_off = c->out_len = 0;
  set_events(c, 0);
  return 0;
}

static void append_frame(struct conn* c, int opcode, const char* payload, size_t len) {
  size_t hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
  reserve(&c->out, &c->out_cap, c->out_len + hdr + len);
  unsigned char* p = (unsigned char*)c->out + c->out_len;
  p[0] = (unsigned char)(0x80 | opcode);
  if (len < 126) {
    p[1] = (unsigned char)len;
  } else if (len < 65536) {
    p[1] = 126;
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
  } else {
    p[1] = 127;
    for (int i = 0; i < 8; ++i) p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
  }
  memcpy(p + hdr, payload, len);
  c->out_len += hdr + len;
}

static void base64(const unsigned char* in, size_t n, char* out) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    out[o++] = t[(v >> 18) & 63];
    out[o++] = t[(v >> 12) & 63];
    out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? t[v & 63] : '=';
  }
  out[o] = 0;
}

// Returns -1 to drop the connection, 0 when more bytes are needed, 1 when the upgrade is done.
static int handshake(struct conn* c) {
  char* end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (!end) return c->in_len > 8192 ? -1 : 0;
  *end = 0;
  if (strncmp(c->in, "GET /r/", 7) != 0) return -1;
  size_t i = 0;
  for (const char* p = c->in + 7; *p && *p != ' ' && i + 1 < sizeof c->room; ++p) c->room[i++] = *p;
  c->room[i] = 0;
  const char* key = NULL;
  for (char* line = strstr(c->in, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "Sec-WebSocket-Key:", 18) == 0) {
      key = line + 20;
      while (*key == ' ') ++key;
      break;
    }
  }
  if (!key || !c->room[0]) return -1;
  char buf[128];
  size_t klen = strcspn(key, "\r\n ");
  if (klen > 60) return -1;
  snprintf(buf, sizeof buf, "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", (int)klen, key);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1((const unsigned char*)buf, strlen(buf), digest);
  char accept[64];
  base64(digest, sizeof digest, accept);
  char resp[256];
  int n = snprintf(resp, sizeof resp,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                   accept);
  reserve(&c->out, &c->out_cap, c->out_len + (size_t)n);
  memcpy(c->out + c->out_len, resp, (size_t)n);
  c->out_len += (size_t)n;
  size_t used = (size_t)(end + 4 - c->in);
  memmove(c->in, c->in + used, c->in_len - used);
  c->in_len -= used;
  c->open = 1;
  // Pair with whoever waits in the same room, or wait.
  struct conn** p = &waiting[hash_room(c->room)];
  for (int guard = 0; *p && guard < 1000000; ++guard) {
    if (strcmp((*p)->room, c->room) == 0) {
      struct conn* other = *p;
      *p = other->next_waiting;
      other->peer = c;
      c->peer = other;
      return 1;
    }
    p = &(*p)->next_waiting;
  }
  c->next_waiting = waiting[hash_room(c->room)];
  waiting[hash_room(c->room)] = c;
  return 1;
}

// Consumes whole frames from c->in; returns -1 to drop the connection.
static int relay_frames(struct conn* c) {
  size_t off = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    unsigned char* p = (unsigned char*)c->in + off;
    size_t avail = c->in_len - off;
    if (avail < 2) break;
    int opcode = p[0] & 0x0f;
    int masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t)p[2] << 8 | p[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = len << 8 | p[2 + i];
      hdr = 10;
    }
    if (len > max_frame || !masked) return -1;
    if (avail < hdr + 4 + len) break;
    unsigned char* mask = p + hdr;
    char* payload = (char*)p + hdr + 4;
    for (uint64_t i = 0; i < len; ++i) payload[i] ^= (char)mask[i & 3];
    if (opcode == 8) {
      append_frame(c, 8, payload, len < 2 ? len : 2);
      flush_out(c);
      return -1;
    } else if (opcode == 9) {
      append_frame(c, 10, payload, len);
      if (flush_out(c) < 0) return -1;
    } else if (opcode == 1 || opcode == 2 || opcode == 0) {
      if (c->peer) {
        append_frame(c->peer, opcode, payload, len);
        // A dead peer is closed by its own hang-up event, never from here: it may sit later in
        // this same epoll batch.
        (void)flush_out(c->peer);
      }
    }
    off += hdr + 4 + len;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
  return 0;
}

static int on_readable(struct conn* c) {
  for (int guard = 0; guard < 64; ++guard) {
    reserve(&c->in, &c->in_cap, c->in_len + 16384);
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n == 0) return -1;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == EINTR) continue;
      return -1;
    }
    c->in_len += (size_t)n;
    if (!c->open) {
      int h = handshake(c);
      if (h < 0) return -1;
      if (h > 0 && flush_out(c) < 0) return -1;
    }
    if (c->open && relay_frames(c) < 0) return -1;
    if ((size_t)n < 16384) return 0;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (bind(lfd, (struct sockaddr*)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) {
    perror("bind/listen");
    return 1;
  }
  epfd = epoll_create1(0);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
  printf("listening %s\n", argv[1]);
  fflush(stdout);
  struct epoll_event evs[max_events];
  while (!stop) {
    int n = epoll_wait(epfd, evs, max_events, 200);
    for (int i = 0; i < n; ++i) {
      struct conn* c = evs[i].data.ptr;
      if (!c) {
        for (int k = 0; k < 256; ++k) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn* nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      if ((evs[i].events & EPOLLOUT) && flush_out(c) < 0) {
        close_conn(c);
        continue;
      }
      if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && on_readable(c) < 0) close_conn(c);
    }
  }
  close(lfd);
  return 0;
}
