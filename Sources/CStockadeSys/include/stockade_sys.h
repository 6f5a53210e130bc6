/* Parent-side syscall shims the Swift Glibc overlay does not expose well:
 * pidfds, the new mount API, seccomp user notification, signalfd.
 * Each returns the documented value or -errno. */
#ifndef STOCKADE_SYS_H
#define STOCKADE_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* pidfd_getfd(2): copy descriptor `fd` out of the process behind pidfd (CLOEXEC). */
int stk_pidfd_getfd(int pidfd, int fd);
/* pidfd_send_signal(2). */
int stk_pidfd_send_signal(int pidfd, int sig);

/* mount_setattr(2) on a detached tree: set and clear MOUNT_ATTR_* bits. */
int stk_mount_setattr_fd(int fd, uint64_t attr_set, uint64_t attr_clr, int recursive);

#define STK_MOUNT_ATTR_RDONLY 0x1u
#define STK_MOUNT_ATTR_NOSUID 0x2u
#define STK_MOUNT_ATTR_NODEV  0x4u
#define STK_MOUNT_ATTR_NOEXEC 0x8u

/* One seccomp user notification. */
struct stk_notification {
    uint64_t id;
    uint32_t pid;
    int32_t nr;
    uint32_t arch;
    uint64_t args[6];
};
/* SECCOMP_IOCTL_NOTIF_RECV; returns 0 or -errno (-ENOENT: the caller died). */
int stk_notif_recv(int listener, struct stk_notification *out);
/* SECCOMP_IOCTL_NOTIF_SEND with error = -err (err > 0), never "continue". */
int stk_notif_deny(int listener, uint64_t id, int err);
/* SECCOMP_IOCTL_NOTIF_SEND with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the call
 * proceeds as if the filter had allowed it. Only for calls the policy
 * allows anyway and that are notified to be reported (never a decision). */
int stk_notif_continue(int listener, uint64_t id);

/* Block `signals` in the calling thread and return a CLOEXEC|NONBLOCK
 * signalfd for them. */
int stk_signalfd_for(const int *signals, int count);
/* Read one signal number from a signalfd, 0 when none is pending. */
int stk_signalfd_read(int fd);
/* Unblock the same signals (used after the supervisor is done). */
void stk_unblock_signals(const int *signals, int count);


#ifdef __cplusplus
}
#endif

#endif

#ifdef __cplusplus
extern "C" {
#endif
/* Namespace clone flags (linux/sched.h), for Swift. */
#define STK_CLONE_NEWNS     0x00020000ull
#define STK_CLONE_NEWCGROUP 0x02000000ull
#define STK_CLONE_NEWUTS    0x04000000ull
#define STK_CLONE_NEWIPC    0x08000000ull
#define STK_CLONE_NEWUSER   0x10000000ull
#define STK_CLONE_NEWPID    0x20000000ull
#define STK_CLONE_NEWNET    0x40000000ull
#define STK_CLONE_NEWTIME   0x00000080ull

/* pipe2(fds, O_CLOEXEC); 0 or -errno. */
int stk_pipe_cloexec(int fds[2]);
/* getrandom(2) filling all `len` bytes; 0 or -errno. */
int stk_random_bytes(void *buf, size_t len);
/* Whether the kernel supports SECCOMP_RET_USER_NOTIF. */
int stk_seccomp_notify_available(void);
/* Landlock ABI version, 0 when unavailable. */
int stk_landlock_abi(void);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* Whether pidfd_open(2) works on this kernel (it is probed on ourselves). */
int stk_pidfd_supported(void);
/* The O_PATH open flag, which Swift's Glibc module does not export. */
#define STK_O_PATH 010000000

/* open_tree(fd, "", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_EMPTY_PATH), plus
 * AT_RECURSIVE when recursive: a detached copy of the tree `fd` names, with
 * no path resolved at all. */
int stk_open_tree_fd(int fd, int recursive);

/* Runs fn(ctx) on a new thread whose file-system identity is uid/gid with
 * exactly `groups` as supplementary groups. setfsuid/setfsgid/setgroups are
 * issued as raw syscalls, so only that thread changes (glibc's wrappers
 * broadcast to every thread of the process). Returns 0 once fn returned,
 * or -errno when the thread or an identity change failed (fn not run). */
int stk_with_fs_identity(uint32_t uid, uint32_t gid, const uint32_t *groups, size_t ngroups,
                         void (*fn)(void *), void *ctx);

/* faccessat2(fd, "", mode, AT_EMPTY_PATH|AT_EACCESS): checked with the
 * calling thread's file-system identity. 0 or -errno. */
int stk_faccess_fd(int fd, int mode);

/* The GNU build ID (NT_GNU_BUILD_ID) of a loaded object, read from its
 * program headers in memory (dl_iterate_phdr; build_id.c): the object whose
 * segments hold `address` when it is not NULL, else the first whose path
 * contains `name_part`. Lowercase hex with a NUL into `out`. Returns the
 * number of hex digits; 0 when the object has no build ID; -1 when no
 * object matches; -ERANGE when the ID does not fit in `cap`. */
int stk_build_id(const void *address, const char *name_part, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

/* Flags and calls glibc declares only under _GNU_SOURCE, which Swift's Glibc
 * module does not define. The values are checked against the system headers
 * when sys.c is compiled (_Static_assert), so Swift never carries a literal. */
#ifdef __cplusplus
extern "C" {
#endif
/* O_TMPFILE (it includes the O_DIRECTORY bit). */
#define STK_O_TMPFILE 020200000
/* seccomp_data.arch values (linux/audit.h): x86_64, and x32 (EM_X86_64 |
 * __AUDIT_ARCH_LE, libseccomp's SCMP_ARCH_X32); Swift does not import
 * macros built from other macros. */
#define STK_AUDIT_ARCH_X86_64 0xC000003Eu
#define STK_AUDIT_ARCH_X32    0x4000003Eu
/* memfd_create(2) flags. */
#define STK_MFD_CLOEXEC       0x0001u
#define STK_MFD_ALLOW_SEALING 0x0002u
/* fcntl(2) F_ADD_SEALS and its seals. */
#define STK_F_ADD_SEALS    1033
#define STK_F_SEAL_SEAL    0x0001
#define STK_F_SEAL_SHRINK  0x0002
#define STK_F_SEAL_GROW    0x0004
#define STK_F_SEAL_WRITE   0x0008
/* renameat2(2) flag: fail with EEXIST instead of replacing the target. */
#define STK_RENAME_NOREPLACE 0x1u

/* memfd_create(2); the fd or -errno. */
int stk_memfd_create(const char *name, unsigned flags);
/* setns(2) of the calling thread; 0 or -errno. */
int stk_setns(int fd, int nstype);
/* renameat2(2) by raw syscall (the Glibc module does not declare it);
 * 0 or -errno. */
int stk_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname, unsigned flags);
#ifdef __cplusplus
}
#endif
