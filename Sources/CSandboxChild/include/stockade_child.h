/*
 * The sandbox child path: the only code that runs between clone and execve.
 *
 * The Swift supervisor is multithreaded and its runtime allocates and takes
 * locks, so after clone nothing but async-signal-safe C may run. Everything the
 * child needs is prepared by the parent in plain memory (this config, copied
 * into the child's address space by clone) and in file descriptors (detached
 * mount trees made with open_tree(2), pipes). The child only executes it and
 * reports (step, errno) on failure through a CLOEXEC pipe.
 *
 * Process shape inside the new pid namespace:
 *   pid 1  "init": builds the filesystem view, drops privileges, installs the
 *          seccomp filter, forks the workload, reaps, forwards signals, reports
 *          the workload's wait status, exits (the kernel then kills everything
 *          left in the namespace).
 *   pid 2  the workload: setsid, execve.
 */
#ifndef STOCKADE_CHILD_H
#define STOCKADE_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kinds of filesystem operation, executed in order inside the new root. */
enum stk_mount_kind {
    /* Attach the detached mount tree `tree_fd` (made by the parent with
     * open_tree(OPEN_TREE_CLONE) and already mount_setattr'ed) at `dst`. */
    STK_MOUNT_ATTACH_TREE = 1,
    /* A fresh tmpfs at `dst`; `data` holds mount options (mode=…,size=…). */
    STK_MOUNT_TMPFS = 2,
    /* A fresh proc for the new pid namespace at `dst`. */
    STK_MOUNT_PROC = 3,
    /* devpts (newinstance) at `dst`, plus the ptmx symlink next to it. */
    STK_MOUNT_DEVPTS = 4,
    /* A symlink at `dst` whose text is `src`. */
    STK_MOUNT_SYMLINK = 5,
    /* Cover the existing file at `dst` with an empty read-only file. */
    STK_MOUNT_HIDE_FILE = 6,
    /* Cover the existing directory at `dst` with an empty read-only dir. */
    STK_MOUNT_HIDE_DIR = 7,
    /* Make the mount at `dst` read-only (mount_setattr MOUNT_ATTR_RDONLY). */
    STK_MOUNT_REMOUNT_RO = 8,
    /* A fresh read-only sysfs at `dst` (sysfs_view.c). If the kernel refuses
     * it (EPERM), the host's `src` is bound read-only with its submounts
     * instead and the "\n"-separated paths in `data` (relative to `dst`)
     * are covered. */
    STK_MOUNT_SYSFS = 9,
};

/* Operation flags. */
#define STK_MOUNT_F_FILE      0x1u /* dst is a file, not a directory */
#define STK_MOUNT_F_OPTIONAL  0x2u /* skip silently when dst is missing or not reachable */
#define STK_MOUNT_F_RDONLY    0x4u /* tmpfs: mount read-only */
#define STK_MOUNT_F_RECURSIVE 0x8u /* ATTACH_TREE cloned by the child: whole subtree */
/* ATTACH_TREE, rootless: tree_fd is the parent's O_PATH descriptor of `src`
 * (from its symlink-safe walk); the child clones `src` itself and fails with
 * ESTALE unless it reached that same object (st_dev, st_ino). */
#define STK_MOUNT_F_VERIFY_SOURCE 0x10u

/* Most ops a config may hold (bounds the child's stack use). */
#define STK_MAX_MOUNT_OPS 4096

struct stk_mount_op {
    int kind;
    unsigned int flags;
    int tree_fd;          /* STK_MOUNT_ATTACH_TREE, required (< 0 fails with EBADF):
                             the detached tree, or with STK_MOUNT_F_VERIFY_SOURCE
                             (rootless) the O_PATH descriptor of `src` */
    uint64_t attr_set;    /* MOUNT_ATTR_* for a tree the child clones */
    const char *src;      /* symlink text */
    const char *dst;      /* absolute path inside the sandbox */
    const char *data;     /* mount data for tmpfs */
};

/* One Landlock rule: everything beneath `path` (absolute inside the new
 * root, resolved without following symlinks) gets `access`
 * (LANDLOCK_ACCESS_FS_* bits, already masked by the parent to what the
 * kernel's ABI handles and to file rights for non-directories). */
struct stk_landlock_rule {
    const char *path;
    uint64_t access;
};

struct stk_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

/* One socket the child creates in its network namespace right after the
 * first "go" (still holding every capability there) and reports by fd
 * number (STK_REPORT_NET_SOCKET); the supervisor copies it with
 * pidfd_getfd before the second "go", and the child's copy is closed with
 * every other descriptor before anything of the workload runs. */
struct stk_net_socket {
    int domain;
    int type;
    int protocol;
    int optional;    /* on failure report fd -1 with the errno instead of failing */
};

/* What the child does, in plain memory. All pointers stay valid in the child
 * because clone without CLONE_VM copies the address space. */
struct stk_child_config {
    uint64_t clone_flags;       /* CLONE_NEW* flags for clone3 */
    int unshare_cgroup;         /* unshare(CLONE_NEWCGROUP) after the parent attached us */
    int set_groups;             /* setgroups(0, NULL) is permitted (privileged parent) */
    uid_t uid;
    gid_t gid;
    const char *hostname;       /* NULL: keep */
    int loopback_up;            /* bring lo up in the new net namespace */

    const char *root_base;      /* host dir the new root tmpfs is mounted on, e.g. "/tmp" */
    const struct stk_mount_op *mounts;
    size_t mount_count;
    const char *cwd;

