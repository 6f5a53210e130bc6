/* Per-syscall cost of a Stockade seccomp filter.
 *
 *   bench none            no filter
 *   bench FILTER.bpf      installs FILTER (errno mode) first
 *
 * Times getppid (allowed without arguments: the kernel's action cache, Linux
 * >= 5.11, answers it without running the filter) and ioctl(FIONREAD) (an
 * argument-dependent allow: the filter runs every time). Prints the median
 * of RUNS runs in ns per call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { RUNS = 7 };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void measure(const char *name, long iterations, int fd) {
    double ns[RUNS];
    int n = 0;
    for (int r = 0; r < RUNS; r++) {
        double start = now_ns();
        for (long i = 0; i < iterations; i++) {
            if (fd < 0) syscall(SYS_getppid);
            else syscall(SYS_ioctl, fd, (unsigned long)FIONREAD, &n);
        }
        ns[r] = (now_ns() - start) / iterations;
    }
    qsort(ns, RUNS, sizeof ns[0], compare);
    printf("%-8s %-16s median %7.1f ns/call  (min %.1f, max %.1f, %d runs x %ld)\n",
           name, fd < 0 ? "getppid" : "ioctl(FIONREAD)", ns[RUNS / 2], ns[0], ns[RUNS - 1], RUNS, iterations);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: bench none|FILTER.bpf\n"); return 2; }
    const char *label = "none";
    if (strcmp(argv[1], "none")) {
        static unsigned char buf[65536];
        int fd = open(argv[1], O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        if (n <= 0 || n % 8) { perror("read filter"); return 2; }
        close(fd);
        struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
            perror("install filter");
            return 2;
        }
        label = "filter";
        printf("filter: %zd instructions\n", n / 8);
    }
    int p[2];
    if (pipe(p)) { perror("pipe"); return 2; }
    measure(label, 10000000, -1);
    measure(label, 2000000, p[0]);
    return 0;
}
