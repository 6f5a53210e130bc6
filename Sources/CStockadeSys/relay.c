/* The egress relay's socket shims (see stockade_relay.h). */
#define _GNU_SOURCE
#include "stockade_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

ssize_t stk_splice(int in, int out, size_t len)
{
    ssize_t n = splice(in, NULL, out, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    return n < 0 ? -errno : n;
}

int stk_relay_pipe(int fds[2], int size)
{
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        return -errno;
    if (size > 0)
        (void)fcntl(fds[1], F_SETPIPE_SZ, size);
    return 0;
}

int stk_original_destination(int fd, int ipv6, uint8_t address[16], uint16_t *port)
{
    if (ipv6) {
        struct sockaddr_in6 sa;
        socklen_t len = sizeof sa;
        memset(&sa, 0, sizeof sa);
        if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &sa, &len) < 0)
            return -errno;
        memcpy(address, &sa.sin6_addr, 16);
        *port = ntohs(sa.sin6_port);
    } else {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        memset(&sa, 0, sizeof sa);
        if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &sa, &len) < 0)
            return -errno;
        memcpy(address, &sa.sin_addr, 4);
        *port = ntohs(sa.sin_port);
    }
    return 0;
}

void stk_close_reset(int fd)
{
    struct linger l = { 1, 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

int stk_connect_nonblocking(int ipv6, const uint8_t *address, uint16_t port)
{
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r;
    if (ipv6) {
        struct sockaddr_in6 sa;
        memset(&sa, 0, sizeof sa);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        memcpy(&sa.sin6_addr, address, 16);
        r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        memcpy(&sa.sin_addr, address, 4);
        r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    if (r < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int stk_socket_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return errno;
    return err;
}

int stk_accept_nonblocking(int listener)
{
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return -errno;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int stk_listen_loopback(int fd, int ipv6, uint16_t port, int backlog)
{
    int r;
    if (ipv6) {
        int one = 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        struct sockaddr_in6 sa;
        memset(&sa, 0, sizeof sa);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        sa.sin6_addr = in6addr_loopback;
        r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    if (r < 0 || listen(fd, backlog) < 0)
        return -errno;
    if (stk_set_nonblocking(fd) < 0)
        return -errno;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int stk_bind_ipv4(int fd, uint32_t address_be, uint16_t port, int listen_backlog)
{
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = address_be;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return -errno;
    if (listen_backlog > 0 && listen(fd, listen_backlog) < 0)
        return -errno;
    return stk_set_nonblocking(fd);
}

int stk_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    return 0;
}
