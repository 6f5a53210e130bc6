/* The sandbox's /sys: a fresh sysfs, mounted from inside the new user and
 * network namespaces.
 *
 * sysfs may be mounted by a user namespace only when that namespace owns the
 * mounter's network namespace (sysfs shows the net devices of the namespace
 * it is mounted in: kobj_ns_current_may_mount), so the planner asks for this
 * only with a private network namespace; with --net host it binds the host's
 * /sys instead. Read-only, nosuid, nodev, noexec: the kernel also insists
 * the new mount be no less restricted than the host's (mount_too_revealing).
 * The masked subtrees are covered by ordinary hide ops after this one. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <sys/mount.h>

int stk_mount_sysfs(const char *target)
{
    if (mount("sysfs", target, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -errno;
    return 0;
}
