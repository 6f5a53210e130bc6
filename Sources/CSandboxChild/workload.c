/* pid 1 of the sandbox: fork the workload, report its exec, reap, forward. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* execvp without allocation: try each PATH entry, remember EACCES so a found
 * but non-executable file reports 126, not 127 (execve(2), sh(1) rules). */
static int exec_with_path(const struct stk_child_config *cfg)
{
    const char *file = cfg->argv[0];
    char *const *argv = (char *const *)(uintptr_t)cfg->argv;
    char *const *envp = (char *const *)(uintptr_t)cfg->envp;
    if (file == NULL || file[0] == '\0')
        return ENOENT;
    for (const char *p = file; *p; p++) {
        if (*p == '/') {
            execve(file, argv, envp);
            return errno;
        }
    }
    const char *path = cfg->path ? cfg->path : "/usr/bin:/bin";
    int saw_eacces = 0, last = ENOENT;
    const char *seg = path;
    for (;;) {
        const char *end = seg;
        while (*end && *end != ':')
            end++;
        char buf[PATH_MAX];
        size_t dlen = (size_t)(end - seg);
        size_t flen = stk_strlen(file);
        if (dlen + 1 + flen + 1 <= sizeof buf) {
            size_t len = 0;
            if (dlen == 0) {
                buf[len++] = '.';
            } else {
                memcpy(buf, seg, dlen);
                len = dlen;
            }
            buf[len++] = '/';
            memcpy(buf + len, file, flen + 1);
            execve(buf, argv, envp);
            int e = errno;
            if (e == EACCES)
                saw_eacces = 1;
            else if (e != ENOENT && e != ENOTDIR)
                last = e;
        }
        if (*end == '\0')
            break;
        seg = end + 1;
    }
    return saw_eacces ? EACCES : last;
}

static __attribute__((noreturn)) void become_workload(const struct stk_child_config *cfg, int exec_w)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Own session and process group: no controlling terminal. */
    (void)setsid();
    stk_take_controlling_tty(cfg);
    int err = exec_with_path(cfg);
    (void)!write(exec_w, &err, sizeof err);
    _exit(err == ENOENT ? 127 : 126);
}

void stk_run_init(const struct stk_child_config *cfg)
{
    /* init waits for signals synchronously; they stay blocked. */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);

    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) < 0)
        stk_fail(cfg, STK_STEP_FORK, errno, 0);

    /* Raw clone: glibc's fork() would run atfork handlers written for a
     * process that still has its Swift runtime threads. */
    long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
    if (pid < 0)
        stk_fail(cfg, STK_STEP_FORK, errno, 0);
    if (pid == 0) {
        close(exec_pipe[0]);
        become_workload(cfg, exec_pipe[1]);
    }
    close(exec_pipe[1]);

    int exec_err = 0;
    ssize_t n;
    do {
        n = read(exec_pipe[0], &exec_err, sizeof exec_err);
    } while (n < 0 && errno == EINTR);
    close(exec_pipe[0]);
    if (n == (ssize_t)sizeof exec_err)
        stk_report(cfg->report_fd, STK_REPORT_EXEC_FAILED, STK_STEP_EXEC, exec_err, 0);
    else
        stk_report(cfg->report_fd, STK_REPORT_EXEC_OK, STK_STEP_EXEC, 0, (int)pid);

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0)
            continue;
        if (sig == SIGCHLD) {
            for (;;) {
                int status = 0;
                pid_t r = waitpid(-1, &status, WNOHANG);
                if (r <= 0)
                    break;
                if (r == (pid_t)pid) {
                    /* The workload is done: report and leave. The kernel kills
                     * whatever it left behind in this pid namespace. */
                    stk_report(cfg->report_fd, STK_REPORT_EXIT, STK_STEP_NONE, 0, status);
                    _exit(0);
                }
            }
            continue;
        }
        switch (sig) {
        case SIGHUP: case SIGINT: case SIGQUIT: case SIGTERM:
        case SIGUSR1: case SIGUSR2: case SIGCONT: case SIGWINCH:
            /* Everything in the namespace but us. */
            (void)kill(-1, sig);
            break;
        default:
            break;
        }
    }
}
