#define _GNU_SOURCE
#include "stockade_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int stk_open_tree_fd(int fd, int recursive)
{
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (recursive)
        flags |= AT_RECURSIVE;
    long r = syscall(SYS_open_tree, fd, "", flags);
    return r < 0 ? -errno : (int)r;
}

/* Switch the CALLING THREAD's filesystem credentials to uid/gid with the
 * given supplementary groups, by raw syscalls (setgroups, setfsgid,
 * setfsuid): the kernel keeps credentials per thread, and glibc's
 * setgroups() would broadcast the change to every thread of the process.
 * Moving fsuid away from 0 also clears CAP_DAC_OVERRIDE, CAP_FOWNER and
 * friends from this thread's effective set (capabilities(7)), so its
 * permission checks are the caller's. Returns 0 or -errno. */
static int thread_set_fs_creds(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups)
{
    if (syscall(SYS_setgroups, ngroups, groups) < 0)
        return -errno;
    /* setfsgid/setfsuid return the previous id and report no error: set,
     * then ask again (an invalid id, -1, only queries) to check it held. */
    syscall(SYS_setfsgid, gid);
    if ((uint32_t)syscall(SYS_setfsgid, (uint32_t)-1) != gid)
        return -EPERM;
    syscall(SYS_setfsuid, uid);
    if ((uint32_t)syscall(SYS_setfsuid, (uint32_t)-1) != uid)
        return -EPERM;
    return 0;
}

struct identity_job {
    uint32_t uid, gid;
    const uint32_t *groups;
    size_t ngroups;
    void (*fn)(void *);
    void *ctx;
    int result;
};

static void *identity_thread(void *arg)
{
    struct identity_job *job = arg;
    /* The thread's own filesystem credentials: the caller's job then runs
     * with the caller's rights. */
    job->result = thread_set_fs_creds(job->uid, job->gid, job->groups, job->ngroups);
    if (job->result == 0)
        job->fn(job->ctx);
    return NULL;
}

int stk_with_fs_identity(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups,
                         void (*fn)(void *), void *ctx)
{
    struct identity_job job = { uid, gid, groups, ngroups, fn, ctx, -EINTR };
    pthread_t t;
    int e = pthread_create(&t, NULL, identity_thread, &job);
    if (e != 0)
        return -e;
    pthread_join(t, NULL);
    return job.result;
}

int stk_faccess_fd(int fd, int mode)
{
    long r = syscall(SYS_faccessat2, fd, "", mode, AT_EMPTY_PATH | AT_EACCESS);
    return r < 0 ? -errno : 0;
}
