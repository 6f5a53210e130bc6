/* Tries netlink protocols from inside a sandbox: `netlink PROTO...` prints
 * "RESULT nl<PROTO> ok" or "RESULT nl<PROTO> denied <errno>". For
 * NETLINK_ROUTE (0) "ok" also means a link dump came back. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dump_links(int fd)
{
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    req.g.rtgen_family = AF_UNSPEC;
    if (send(fd, &req, sizeof req, 0) < 0)
        return -1;
    char buf[16384];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
        return -1;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    return NLMSG_OK(h, (unsigned)n) && h->nlmsg_type == RTM_NEWLINK ? 0 : -1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int proto = atoi(argv[i]);
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
        if (fd < 0) {
            printf("RESULT nl%d denied %d\n", proto, errno);
            continue;
        }
        if (proto == NETLINK_ROUTE && dump_links(fd) < 0)
            printf("RESULT nl%d nodump %d\n", proto, errno);
        else
            printf("RESULT nl%d ok\n", proto);
        close(fd);
    }
    return 0;
}
