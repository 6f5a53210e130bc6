#define _GNU_SOURCE
#include "stockade_sys.h"
#include "stockade_sink.h"

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
    /* The thread's own filesystem credentials (stockade_sink.h says why
     * raw syscalls): the caller's job then runs with the caller's rights. */
    job->result = stk_thread_set_fs_creds(job->uid, job->gid, job->groups, (int)job->ngroups);
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
