/* The one path resolver of the child: openat2(2) beneath a directory, never
 * through a symlink or a magic link (/proc/self/fd/N and the like). Mount
 * targets, rootless bind sources and Landlock rule paths all resolve here,
 * because any of them may lie in the workspace, which the workload may have
 * written in an earlier run (hard rule 7). */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int stk_open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH;
    /* RESOLVE_BENEATH refuses an absolute path: an absolute one is meant
     * relative to dirfd, and "/" is dirfd itself. */
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd < 0 ? -errno : fd;
}
