#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stockade_rename.h"

int stk_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname, unsigned flags) {
    long rc = syscall(SYS_renameat2, olddirfd, oldname, newdirfd, newname, flags);
    return rc < 0 ? -errno : 0;
}
