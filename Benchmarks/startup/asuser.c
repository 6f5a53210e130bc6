/* asuser UID GID PROGRAM [ARGS...]: drop to UID/GID (no supplementary
 * groups) and exec PROGRAM. The smallest launcher there is, so a benchmark
 * can start the root and the rootless rows through the same one and compare
 * sandbox-run's own cost (setpriv + env cost ~3 ms, more than the gap being
 * measured). Static, no environment changes. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: asuser UID GID PROGRAM [ARGS...]\n");
        return 2;
    }
    uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
    gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
        perror("asuser");
        return 125;
    }
    execv(argv[3], argv + 3);
    perror(argv[3]);
    return 127;
}