    const struct stk_rlimit *rlimits;
    size_t rlimit_count;
    int cap_last_cap;           /* from /proc/sys/kernel/cap_last_cap */

    const void *bpf;            /* struct sock_filter[] */
    unsigned short bpf_len;     /* instruction count */

    const char *const *argv;
    const char *const *envp;
    const char *path;           /* PATH used to look argv[0] up when it has no '/' */

    int report_fd;              /* child → parent, records below */
    int go_fd;                  /* parent → child: one byte per handshake */

    /* Own pseudo-terminal (pty.c): a bit mask of the descriptors 0, 1, 2
     * (bit N = fd N) the pty's slave replaces; 0: no pty. When set, init
     * opens a pty pair in the sandbox's devpts, applies these settings to
     * it, hands the master to the parent (STK_REPORT_PTY, then waits for
     * "go"), puts the slave on those descriptors, and the workload makes it
     * its controlling terminal. */
    int pty;
    const void *pty_termios;    /* struct termios (glibc), NULL: kernel defaults */
    const void *pty_winsize;    /* struct winsize, NULL: leave 0x0 */
    /* Landlock (landlock.c), applied after the privileges drop and before
     * seccomp. landlock_abi 0: no Landlock at all. */
    int landlock_abi;
    uint64_t landlock_handled_fs;   /* LANDLOCK_ACCESS_FS_* the ruleset handles */
    uint64_t landlock_scoped;       /* LANDLOCK_SCOPE_* (ABI 6) */
    const struct stk_landlock_rule *landlock_rules;
    size_t landlock_rule_count;
    void *argv_area;            /* the supervisor's argv strings (/proc/self/stat */
    size_t argv_area_len;       /* arg_start..arg_end), overwritten in the child; NULL/0: leave */
    /* Sockets made inside the new network namespace for the supervisor
     * (netlink for its nft table and NFLOG, the DNS proxy's and the relay's
     * listeners): a socket keeps the namespace it was made in. */
    const struct stk_net_socket *net_sockets;
    size_t net_socket_count;
    /* Tests of debug builds only (TestOnlyHooks.swift; a release build
     * never sets it): make init a process-group leader just before setsid,
     * which then fails (EPERM), to check the step it reports. */
    int test_setsid_fails;
};

/* Steps, reported with errno when one fails. Stable: the Swift side names them. */
enum stk_step {
    STK_STEP_NONE = 0,
    STK_STEP_WAIT_GO,           /* reserved: no longer reported; kept so the numbers stay */
    STK_STEP_PDEATHSIG,
    STK_STEP_FDS,
    STK_STEP_UNSHARE_CGROUP,
    STK_STEP_SECUREBITS_EARLY,
    STK_STEP_SETGROUPS,
    STK_STEP_SETGID,
    STK_STEP_SETUID,
    STK_STEP_MOUNT_PRIVATE,
    STK_STEP_MOUNT_ROOT,
    STK_STEP_MOUNT_OP,          /* value = index of the op */
    STK_STEP_PIVOT_ROOT,
    STK_STEP_DETACH_OLD_ROOT,
    STK_STEP_HOSTNAME,
    STK_STEP_LOOPBACK,
    STK_STEP_RLIMIT,            /* value = resource */
    STK_STEP_CHDIR,
    STK_STEP_CAPS_BOUNDING,
    STK_STEP_CAPS_AMBIENT,
    STK_STEP_SECUREBITS,
    STK_STEP_CAPS,
    STK_STEP_NO_NEW_PRIVS,
    STK_STEP_DUMPABLE,
    STK_STEP_SECCOMP,
    STK_STEP_LISTENER_HANDOFF,
    STK_STEP_FORK,
    STK_STEP_SIGNALS,           /* reserved: no longer reported; kept so the numbers stay */
    STK_STEP_EXEC,
    STK_STEP_PTY,               /* value: 0 open, 1 unlock, 2 peer, 3 termios, 4 winsize, 5 dup */
    STK_STEP_LANDLOCK_RULESET,
    STK_STEP_LANDLOCK_RULE,     /* value = index of the rule */
    STK_STEP_LANDLOCK_RESTRICT,
    STK_STEP_NET_SOCKETS,       /* value = index of the socket */
    STK_STEP_SETSID,
    STK_STEP_COUNT
};

/* Records on report_fd. */
enum stk_report_kind {
    STK_REPORT_ERROR = 1,      /* step, err, value */
    STK_REPORT_LISTENER = 2,   /* value = seccomp listener fd number in the child */
    STK_REPORT_EXEC_OK = 3,    /* value = workload pid inside the namespace */
    STK_REPORT_EXEC_FAILED = 4,/* err = errno of execve (ENOENT → 127, else 126) */
    STK_REPORT_EXIT = 5,       /* value = wait status of the workload */
    STK_REPORT_PTY = 6,        /* value = pty master fd number in the child */
    STK_REPORT_NET_SOCKET = 7, /* step = index, value = fd in the child (-1: optional one failed, err) */
};

struct stk_report {
    int32_t kind;
    int32_t step;
    int32_t err;
    int32_t value;
};

/* Clone the sandbox init with clone3(CLONE_PIDFD | cfg->clone_flags).
 * Signals are blocked across the clone so no handler of the parent runs in the
 * child. Returns the child's pid (in the caller's pid namespace) and stores its
 * pidfd, or returns -errno. The child never returns from here. */
pid_t stk_spawn(const struct stk_child_config *cfg, int *pidfd_out);

/* Human-readable step name, for errors ("mount_op", "seccomp", …). */
const char *stk_step_name(int step);

#ifdef __cplusplus
}
#endif

#endif
