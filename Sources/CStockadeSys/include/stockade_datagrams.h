/* Batched UDP I/O for the DNS proxy: recvmmsg(2) and sendmmsg(2).
 * `struct mmsghdr` and both calls need _GNU_SOURCE, which Swift's Glibc
 * module does not define, so Swift sees only these plain slots. */
#ifndef STOCKADE_DATAGRAMS_H
#define STOCKADE_DATAGRAMS_H

#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most slots one call handles; callers pass at most this many. */
#define STK_DATAGRAM_BATCH_MAX 64

/* One datagram. Receive: `data` has room for `capacity` bytes; the call
 * sets `length`, `truncated` (the datagram was longer than `capacity`),
 * `address` and `address_length`. Send: `length` bytes of `data` go to
 * `address` (`address_length` bytes), or to the connected peer when
 * `address_length` is 0. */
struct stk_datagram {
    unsigned char *data;
    uint32_t capacity;
    uint32_t length;
    uint32_t truncated;
    uint32_t address_length;
    struct sockaddr_storage address;
};

/* Non-blocking recvmmsg(2) into `slots`: the number filled (fewer than
 * `count` means the queue was empty), or -errno (-EAGAIN: nothing waiting). */
int stk_receive_datagrams(int fd, struct stk_datagram *slots, unsigned count);

/* sendmmsg(2) of every slot, MSG_NOSIGNAL|MSG_DONTWAIT. A slot the kernel
 * refuses (a full socket buffer, an ICMP error queued on a connected
 * socket) is skipped, as a lost datagram, and the rest still go. Returns
 * how many were accepted; `*first_errno` gets the first refusal's errno
 * (0 when none). */
int stk_send_datagrams(int fd, const struct stk_datagram *slots, unsigned count, int *first_errno);

#ifdef __cplusplus
}
#endif

#endif
