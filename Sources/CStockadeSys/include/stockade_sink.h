/* Shims for the event sink (opening it without following symlinks; the sudo
 * caller's identity is stk_with_fs_identity, stockade_sys.h). Each returns
 * the documented value or -errno. */
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

#ifdef __cplusplus
}
#endif
#endif
