/* landlock_probe: attacks on what only Landlock stands in front of. Each
 * subcommand prints "RESULT <name> ok" when the attempt SUCCEEDED (the wall
 * fell) or "RESULT <name> denied <errno-name>" when it failed.
 *
 *   abi                         print the kernel's Landlock ABI (run on the host)
 *   abstract NAME               connect to the abstract unix socket "\0NAME" and send
 *   kill-target MARKER          wait for a process whose command line contains
 *                               MARKER, then send it SIGTERM
 *   read PATH [LABEL]           open PATH read-only and read a byte
 *   write PATH [LABEL]          create PATH (O_CREAT|O_TRUNC) and write a byte
 * LABEL replaces the subcommand's name in the RESULT line. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int result(const char *name, long r)
{
    if (r >= 0) {
        printf("RESULT %s ok\n", name);
        return 0;
    }
    printf("RESULT %s denied %s\n", name, strerrorname_np(errno));
    return 1;
}

static long connect_abstract(const char *name)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(name);
    if (n + 1 > sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(a.sun_path + 1, name, n);
    if (connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
        return -1;
    return write(s, "hello", 5);
}

/* Whether pid's real uid, as this process sees it, is its own. */
static int same_uid(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *uid = strstr(buf, "\nUid:");
    return uid != NULL && (uid_t)strtoul(uid + 5, NULL, 10) == getuid();
}

/* The pid of a process (not us) of our uid whose command line contains
 * marker, or 0. The uid matters: the target is started through nsenter and
 * setpriv, whose command lines carry the marker while they are still root;
 * signalling one of those fails with EPERM whether Landlock is there or not. */
static pid_t find(const char *marker)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    struct dirent *e;
    pid_t found = 0;
    while ((e = readdir(d)) != NULL && found == 0) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        char path[64], buf[4096];
        snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        buf[n] = '\0';
        if (strstr(buf, marker) != NULL && strstr(buf, "kill-target") == NULL && same_uid(pid))
            found = pid;
    }
    closedir(d);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *w = argv[1];
    if (!strcmp(w, "abi")) {
        long v = syscall(444 /* landlock_create_ruleset */, NULL, 0, 1u /* VERSION */);
        printf("%ld\n", v < 0 ? 0L : v);
        return 0;
    }
    if (argc < 3)
        return 2;
    if (!strcmp(w, "abstract"))
        return result(w, connect_abstract(argv[2]));
    if (!strcmp(w, "kill-target")) {
        pid_t pid = 0;
        for (int i = 0; i < 600 && pid == 0; i++) {
            pid = find(argv[2]);
            if (pid == 0)
                usleep(50000);
        }
        if (pid == 0) {
            printf("RESULT %s missing\n", w);
            return 3;
        }
        printf("FOUND %d\n", (int)pid);
        return result(w, kill(pid, SIGTERM));
    }
    const char *label = argc > 3 ? argv[3] : w;
    if (!strcmp(w, "read")) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        char c;
        return result(label, fd < 0 ? -1 : read(fd, &c, 1));
    }
    if (!strcmp(w, "write")) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        return result(label, fd < 0 ? -1 : write(fd, "x", 1));
    }
    return 2;
}
