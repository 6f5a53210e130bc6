/* climb: tries to get over one wall of the sandbox and prints what happened.
 * Each subcommand prints "RESULT <name> ok" when the attempt SUCCEEDED (the
 * wall fell) or "RESULT <name> denied <errno-name>" when it failed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
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

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *w = argv[1];
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(w, "mount"))
        return result(w, mount("none", "/tmp", "tmpfs", 0, NULL));
    if (!strcmp(w, "unshare-user"))
        return result(w, unshare(CLONE_NEWUSER));
    if (!strcmp(w, "unshare-net"))
        return result(w, unshare(CLONE_NEWNET));
    if (!strcmp(w, "clone-newns"))
        return result(w, syscall(SYS_clone, (unsigned long)(CLONE_NEWNS | SIGCHLD), 0, 0, 0, 0));
    if (!strcmp(w, "ptrace")) {
        return result(w, ptrace(PTRACE_ATTACH, 1, 0, 0));
    }
    if (!strcmp(w, "keyctl"))
        return result(w, syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    if (!strcmp(w, "bpf"))
        return result(w, syscall(SYS_bpf, 0, NULL, 0));
    if (!strcmp(w, "io_uring_setup")) {
        char params[120] = { 0 };
        return result(w, syscall(SYS_io_uring_setup, 4, params));
    }
    if (!strcmp(w, "kexec_load"))
        return result(w, syscall(SYS_kexec_load, 0, 0, NULL, 0));
    if (!strcmp(w, "x32")) {
        /* getpid through the x32 ABI: syscall number with bit 30 set. */
        return result(w, syscall(0x40000000 | SYS_getpid));
    }
    if (!strcmp(w, "i386")) {
        /* getpid (20) through the i386 ABI: int 0x80. */
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
        printf("RESULT %s ok %ld\n", w, ret);
        return 0;
    }
    if (!strcmp(w, "tiocsti")) {
        char c = 'x';
        int fd = open("/dev/tty", O_RDWR);
        if (fd < 0)
            fd = 0;
        return result(w, ioctl(fd, TIOCSTI, &c));
    }
    if (!strcmp(w, "tiocsti-highbits")) {
        char c = 'x';
        return result(w, syscall(SYS_ioctl, 0, 0xffffffff00005412UL, &c));
    }
    if (!strcmp(w, "socket-packet"))
        return result(w, socket(AF_PACKET, SOCK_RAW, 0));
    if (!strcmp(w, "setuid0"))
        return result(w, setuid(0));
    if (!strcmp(w, "chroot"))
        return result(w, chroot("/tmp"));
    if (!strcmp(w, "proc1-environ")) {
        int fd = open("/proc/1/environ", O_RDONLY);
        if (fd < 0)
            return result(w, -1);
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return result(w, -1);
        fwrite(buf, 1, (size_t)n, stdout);
        printf("\n");
        return result(w, 0);
    }
    if (!strcmp(w, "forkbomb")) {
        int failures = 0;
        for (int i = 0; i < 100000; i++) {
            pid_t p = fork();
            if (p == 0) {
                pause();
                _exit(0);
            }
            if (p < 0) {
                failures++;
                if (failures > 50)
                    break;
            }
        }
        printf("RESULT forkbomb fork-failures %d\n", failures);
        return failures > 0 ? 1 : 0;
    }
    if (!strcmp(w, "memhog")) {
        size_t total = (size_t)atol(argc > 2 ? argv[2] : "1024") << 20;
        for (size_t done = 0; done < total; done += 1 << 20) {
            char *p = malloc(1 << 20);
            if (!p)
                break;
            memset(p, 1, 1 << 20);
        }
        printf("RESULT memhog ok\n");
        return 0;
    }
    if (!strcmp(w, "daemon")) {
        /* double fork + setsid, then the parent exits at once. */
        if (fork() == 0) {
            setsid();
            if (fork() == 0) {
                int fd = open(argc > 2 ? argv[2] : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
                for (;;) {
                    dprintf(fd, "alive %d\n", getpid());
                    sleep(1);
                }
            }
            _exit(0);
        }
        wait(NULL);
        printf("RESULT daemon spawned\n");
        return 0;
    }
    if (!strcmp(w, "dnsonce") && argc > 2) {
        /* One A query for argv[2] to the first nameserver, sent the moment the
         * workload starts, no retry: a lost query or answer shows as "lost"
         * instead of hiding behind the resolver's 5 s retry. */
        char ns[64] = "";
        char line[256];
        FILE *f = fopen("/etc/resolv.conf", "r");
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "nameserver %63s", ns) == 1)
                break;
        unsigned char q[300] = {0x5a, 0x17, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
        size_t n = 12;
        for (const char *label = argv[2]; *label && n < 250;) {
            const char *dot = strchr(label, '.');
            size_t len = dot ? (size_t)(dot - label) : strlen(label);
            q[n++] = (unsigned char)len;
            memcpy(q + n, label, len);
            n += len;
            label += len + (dot ? 1 : 0);
        }
        q[n++] = 0;
        q[n++] = 0, q[n++] = 1, q[n++] = 0, q[n++] = 1; /* type A, class IN */
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(53)};
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0 || inet_pton(AF_INET, ns, &to.sin_addr) != 1 || sendto(s, q, n, 0, (struct sockaddr *)&to, sizeof to) < 0) {
            printf("RESULT dnsonce fail send %s\n", strerrorname_np(errno));
            return 1;
        }
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, 1500) == 1 && recv(s, line, sizeof line, 0) > 0) {
            printf("RESULT dnsonce ok\n");
            return 0;
        }
        printf("RESULT dnsonce fail lost\n");
        return 1;
    }
    fprintf(stderr, "unknown wall %s\n", w);
    return 2;
}
