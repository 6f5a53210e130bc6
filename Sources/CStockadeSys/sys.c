#define _GNU_SOURCE
#include "stockade_sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int stk_pidfd_getfd(int pidfd, int fd)
{
    long r = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
    return r < 0 ? -errno : (int)r;
}

int stk_pidfd_send_signal(int pidfd, int sig)
{
    long r = syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
    return r < 0 ? -errno : 0;
}

int stk_mount_setattr_fd(int fd, uint64_t attr_set, uint64_t attr_clr, int recursive)
{
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = attr_set;
    attr.attr_clr = attr_clr;
    unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    long r = syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr);
    return r < 0 ? -errno : 0;
}

int stk_notif_recv(int listener, struct stk_notification *out)
{
    /* The kernel's struct may grow; size the buffer as it says. */
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
        return -errno;
    union {
        struct seccomp_notif n;
        char pad[512];
    } buf;
    if (sizes.seccomp_notif > sizeof buf)
        return -EOVERFLOW;
    memset(&buf, 0, sizeof buf);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &buf.n) < 0)
        return -errno;
    out->id = buf.n.id;
    out->pid = buf.n.pid;
    out->nr = buf.n.data.nr;
    out->arch = buf.n.data.arch;
    for (int i = 0; i < 6; i++)
        out->args[i] = buf.n.data.args[i];
    return 0;
}

int stk_notif_deny(int listener, uint64_t id, int err)
{
    union {
        struct seccomp_notif_resp r;
        char pad[256];
    } buf;
    memset(&buf, 0, sizeof buf);
    buf.r.id = id;
    buf.r.error = -err;
    buf.r.val = 0;
    buf.r.flags = 0; /* never SECCOMP_USER_NOTIF_FLAG_CONTINUE */
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &buf.r) < 0)
        return -errno;
    return 0;
}

int stk_signalfd_for(const int *signals, int count)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++)
        sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -EINVAL;
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int stk_signalfd_read(int fd)
{
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    if (n != (ssize_t)sizeof si)
        return 0;
    return (int)si.ssi_signo;
}

void stk_unblock_signals(const int *signals, int count)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++)
        sigaddset(&set, signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}


int stk_pipe_cloexec(int fds[2])
{
    return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
}

int stk_random_bytes(void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        long n = syscall(SYS_getrandom, (char *)buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)n;
    }
    return 0;
}

int stk_seccomp_notify_available(void)
{
    uint32_t action = SECCOMP_RET_USER_NOTIF;
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int stk_landlock_abi(void)
{
    /* landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) */
    long v = syscall(444, NULL, 0, 1u);
    return v > 0 ? (int)v : 0;
}

#include <sched.h>
#include <sys/socket.h>

int stk_socket_in_netns_of(pid_t pid, int domain, int type, int protocol)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0)
        return -errno;
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) {
        int e = errno;
        close(target);
        return -e;
    }
    int result;
    if (setns(target, CLONE_NEWNET) < 0) {
        result = -errno;
    } else {
        int s = socket(domain, type | SOCK_CLOEXEC, protocol);
        result = s < 0 ? -errno : s;
        /* Returning must not fail silently: a supervisor left in the
         * sandbox's namespace would program the wrong firewall. */
        if (setns(self, CLONE_NEWNET) < 0)
            abort();
    }
    close(target);
    close(self);
    return result;
}

int stk_pidfd_supported(void)
{
    long fd = syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0)
        return 0;
    close((int)fd);
    return 1;
}
