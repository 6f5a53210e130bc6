/* Socket calls the egress relay needs that the Swift Glibc overlay lacks
 * (splice is _GNU_SOURCE-only; SO_ORIGINAL_DST lives in netfilter headers).
 * Each returns the documented value or -errno. */
#ifndef STOCKADE_RELAY_H
#define STOCKADE_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* splice(2) from `in` to `out`, at most `len` bytes, SPLICE_F_MOVE |
 * SPLICE_F_NONBLOCK. Returns bytes moved, 0 at EOF of `in`, or -errno. */
ssize_t stk_splice(int in, int out, size_t len);

/* pipe2(O_NONBLOCK | O_CLOEXEC), then F_SETPIPE_SZ to `size` (best effort).
 * Returns 0 or -errno; fds[0] read end, fds[1] write end. */
int stk_relay_pipe(int fds[2], int size);

/* The destination a connection had before the nat redirect: getsockopt
 * SO_ORIGINAL_DST (IPv4) or IP6T_SO_ORIGINAL_DST (IPv6). Writes 4 or 16
 * address bytes (network order) into `address` and the port (host order).
 * Returns 0 or -errno. */
int stk_original_destination(int fd, int ipv6, uint8_t address[16], uint16_t *port);

/* Close with an RST instead of a FIN (SO_LINGER 0). */
void stk_close_reset(int fd);

/* Non-blocking connect of a new TCP socket to the address (4 or 16 bytes,
 * network order) and port. Returns the fd (connect in progress or done) or
 * -errno. */
int stk_connect_nonblocking(int ipv6, const uint8_t *address, uint16_t port);

/* SO_ERROR of a socket: 0 when a non-blocking connect succeeded. */
int stk_socket_error(int fd);

/* accept4(SOCK_NONBLOCK | SOCK_CLOEXEC); returns the fd or -errno. */
int stk_accept_nonblocking(int listener);

/* bind to the loopback address of the family (127.0.0.1 / ::1, IPV6_V6ONLY)
 * and `port` (0: any), then listen. Returns the bound port or -errno. */
int stk_listen_loopback(int fd, int ipv6, uint16_t port, int backlog);

/* bind a UDP or TCP socket to the IPv4 address (network order) and port;
 * TCP also listens. Returns 0 or -errno. */
int stk_bind_ipv4(int fd, uint32_t address_be, uint16_t port, int listen_backlog);

/* O_NONBLOCK on a descriptor. Returns 0 or -errno. */
int stk_set_nonblocking(int fd);

#ifdef __cplusplus
}
#endif

#endif
