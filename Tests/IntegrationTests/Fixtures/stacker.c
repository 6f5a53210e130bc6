/* A workload that stacks a seccomp filter of its own, the way a hostile one
 * would to hide its denials: the filter answers keyctl with ERRNO(EPERM),
 * which outranks the sandbox's user notification, then calls keyctl.
 *   stacker seccomp   install with seccomp(SECCOMP_SET_MODE_FILTER)
 *   stacker prctl     install with prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)
 * Prints "INSTALL ok|errno N" and "KEYCTL ret errno". */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_keyctl, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = 4, .filter = f };
    int use_prctl = argc > 1 && strcmp(argv[1], "prctl") == 0;
    long r = use_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)
                       : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    if (r == 0)
        printf("INSTALL ok\n");
    else
        printf("INSTALL errno %d\n", errno);
    errno = 0;
    long k = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
    printf("KEYCTL %ld %d\n", k, errno);
    fflush(stdout);
    return 0;
}
