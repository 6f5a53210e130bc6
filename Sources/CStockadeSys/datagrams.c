#define _GNU_SOURCE
#include "stockade_datagrams.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

int stk_receive_datagrams(int fd, struct stk_datagram *slots, unsigned count)
{
    struct mmsghdr msgs[STK_DATAGRAM_BATCH_MAX];
    struct iovec iov[STK_DATAGRAM_BATCH_MAX];
    if (count > STK_DATAGRAM_BATCH_MAX)
        count = STK_DATAGRAM_BATCH_MAX;
    memset(msgs, 0, sizeof(msgs[0]) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = slots[i].data;
        iov[i].iov_len = slots[i].capacity;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &slots[i].address;
        msgs[i].msg_hdr.msg_namelen = sizeof(slots[i].address);
    }
    int n;
    do {
        n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (int i = 0; i < n; i++) {
        slots[i].length = msgs[i].msg_len;
        slots[i].truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        slots[i].address_length = msgs[i].msg_hdr.msg_namelen;
    }
    return n;
}

int stk_send_datagrams(int fd, const struct stk_datagram *slots, unsigned count, int *first_errno)
{
    struct mmsghdr msgs[STK_DATAGRAM_BATCH_MAX];
    struct iovec iov[STK_DATAGRAM_BATCH_MAX];
    int sent = 0;
    *first_errno = 0;
    while (count > 0) {
        unsigned chunk = count > STK_DATAGRAM_BATCH_MAX ? STK_DATAGRAM_BATCH_MAX : count;
        memset(msgs, 0, sizeof(msgs[0]) * chunk);
        for (unsigned i = 0; i < chunk; i++) {
            iov[i].iov_base = slots[i].data;
            iov[i].iov_len = slots[i].length;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            /* sendmmsg only reads the address; the cast drops const for the struct field. */
            msgs[i].msg_hdr.msg_name = slots[i].address_length ? (void *)&slots[i].address : NULL;
            msgs[i].msg_hdr.msg_namelen = slots[i].address_length;
        }
        int n = sendmmsg(fd, msgs, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* The first slot was refused: record it, skip it, go on. */
            if (*first_errno == 0)
                *first_errno = errno;
            n = 0;
            slots++;
            count--;
        } else {
            sent += n;
        }
        slots += n;
        count -= (unsigned)n;
    }
    return sent;
}
