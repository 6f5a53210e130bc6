#define _GNU_SOURCE
#include "stockade_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int stk_sink_openat2(int dirfd, const char *name, int flags, unsigned mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    /* O_TMPFILE contains the O_DIRECTORY bit: test it whole, or every
     * O_DIRECTORY open would pass a mode and get EINVAL. */
    how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long r;
    do {
        r = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : (int)r;
}
