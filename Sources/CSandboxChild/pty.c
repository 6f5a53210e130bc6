/* The workload's own pseudo-terminal.
 *
 * Opened by init inside the sandbox, from the sandbox's own devpts instance
 * (mounted with newinstance at /dev/pts), so the slave's name (/dev/pts/0)
 * exists in the workload's view and nothing about the host's terminals is
 * reachable through it. The master goes to the supervisor, which relays it
 * to the caller's terminal; init keeps no master. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

void stk_setup_pty(const struct stk_child_config *cfg)
{
    if (!cfg->pty)
        return;
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        stk_fail(cfg, STK_STEP_PTY, errno, 0);
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        stk_fail(cfg, STK_STEP_PTY, errno, 1);
    /* The peer by descriptor, not by a path name (ioctl_tty(2) TIOCGPTPEER). */
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
        stk_fail(cfg, STK_STEP_PTY, errno, 2);
    /* The caller's modes (erase character, IUTF8…) and window size, as ssh
     * does; tcsetattr is async-signal-safe (signal-safety(7)). */
    if (cfg->pty_termios != NULL && tcsetattr(slave, TCSANOW, (const struct termios *)cfg->pty_termios) < 0)
        stk_fail(cfg, STK_STEP_PTY, errno, 3);
    if (cfg->pty_winsize != NULL && ioctl(slave, TIOCSWINSZ, cfg->pty_winsize) < 0)
        stk_fail(cfg, STK_STEP_PTY, errno, 4);

    /* The supervisor copies the master out of our fd table (pidfd_getfd)
     * and acknowledges; then our copy goes. */
    stk_report(cfg->report_fd, STK_REPORT_PTY, STK_STEP_PTY, 0, master);
    stk_read_go(cfg);
    close(master);

    /* init's own stdio too (the workload inherits it): every descriptor
     * that was the caller's terminal now is the sandbox's, so the caller's
     * terminal stays outside; pipes and files stay as they were. */
    int kept = 0;
    for (int fd = 0; fd < 3; fd++) {
        if (!(cfg->pty & (1 << fd)))
            continue;
        if (slave == fd) {
            kept = 1;
            continue;
        }
        if (dup2(slave, fd) < 0)
            stk_fail(cfg, STK_STEP_PTY, errno, 5);
    }
    if (!kept)
        close(slave);
}

void stk_take_controlling_tty(const struct stk_child_config *cfg)
{
    if (!cfg->pty)
        return;
    /* Now a session leader without a terminal: the pty becomes the controlling
     * terminal and this process group its foreground, so ^C, ^Z and
     * SIGWINCH from the pty's line discipline reach the workload. Runs
     * under the seccomp filter (every shipped profile allows ioctl); if a
     * profile denies it, the workload still has the pty on 0/1/2, only
     * without job control. */
    for (int fd = 0; fd < 3; fd++) {
        if (cfg->pty & (1 << fd)) {
            (void)ioctl(fd, TIOCSCTTY, 0);
            return;
        }
    }
}
