/* clone3 of the sandbox init, and the report channel. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t stk_spawn(const struct stk_child_config *cfg, int *pidfd_out)
{
    /* Block every signal across clone: the child must not run one of the
     * parent's handlers (Swift code) before it has reset them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    int pidfd = -1;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD | cfg->clone_flags;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;

    long r = syscall(SYS_clone3, &args, sizeof args);
    if (r == 0) {
        stk_child_main(cfg);
    }
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r < 0)
        return -saved;
    *pidfd_out = pidfd;
    return (pid_t)r;
}

void stk_report(int fd, int kind, int step, int err, int value)
{
    struct stk_report rec = { kind, step, err, value };
    const char *p = (const char *)&rec;
    size_t left = sizeof rec;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        left -= (size_t)n;
    }
}

void stk_fail(const struct stk_child_config *cfg, int step, int err, int value)
{
    stk_report(cfg->report_fd, STK_REPORT_ERROR, step, err, value);
    _exit(125);
}

static const char *const step_names[STK_STEP_COUNT] = {
    [STK_STEP_NONE] = "none",
    [STK_STEP_WAIT_GO] = "wait_go",
    [STK_STEP_PDEATHSIG] = "pdeathsig",
    [STK_STEP_FDS] = "close_fds",
    [STK_STEP_UNSHARE_CGROUP] = "unshare_cgroup",
    [STK_STEP_SECUREBITS_EARLY] = "securebits_early",
    [STK_STEP_SETGROUPS] = "setgroups",
    [STK_STEP_SETGID] = "setgid",
    [STK_STEP_SETUID] = "setuid",
    [STK_STEP_MOUNT_PRIVATE] = "mount_private",
    [STK_STEP_MOUNT_ROOT] = "mount_root",
    [STK_STEP_MOUNT_OP] = "mount_op",
    [STK_STEP_PIVOT_ROOT] = "pivot_root",
    [STK_STEP_DETACH_OLD_ROOT] = "detach_old_root",
    [STK_STEP_HOSTNAME] = "hostname",
    [STK_STEP_LOOPBACK] = "loopback",
    [STK_STEP_RLIMIT] = "rlimit",
    [STK_STEP_CHDIR] = "chdir",
    [STK_STEP_CAPS_BOUNDING] = "caps_bounding",
    [STK_STEP_CAPS_AMBIENT] = "caps_ambient",
    [STK_STEP_SECUREBITS] = "securebits",
    [STK_STEP_CAPS] = "capset",
    [STK_STEP_NO_NEW_PRIVS] = "no_new_privs",
    [STK_STEP_DUMPABLE] = "dumpable",
    [STK_STEP_SECCOMP] = "seccomp",
    [STK_STEP_LISTENER_HANDOFF] = "listener_handoff",
    [STK_STEP_FORK] = "fork",
    [STK_STEP_SIGNALS] = "signals",
    [STK_STEP_EXEC] = "exec",
    [STK_STEP_PTY] = "pty",
    [STK_STEP_LANDLOCK_RULESET] = "landlock_ruleset",
    [STK_STEP_LANDLOCK_RULE] = "landlock_rule",
    [STK_STEP_LANDLOCK_RESTRICT] = "landlock_restrict",
    [STK_STEP_NET_SOCKETS] = "net_sockets",
    [STK_STEP_SETSID] = "setsid",
};

const char *stk_step_name(int step)
{
    if (step < 0 || step >= STK_STEP_COUNT || step_names[step] == NULL)
        return "unknown";
    return step_names[step];
}

size_t stk_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

int stk_append(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = stk_strlen(s);
    if (*len + n + 1 > cap)
        return -1;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return 0;
}

void stk_itoa(int v, char *out)
{
    char tmp[16];
    int i = 0;
    unsigned int u = v < 0 ? (unsigned int)(-v) : (unsigned int)v;
    do {
        tmp[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    int o = 0;
    if (v < 0)
        out[o++] = '-';
    while (i > 0)
        out[o++] = tmp[--i];
    out[o] = '\0';
}
