/* Install the parent-compiled BPF with the raw seccomp(2) syscall. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

int stk_install_seccomp(const struct stk_child_config *cfg)
{
    if (cfg->bpf == NULL || cfg->bpf_len == 0)
        return -1;
    struct sock_fprog prog = {
        .len = cfg->bpf_len,
        .filter = (struct sock_filter *)(uintptr_t)cfg->bpf,
    };
    /* NEW_LISTENER: denied syscalls are notified to the supervisor, which
     * answers with an errno and records an event (seccomp_unotify(2)). */
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0)
        stk_fail(cfg, STK_STEP_SECCOMP, errno, 0);
    return (int)fd;
}
