/* Identity switch and the capability drop: all 64 bits of every set. */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void stk_switch_identity(const struct stk_child_config *cfg)
{
    /* Keep capabilities across the uid change; they are dropped explicitly
     * later (capabilities(7), "Effect of user ID changes"). */
    if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_SECUREBITS_EARLY, errno, 0);
    /* Supplementary groups are the supervisor's (root's): drop them, or the
     * workload would keep kgid 0 for group permission checks. The raw
     * syscall, not glibc's setgroups(): once the supervisor has had threads,
     * glibc applies it to every thread it recorded by signalling them
     * (nptl setxid), which is not async-signal-safe after a raw clone. */
    if (cfg->set_groups && syscall(SYS_setgroups, 0, NULL) < 0)
        stk_fail(cfg, STK_STEP_SETGROUPS, errno, 0);
    /* Group before user: after setresuid we may lack the right to change it. */
    if (syscall(SYS_setresgid, cfg->gid, cfg->gid, cfg->gid) < 0)
        stk_fail(cfg, STK_STEP_SETGID, errno, (int)cfg->gid);
    if (syscall(SYS_setresuid, cfg->uid, cfg->uid, cfg->uid) < 0)
        stk_fail(cfg, STK_STEP_SETUID, errno, (int)cfg->uid);
}

void stk_drop_privileges(const struct stk_child_config *cfg)
{
    for (int cap = 0; cap <= cfg->cap_last_cap; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            stk_fail(cfg, STK_STEP_CAPS_BOUNDING, errno, cap);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_CAPS_AMBIENT, errno, 0);

    /* Lock the securebits so nothing in the sandbox can regain capabilities
     * by becoming uid 0 or through ambient raises. Needs CAP_SETPCAP, which
     * we still hold until capset below. */
    unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED
                       | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED
                       | SECBIT_KEEP_CAPS_LOCKED
                       | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_SECUREBITS, errno, 0);

    /* Version 3 carries two 32-bit words per set: both are zeroed, so caps
     * 32..63 are dropped too. */
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    if (syscall(SYS_capset, &hdr, data) < 0)
        stk_fail(cfg, STK_STEP_CAPS, errno, 0);

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_NO_NEW_PRIVS, errno, 0);
}

void stk_make_undumpable(const struct stk_child_config *cfg)
{
    /* This init is a copy of the supervisor's memory (its environment
     * included, secrets and all): make /proc/1/{mem,environ} unreadable to
     * the workload, which runs under the same uid. Done after the listener
     * handoff, because pidfd_getfd needs ptrace access to us, which an
     * unprivileged supervisor loses once we are non-dumpable. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        stk_fail(cfg, STK_STEP_DUMPABLE, errno, 0);
}
