#define _GNU_SOURCE
#include "stockade_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* SECCOMP_IOCTL_NOTIF_SEND: the one answer path for both responses. */
static int notif_send(int listener, uint64_t id, int32_t error, uint32_t flags)
{
    union {
        struct seccomp_notif_resp r;
        char pad[256];
    } buf;
    memset(&buf, 0, sizeof buf);
    buf.r.id = id;
    buf.r.error = error;
    buf.r.val = 0;
    buf.r.flags = flags;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &buf.r) < 0)
        return -errno;
    return 0;
}

int stk_notif_deny(int listener, uint64_t id, int err)
{
    return notif_send(listener, id, -err, 0); /* never SECCOMP_USER_NOTIF_FLAG_CONTINUE */
}

int stk_notif_continue(int listener, uint64_t id)
{
    return notif_send(listener, id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
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

int stk_pidfd_supported(void)
{
    long fd = syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0)
        return 0;
    close((int)fd);
    return 1;
}

/* The header's constants are the system's (see stockade_sys.h). */
_Static_assert(STK_O_PATH == O_PATH, "STK_O_PATH");
_Static_assert(STK_O_TMPFILE == O_TMPFILE, "STK_O_TMPFILE");
_Static_assert(STK_AUDIT_ARCH_X86_64 == AUDIT_ARCH_X86_64, "STK_AUDIT_ARCH_X86_64");
_Static_assert(STK_AUDIT_ARCH_X32 == (EM_X86_64 | __AUDIT_ARCH_LE), "STK_AUDIT_ARCH_X32");
_Static_assert(STK_MFD_CLOEXEC == MFD_CLOEXEC, "STK_MFD_CLOEXEC");
_Static_assert(STK_MFD_ALLOW_SEALING == MFD_ALLOW_SEALING, "STK_MFD_ALLOW_SEALING");
_Static_assert(STK_F_ADD_SEALS == F_ADD_SEALS, "STK_F_ADD_SEALS");
_Static_assert(STK_F_SEAL_SEAL == F_SEAL_SEAL && STK_F_SEAL_SHRINK == F_SEAL_SHRINK
               && STK_F_SEAL_GROW == F_SEAL_GROW && STK_F_SEAL_WRITE == F_SEAL_WRITE, "STK_F_SEAL_*");
_Static_assert(STK_CLONE_NEWNS == CLONE_NEWNS && STK_CLONE_NEWCGROUP == CLONE_NEWCGROUP
               && STK_CLONE_NEWUTS == CLONE_NEWUTS && STK_CLONE_NEWIPC == CLONE_NEWIPC
               && STK_CLONE_NEWUSER == CLONE_NEWUSER && STK_CLONE_NEWPID == CLONE_NEWPID
               && STK_CLONE_NEWNET == CLONE_NEWNET && STK_CLONE_NEWTIME == CLONE_NEWTIME, "STK_CLONE_NEW*");
_Static_assert(STK_RENAME_NOREPLACE == RENAME_NOREPLACE, "STK_RENAME_NOREPLACE");

int stk_memfd_create(const char *name, unsigned flags)
{
    int fd = memfd_create(name, flags);
    return fd < 0 ? -errno : fd;
}

int stk_setns(int fd, int nstype)
{
    return setns(fd, nstype) < 0 ? -errno : 0;
}

int stk_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname, unsigned flags)
{
    long r = syscall(SYS_renameat2, olddirfd, oldname, newdirfd, newname, flags);
    return r < 0 ? -errno : 0;
}
