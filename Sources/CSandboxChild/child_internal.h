/* Private helpers of the child path. Everything here is async-signal-safe:
 * raw syscalls, stack buffers, no malloc, no stdio, no locks. */
#ifndef STOCKADE_CHILD_INTERNAL_H
#define STOCKADE_CHILD_INTERNAL_H

#include "stockade_child.h"

/* Write one report record; ignores failure (the parent treats a vanished
 * child as a setup failure anyway). */
void stk_report(int fd, int kind, int step, int err, int value);

/* Report a failed step with errno and leave with status 125. */
__attribute__((noreturn)) void stk_fail(const struct stk_child_config *cfg, int step, int err, int value);

/* Entry point of the init process after clone. Never returns. */
__attribute__((noreturn)) void stk_child_main(const struct stk_child_config *cfg);

/* Build the new root under cfg->root_base, run the mount ops, pivot into it.
 * Returns 0 or fails through stk_fail. */
void stk_setup_filesystem(const struct stk_child_config *cfg);

/* Switch uid/gid early, keeping capabilities (they are dropped later). */
void stk_switch_identity(const struct stk_child_config *cfg);

/* Drop every capability in every set, lock securebits, set no_new_privs. */
void stk_drop_privileges(const struct stk_child_config *cfg);

/* Build the parent-prepared Landlock ruleset and restrict ourselves (and so
 * the workload we fork) to it. No-op when cfg->landlock_abi is 0. */
void stk_apply_landlock(const struct stk_child_config *cfg);

/* PR_SET_DUMPABLE 0, after the listener handoff. */
void stk_make_undumpable(const struct stk_child_config *cfg);

/* Install the seccomp filter; returns its listener fd (stk_child_main
 * hands it to the parent), or -1 when the config carries no filter. */
int stk_install_seccomp(const struct stk_child_config *cfg);

/* Create cfg->net_sockets in this network namespace and report each. */
void stk_make_net_sockets(const struct stk_child_config *cfg);

/* Fork the workload, report exec outcome, reap and forward until it exits. */
__attribute__((noreturn)) void stk_run_init(const struct stk_child_config *cfg);

/* A fresh read-only sysfs at `target` (a /proc/self/fd path). Returns 0 or
 * -errno. */
int stk_mount_sysfs(const char *target);

/* Open the sandbox's own pty (cfg->pty), hand the master to the parent,
 * make the slave fds 0, 1 and 2 of init. Fails through stk_fail. */
void stk_setup_pty(const struct stk_child_config *cfg);

/* In the workload, after setsid: take the pty on fd 0 as the controlling
 * terminal. */
void stk_take_controlling_tty(const struct stk_child_config *cfg);
/* Overwrite the supervisor's argv area (cfg->argv_area) with the init's
 * own name, so /proc/1/cmdline does not show the supervisor's command. */
void stk_hide_argv(const struct stk_child_config *cfg);

/* Wait for the parent's "go" byte; EOF or any other byte ends the child
 * quietly (exit 125): the parent died or gave up and reports why itself. */
void stk_read_go(const struct stk_child_config *cfg);

/* openat2(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH) of
 * `path` under dirfd, leading slashes meaning dirfd itself; O_CLOEXEC is
 * added. Returns the fd or -errno (beneath.c). */
int stk_open_beneath(int dirfd, const char *path, int flags);

/* Small string helpers (no libc locale or allocation). */
size_t stk_strlen(const char *s);
int stk_append(char *buf, size_t cap, size_t *len, const char *s);
void stk_itoa(int v, char *out);

#endif
