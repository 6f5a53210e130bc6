/* The second wall: a Landlock ruleset under the mount view.
 *
 * The parent derived the rules from the same plan that built the mounts and
 * masked them to what this kernel's ABI handles (LandlockPlan.swift); here we
 * only open each path, add it, and restrict ourselves. Runs after
 * pivot_root, so every path is one of the sandbox's own view; each is still
 * resolved without following any symlink, because some lie in the workspace,
 * which the workload may have written in an earlier run (hard rule 7).
 *
 * The structures and constants are spelled out here rather than taken from
 * <linux/landlock.h>, so that an older header does not silently drop the
 * `scoped` field (landlock(7), "Compatibility"). */
#define _GNU_SOURCE
#include "child_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STK_NR_landlock_create_ruleset 444
#define STK_NR_landlock_add_rule 445
#define STK_NR_landlock_restrict_self 446
#define STK_LANDLOCK_RULE_PATH_BENEATH 1

struct stk_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4; never handled: egress is nftables' job */
    uint64_t scoped;             /* ABI 6 */
};

struct stk_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

void stk_apply_landlock(const struct stk_child_config *cfg)
{
    if (cfg->landlock_abi <= 0)
        return;
    struct stk_ll_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = cfg->landlock_handled_fs;
    /* Fields an older kernel does not know are zero, which it accepts
     * (copy_struct_from_user): the parent masked them by ABI already. */
    attr.scoped = cfg->landlock_abi >= 6 ? cfg->landlock_scoped : 0;
    long rs = syscall(STK_NR_landlock_create_ruleset, &attr, sizeof attr, 0u);
    if (rs < 0)
        stk_fail(cfg, STK_STEP_LANDLOCK_RULESET, errno, 0);
    int ruleset = (int)rs;
    /* After pivot_root, "/" is the sandbox's own root. */
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        stk_fail(cfg, STK_STEP_LANDLOCK_RULESET, errno, 1);

    for (size_t i = 0; i < cfg->landlock_rule_count; i++) {
        const struct stk_landlock_rule *r = &cfg->landlock_rules[i];
        if (r->access == 0)
            continue;
        int fd = stk_open_beneath(root, r->path, O_PATH);
        if (fd == -EACCES)
            continue; /* the sandbox user cannot reach it: no rule is narrower */
        if (fd < 0)
            stk_fail(cfg, STK_STEP_LANDLOCK_RULE, -fd, (int)i);
        struct stk_ll_path_beneath_attr pb;
        pb.allowed_access = r->access;
        pb.parent_fd = fd;
        long ok = syscall(STK_NR_landlock_add_rule, ruleset, STK_LANDLOCK_RULE_PATH_BENEATH, &pb, 0u);
        int e = errno;
        close(fd);
        if (ok < 0)
            stk_fail(cfg, STK_STEP_LANDLOCK_RULE, e, (int)i);
    }

    close(root);
    /* no_new_privs is already set (stk_drop_privileges), which is what lets
     * a process without CAP_SYS_ADMIN restrict itself (landlock(7)). */
    if (syscall(STK_NR_landlock_restrict_self, ruleset, 0u) < 0)
        stk_fail(cfg, STK_STEP_LANDLOCK_RESTRICT, errno, 0);
    close(ruleset);
}
