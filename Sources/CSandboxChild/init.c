/* The containment order, readable in one function: stk_child_main. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <sched.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

void stk_read_go(const struct stk_child_config *cfg)
{
    char b;
    for (;;) {
        ssize_t n = read(cfg->go_fd, &b, 1);
        if (n == 1 && b == 'g')
            return;
        if (n < 0 && errno == EINTR)
            continue;
        /* EOF or abort byte: the parent died or gave up; leave quietly. */
        _exit(125);
    }
}

static void reset_signal_dispositions(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        (void)sigaction(sig, &sa, NULL);
    }
}

static void bring_loopback_up(const struct stk_child_config *cfg)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        stk_fail(cfg, STK_STEP_LOOPBACK, errno, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        stk_fail(cfg, STK_STEP_LOOPBACK, errno, 1);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        stk_fail(cfg, STK_STEP_LOOPBACK, errno, 2);
    close(s);
}

static void apply_rlimits(const struct stk_child_config *cfg)
{
    for (size_t i = 0; i < cfg->rlimit_count; i++) {
        const struct stk_rlimit *r = &cfg->rlimits[i];
        struct rlimit lim = { (rlim_t)r->soft, (rlim_t)r->hard };
        if (setrlimit(r->resource, &lim) == 0)
            continue;
        if (errno != EPERM)
            stk_fail(cfg, STK_STEP_RLIMIT, errno, r->resource);
        /* Raising a hard limit needs CAP_SYS_RESOURCE in the initial user
         * namespace, which the sandbox never has: clamp to the current hard
         * limit instead of failing; lowering always works. */
        struct rlimit cur;
        if (getrlimit(r->resource, &cur) < 0)
            stk_fail(cfg, STK_STEP_RLIMIT, errno, r->resource);
        if (lim.rlim_max > cur.rlim_max)
            lim.rlim_max = cur.rlim_max;
        if (lim.rlim_cur > lim.rlim_max)
            lim.rlim_cur = lim.rlim_max;
        if (setrlimit(r->resource, &lim) < 0)
            stk_fail(cfg, STK_STEP_RLIMIT, errno, r->resource);
    }
}

/* Close every descriptor except stdio and the two handshake pipes: the
 * workload must not inherit the supervisor's event sink or anything else. */
static void close_other_fds(const struct stk_child_config *cfg)
{
    int a = cfg->report_fd < cfg->go_fd ? cfg->report_fd : cfg->go_fd;
    int b = cfg->report_fd < cfg->go_fd ? cfg->go_fd : cfg->report_fd;
    long r = 0;
    if (a > 3)
        r |= syscall(SYS_close_range, 3u, (unsigned)(a - 1), 0u);
    if (b > a + 1)
        r |= syscall(SYS_close_range, (unsigned)(a + 1), (unsigned)(b - 1), 0u);
    r |= syscall(SYS_close_range, (unsigned)(b + 1), ~0u, 0u);
    if (r < 0)
        stk_fail(cfg, STK_STEP_FDS, errno, 0);
}

void stk_child_main(const struct stk_child_config *cfg)
{
    /* If the supervisor dies — even by SIGKILL — this init dies, and with it
     * the whole pid namespace. Set before waiting for "go": if the parent is
     * already gone, the read below sees EOF. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_PDEATHSIG, errno, 0);
    reset_signal_dispositions();

    /* First "go": the parent has written our uid/gid maps. */
    stk_read_go(cfg);
    /* While every capability in the new namespaces is still ours. */
    stk_make_net_sockets(cfg);

    /* Become the sandbox user now, keeping capabilities: files we create in
     * the new root's tmpfs need an fsuid mapped in this user namespace. */
    stk_switch_identity(cfg);
    /* A credential change clears the parent-death signal (prctl(2)): set it
     * again, then make sure the parent did not die in between — its end of
     * the go pipe would have hung up. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_PDEATHSIG, errno, 1);
    struct pollfd pfd = { cfg->go_fd, POLLIN, 0 };
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
        _exit(125);

    stk_setup_filesystem(cfg);

    /* Second "go": the parent has moved us into the sandbox cgroup. On
     * cgroup v1 that write can wait for an RCU grace period (~10 ms), so it
     * runs while we build the filesystem above. Nothing the workload does
     * happens before this point. */
    stk_read_go(cfg);
    /* The cgroup namespace is rooted at our cgroup only once we are in it. */
    if (cfg->unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0)
        stk_fail(cfg, STK_STEP_UNSHARE_CGROUP, errno, 0);
    close_other_fds(cfg);

    if (cfg->hostname != NULL && sethostname(cfg->hostname, stk_strlen(cfg->hostname)) < 0)
        stk_fail(cfg, STK_STEP_HOSTNAME, errno, 0);
    if (cfg->loopback_up)
        bring_loopback_up(cfg);
    apply_rlimits(cfg);
    if (cfg->cwd != NULL && chdir(cfg->cwd) < 0)
        stk_fail(cfg, STK_STEP_CHDIR, errno, 0);

    /* A new session: no controlling terminal, so TIOCSTI cannot push input
     * into the caller's terminal (setsid(2), tty_ioctl(4)). */
    if (cfg->test_setsid_fails)
        (void)setpgid(0, 0);
    if (setsid() < 0)
        stk_fail(cfg, STK_STEP_SETSID, errno, 0);
    /* The workload's own terminal, while init is still dumpable (the
     * parent takes the master with pidfd_getfd). */
    stk_setup_pty(cfg);

    stk_hide_argv(cfg);
    stk_drop_privileges(cfg);
    /* The second wall, under the mount view: needs no_new_privs (set just
     * above) and must precede seccomp, whose filter may deny the landlock
     * calls. */
    stk_apply_landlock(cfg);
    /* Seccomp last: everything above needs syscalls the filter denies. */
    int listener = stk_install_seccomp(cfg);
    if (listener >= 0) {
        /* "go": the supervisor has copied the listener out of our fd
         * table (pidfd_getfd). Then our copy goes, so the workload never
         * holds the fd that answers for it. */
        stk_report(cfg->report_fd, STK_REPORT_LISTENER, STK_STEP_LISTENER_HANDOFF, 0, listener);
        stk_read_go(cfg);
        close(listener);
    }
    /* Only now: the parent's pidfd_getfd of the listener (and of the pty
     * master) needs us dumpable. */
    stk_make_undumpable(cfg);
    stk_run_init(cfg);
}
