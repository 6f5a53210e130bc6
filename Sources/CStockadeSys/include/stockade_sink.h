/* Shims for the event sink (opening it without following symlinks, as the
 * sudo caller). Each returns the documented value or -errno. */
#ifndef STOCKADE_SINK_H
#define STOCKADE_SINK_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* STK_O_PATH comes from here. */
#include "stockade_sys.h"

/* openat2(2) of one name relative to dirfd with RESOLVE_NO_SYMLINKS (which
 * implies RESOLVE_NO_MAGICLINKS): a symlink anywhere fails with ELOOP (or,
 * with O_PATH|O_NOFOLLOW, opens the link itself). O_CLOEXEC is always added. */
int stk_sink_openat2(int dirfd, const char *name, int flags, unsigned mode);

/* Switch the CALLING THREAD's filesystem credentials to uid/gid with the
 * given supplementary groups, by raw syscalls (setgroups, setfsgid,
 * setfsuid): the kernel keeps credentials per thread, and glibc's
 * setgroups() would broadcast the change to every thread of the process.
 * Moving fsuid away from 0 also clears CAP_DAC_OVERRIDE, CAP_FOWNER and
 * friends from this thread's effective set (capabilities(7)), so its
 * permission checks are the caller's. Returns 0 or -errno. */
int stk_thread_set_fs_creds(uint32_t uid, uint32_t gid, const uint32_t *groups, int ngroups);

#ifdef __cplusplus
}
#endif
#endif
