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
    /* Raw syscalls: per thread in the kernel. Groups and gid first, while
     * the thread is still root; setfsuid/setfsgid report the old value, so
     * read the new one back to be sure it took. */
    if (syscall(SYS_setgroups, job->ngroups, job->groups) < 0) {
        job->result = -errno;
        return NULL;
    }
    syscall(SYS_setfsgid, job->gid);
    if ((uint32_t)syscall(SYS_setfsgid, (uint32_t)-1) != job->gid) {
        job->result = -EPERM;
        return NULL;
    }
    syscall(SYS_setfsuid, job->uid);
    if ((uint32_t)syscall(SYS_setfsuid, (uint32_t)-1) != job->uid) {
        job->result = -EPERM;
        return NULL;
    }
    job->fn(job->ctx);
    job->result = 0;
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
