/* The start-up cost Landlock adds to a sandbox, without the sandbox: fork a
 * child that sets no_new_privs and exits (or execs /bin/true), with and
 * without first building and applying a ruleset shaped like the strict
 * profile's (14 path rules, every ABI 5 right handled, both ABI 6 scopes),
 * interleaved, medians of 2000 each: wall time, and the child's CPU time
 * (wait4 rusage), which a loaded machine disturbs far less. Run as any user:
 *
 *   cc -O2 -o /tmp/ruleset_cost Benchmarks/landlock/ruleset_cost.c
 *   /tmp/ruleset_cost          # fork + ruleset + exit
 *   /tmp/ruleset_cost exec     # fork + ruleset + execve(/bin/true)
 *
 * Paths that do not exist on the host (or are symlinks, e.g. /bin under
 * usrmerge) are skipped, as the child skips nothing: the count is printed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *paths[] = { "usr", "etc", "tmp", "proc", "dev", "dev/null", "dev/zero", "dev/full",
                               "dev/random", "dev/urandom", "dev/tty", "dev/pts", "dev/shm", "lib" };
struct ruleset_attr { uint64_t fs, net, scoped; };
struct path_beneath { uint64_t access; int32_t fd; } __attribute__((packed));

static int apply(void)
{
    struct ruleset_attr at = { 0xFFFF, 0, 3 };
    int rs = (int)syscall(444, &at, sizeof at, 0);
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int n = 0;
    if (rs < 0 || root < 0)
        return -1;
    for (unsigned i = 0; i < sizeof paths / sizeof *paths; i++) {
        struct open_how how = { O_PATH | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };
        int fd = (int)syscall(SYS_openat2, root, paths[i], &how, sizeof how);
        if (fd < 0)
            continue;
        struct stat st;
        fstat(fd, &st);
        struct path_beneath pb = { S_ISDIR(st.st_mode) ? 0xD : 0x5, fd }; /* read/exec (+read_dir) */
        if (syscall(445, rs, 1, &pb, 0) < 0)
            return -1;
        close(fd);
        n++;
    }
    if (syscall(446, rs, 0) < 0)
        return -1;
    close(rs);
    close(root);
    return n;
}

/* Wall microseconds; the child's CPU microseconds in *cpu. */
static double once(int landlock, int exec_true, double *cpu)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (landlock && apply() < 0)
            _exit(1);
        if (exec_true) {
            char *argv[] = { "/bin/true", NULL };
            execv("/bin/true", argv);
            _exit(127);
        }
        _exit(0);
    }
    int st;
    struct rusage ru;
    wait4(p, &st, 0, &ru);
    clock_gettime(CLOCK_MONOTONIC, &b);
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    if (st != 0) {
        fprintf(stderr, "child failed (status %d)\n", st);
        exit(1);
    }
    return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
    int n = 2000, ex = argc > 1 && !strcmp(argv[1], "exec");
    double *on = malloc(n * sizeof *on), *off = malloc(n * sizeof *off);
    double *con = malloc(n * sizeof *con), *coff = malloc(n * sizeof *coff);
    for (int i = 0; i < n; i++) {
        on[i] = once(1, ex, &con[i]);
        off[i] = once(0, ex, &coff[i]);
    }
    qsort(on, n, sizeof *on, cmp);
    qsort(off, n, sizeof *off, cmp);
    qsort(con, n, sizeof *con, cmp);
    qsort(coff, n, sizeof *coff, cmp);
    const char *what = ex ? "fork + ruleset + exec /bin/true" : "fork + ruleset + exit";
    printf("%s, wall: median %.1f us with Landlock, %.1f us without: +%.1f us\n", what, on[n / 2], off[n / 2], on[n / 2] - off[n / 2]);
    printf("%s, child CPU: median %.1f us with Landlock, %.1f us without: +%.1f us\n", what, con[n / 2], coff[n / 2], con[n / 2] - coff[n / 2]);
    return 0;
}
