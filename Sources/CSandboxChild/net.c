/* Sockets for the supervisor, made inside the sandbox's network namespace. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <sys/socket.h>

void stk_make_net_sockets(const struct stk_child_config *cfg)
{
    for (size_t i = 0; i < cfg->net_socket_count; i++) {
        const struct stk_net_socket *s = &cfg->net_sockets[i];
        int fd = socket(s->domain, s->type | SOCK_CLOEXEC, s->protocol);
        if (fd < 0) {
            if (!s->optional)
                stk_fail(cfg, STK_STEP_NET_SOCKETS, errno, (int)i);
            stk_report(cfg->report_fd, STK_REPORT_NET_SOCKET, (int)i, errno, -1);
            continue;
        }
        /* Stays open until close_other_fds, after the second "go": by then
         * the supervisor has its copy. */
        stk_report(cfg->report_fd, STK_REPORT_NET_SOCKET, (int)i, 0, fd);
    }
}
