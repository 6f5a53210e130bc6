/* The new root: a tmpfs on cfg->root_base, the ops executed inside it, then
 * pivot_root into it and detach the host's tree.
 *
 * Targets are resolved one component at a time with openat2(2)
 * RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH, so a symlink planted in a writable
 * directory (the workspace) can never redirect a mount elsewhere; mounts are
 * then made on the resolved O_PATH descriptor, never on a path string. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Resolve `path` (absolute inside the new root) beneath rootfd to an O_PATH
 * fd, creating missing directories (and the final file when is_file) if
 * create is set. Returns the fd or -errno. */
static int resolve_target(int rootfd, const char *path, int is_file, int create)
{
    char buf[PATH_MAX];
    size_t n = stk_strlen(path);
    if (n + 1 > sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);

    int dirfd = (int)syscall(SYS_fcntl, rootfd, F_DUPFD_CLOEXEC, 0);
    if (dirfd < 0)
        return -errno;
    char *p = buf;
    while (*p == '/')
        p++;
    if (*p == '\0')
        return dirfd; /* the root itself */

    for (;;) {
        char *slash = p;
        while (*slash && *slash != '/')
            slash++;
        int last = 1;
        if (*slash == '/') {
            *slash = '\0';
            char *q = slash + 1;
            while (*q == '/')
                q++;
            last = (*q == '\0');
        }
        int want_file = last && is_file;
        int fd = stk_open_beneath(dirfd, p, O_PATH | (want_file ? 0 : O_DIRECTORY));
        if (fd == -ENOENT && create) {
            if (want_file) {
                int cfd = openat(dirfd, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (cfd < 0 && errno != EEXIST) {
                    int e = errno;
                    close(dirfd);
                    return -e;
                }
                if (cfd >= 0)
                    close(cfd);
            } else if (mkdirat(dirfd, p, 0755) < 0 && errno != EEXIST) {
                int e = errno;
                close(dirfd);
                return -e;
            }
            fd = stk_open_beneath(dirfd, p, O_PATH | (want_file ? 0 : O_DIRECTORY));
        }
        close(dirfd);
        if (fd < 0)
            return fd;
        if (last)
            return fd;
        dirfd = fd;
        p = slash + 1;
        while (*p == '/')
            p++;
    }
}

/* "/proc/self/fd/N": mount(2) on an O_PATH descriptor's magic link. The host
 * /proc is still visible at this point. */
static void fd_path(int fd, char out[32])
{
    size_t len = 0;
    char num[16];
    out[0] = '\0';
    stk_itoa(fd, num);
    stk_append(out, 32, &len, "/proc/self/fd/");
    stk_append(out, 32, &len, num);
}

static int attach_tree(int tree_fd, int target_fd)
{
    if (syscall(SYS_move_mount, tree_fd, "", target_fd, "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return -errno;
    return 0;
}

/* A read-only bind of the root's scratch empty file or directory. */
static int cover(int rootfd, int target_fd, int is_file)
{
    int tree = (int)syscall(SYS_open_tree, rootfd, is_file ? ".stockade/empty" : ".stockade/emptydir",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return -errno;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        int e = errno;
        close(tree);
        return -e;
    }
    int r = attach_tree(tree, target_fd);
    close(tree);
    return r;
}

/* Clone the host's `src` (absolute, canonical) into a detached tree with
 * `attr_set` applied, resolving every component without symlinks: the
 * host's tree is still visible here. `open_flags` adds O_DIRECTORY where
 * only a directory will do; `recursive` takes the submounts too; a
 * `verify_fd` >= 0 is the parent's descriptor of the same source, and the
 * clone is refused (ESTALE) unless the string reached that same object.
 * Returns the tree fd or -errno. */
static int clone_tree(const char *src, int open_flags, int recursive, uint64_t attr_set, int verify_fd)
{
    /* RESOLVE_BENEATH needs a directory to be beneath: the host's "/". */
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -errno;
    int pfd = stk_open_beneath(root, src, O_PATH | open_flags);
    close(root);
    if (pfd < 0)
        return pfd;
    if (verify_fd >= 0) {
        /* The parent opened the source with its symlink-safe walk; what
         * the string reaches now must be that same object. */
        struct stat mine, theirs;
        if (fstat(pfd, &mine) < 0 || fstat(verify_fd, &theirs) < 0 || mine.st_dev != theirs.st_dev
            || mine.st_ino != theirs.st_ino) {
            close(pfd);
            return -ESTALE;
        }
    }
    unsigned int fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (recursive)
        fl |= AT_RECURSIVE;
    int tree = (int)syscall(SYS_open_tree, pfd, "", fl);
    int e = errno;
    close(pfd);
    if (tree < 0)
        return -e;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = attr_set;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
        e = errno;
        close(tree);
        return -e;
    }
    return tree;
}

/* Rootless: a bind source the child clones itself (only the new user
 * namespace may), checked against the parent's descriptor of it. */
static int clone_source(const struct stk_mount_op *op)
{
    return clone_tree(op->src, 0, (op->flags & STK_MOUNT_F_RECURSIVE) != 0, op->attr_set, op->tree_fd);
}

/* The kernel refuses a fresh sysfs when the host's /sys is itself partly
 * covered (mount_too_revealing: e.g. under a container runtime that masks
 * /sys/firmware). Then bind the host's /sys (op->src) read-only with its
 * submounts, as with --net host, and cover the mount points listed in
 * op->data ("\n"-separated, relative to dst), which a fresh sysfs would
 * have shown empty. */
static int sysfs_fallback(int rootfd, const struct stk_mount_op *op, int target_fd)
{
    int tree = clone_tree(op->src, O_DIRECTORY, 1,
                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, -1);
    if (tree < 0)
        return tree;
    int r = attach_tree(tree, target_fd);
    close(tree);
    if (r < 0 || op->data == NULL)
        return r;
    char path[PATH_MAX];
    const char *p = op->data;
    while (*p) {
        const char *end = p;
        while (*end && *end != '\n')
            end++;
        size_t dlen = stk_strlen(op->dst), n = (size_t)(end - p);
        if (n > 0 && dlen + 1 + n + 1 <= sizeof path) {
            memcpy(path, op->dst, dlen);
            path[dlen] = '/';
            memcpy(path + dlen + 1, p, n);
            path[dlen + 1 + n] = '\0';
            int t = resolve_target(rootfd, path, 0, 0);
            if (t >= 0) {
                r = cover(rootfd, t, 0);
                close(t);
                if (r < 0)
                    return r;
            } else if (t != -ENOENT && t != -EACCES && t != -ENOTDIR) {
                return t;
            }
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

static int run_op(const struct stk_child_config *cfg, int rootfd, const struct stk_mount_op *op, int tree_fd)
{
    int is_file = (op->flags & STK_MOUNT_F_FILE) != 0;
    int optional = (op->flags & STK_MOUNT_F_OPTIONAL) != 0;
    char target[32];
    int r = 0;

    if (op->kind == STK_MOUNT_SYMLINK) {
        /* Create the parent, then the link itself with symlinkat. */
        char parent[PATH_MAX];
        size_t n = stk_strlen(op->dst);
        if (n + 1 > sizeof parent)
            return -ENAMETOOLONG;
        memcpy(parent, op->dst, n + 1);
        char *slash = parent + n;
        while (slash > parent && *slash != '/')
            slash--;
        const char *name = op->dst + (slash - parent) + 1;
        *slash = '\0';
        int pfd = resolve_target(rootfd, parent[0] ? parent : "/", 0, 1);
        if (pfd < 0)
            return pfd;
        if (symlinkat(op->src, pfd, name) < 0 && errno != EEXIST)
            r = -errno;
        close(pfd);
        return r;
    }

    int create = !(op->kind == STK_MOUNT_HIDE_FILE || op->kind == STK_MOUNT_HIDE_DIR
                   || op->kind == STK_MOUNT_REMOUNT_RO);
    int tfd = resolve_target(rootfd, op->dst, is_file, create);
    if (tfd < 0) {
        /* A cover for something that is not there (or that the sandbox user
         * cannot reach anyway) has nothing to hide. */
        if (optional && (tfd == -ENOENT || tfd == -EACCES || tfd == -ENOTDIR))
            return 0;
        return tfd;
    }
    fd_path(tfd, target);

    switch (op->kind) {
    case STK_MOUNT_ATTACH_TREE:
        r = attach_tree(tree_fd, tfd);
        close(tree_fd);
        break;
    case STK_MOUNT_TMPFS: {
        unsigned long fl = MS_NOSUID | MS_NODEV;
        if (op->flags & STK_MOUNT_F_RDONLY)
            fl |= MS_RDONLY;
        if (mount("tmpfs", target, "tmpfs", fl, op->data) < 0)
            r = -errno;
        break;
    }
    case STK_MOUNT_PROC:
        if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            r = -errno;
        break;
    case STK_MOUNT_DEVPTS:
        if (mount("devpts", target, "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620") < 0)
            r = -errno;
        break;
    case STK_MOUNT_HIDE_FILE:
    case STK_MOUNT_HIDE_DIR:
        r = cover(rootfd, tfd, op->kind == STK_MOUNT_HIDE_FILE);
        break;
    case STK_MOUNT_REMOUNT_RO: {
        struct mount_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (syscall(SYS_mount_setattr, tfd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
            r = -errno;
        break;
    }
    case STK_MOUNT_SYSFS:
        r = stk_mount_sysfs(target);
        if (r == -EPERM && op->src != NULL)
            r = sysfs_fallback(rootfd, op, tfd);
        break;
    default:
        r = -EINVAL;
    }
    close(tfd);
    (void)cfg;
    return r;
}

void stk_setup_filesystem(const struct stk_child_config *cfg)
{
    /* Nothing we mount may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        stk_fail(cfg, STK_STEP_MOUNT_PRIVATE, errno, 0);
    /* value -1: no one op is at fault (0 would name the first). */
    if (cfg->mount_count > STK_MAX_MOUNT_OPS)
        stk_fail(cfg, STK_STEP_MOUNT_OP, E2BIG, -1);
    int tree_fds[cfg->mount_count > 0 ? cfg->mount_count : 1];
    for (size_t i = 0; i < cfg->mount_count; i++) {
        const struct stk_mount_op *op = &cfg->mounts[i];
        tree_fds[i] = op->tree_fd;
        /* A bind always comes with the parent's descriptor: a source known
         * only by its string would be bound unchecked (fail closed). */
        if (op->kind == STK_MOUNT_ATTACH_TREE && op->tree_fd < 0)
            stk_fail(cfg, STK_STEP_MOUNT_OP, EBADF, (int)i);
        if (op->kind == STK_MOUNT_ATTACH_TREE && (op->flags & STK_MOUNT_F_VERIFY_SOURCE)) {
            int t = clone_source(op);
            if (t < 0)
                stk_fail(cfg, STK_STEP_MOUNT_OP, -t, (int)i);
            tree_fds[i] = t;
        }
    }
    if (mount("tmpfs", cfg->root_base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 0);
    int rootfd = open(cfg->root_base, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 1);

    /* Scratch sources for covers, removed before the root turns read-only. */
    if (mkdirat(rootfd, ".stockade", 0755) < 0 || mkdirat(rootfd, ".stockade/emptydir", 0555) < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 2);
    int efd = openat(rootfd, ".stockade/empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (efd < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 3);
    close(efd);

    for (size_t i = 0; i < cfg->mount_count; i++) {
        int r = run_op(cfg, rootfd, &cfg->mounts[i], tree_fds[i]);
        if (r < 0)
            stk_fail(cfg, STK_STEP_MOUNT_OP, -r, (int)i);
    }

    if (unlinkat(rootfd, ".stockade/empty", 0) < 0 || unlinkat(rootfd, ".stockade/emptydir", AT_REMOVEDIR) < 0
        || unlinkat(rootfd, ".stockade", AT_REMOVEDIR) < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 4);

    /* pivot_root(".", ".") stacks the old root on top of the new one; the
     * detach below then drops the whole host tree (pivot_root(2) NOTES). */
    if (fchdir(rootfd) < 0)
        stk_fail(cfg, STK_STEP_PIVOT_ROOT, errno, 0);
    close(rootfd);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        stk_fail(cfg, STK_STEP_PIVOT_ROOT, errno, 1);
    if (umount2(".", MNT_DETACH) < 0)
        stk_fail(cfg, STK_STEP_DETACH_OLD_ROOT, errno, 0);
    if (chdir("/") < 0)
        stk_fail(cfg, STK_STEP_DETACH_OLD_ROOT, errno, 1);

    /* The root itself is read-only: the workload writes only where a
     * writable mount says it may. */
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &attr, sizeof attr) < 0)
        stk_fail(cfg, STK_STEP_MOUNT_ROOT, errno, 5);
}
