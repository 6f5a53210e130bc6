/* The init is a clone of the supervisor, never exec'd: its argv area still
 * holds the supervisor's command line, which /proc/1/cmdline shows the
 * workload (proc(5) reads it from the process's memory, with no ptrace
 * check, so PR_SET_DUMPABLE does not hide it). Overwrite it. */
#define _GNU_SOURCE
#include "child_internal.h"

void stk_hide_argv(const struct stk_child_config *cfg)
{
    static const char name[] = "stockade-init";
    char *p = (char *)cfg->argv_area;
    size_t len = cfg->argv_area_len;
    if (p != NULL && len > 0) {
        /* Our copy of the page (clone without CLONE_VM): the parent's stays. */
        for (size_t i = 0; i < len; i++)
            p[i] = '\0';
        for (size_t i = 0; i + 1 < len && i + 1 < sizeof name; i++)
            p[i] = name[i];
    }
    /* /proc/1/comm stays "sandbox-run": the binary's name says nothing the
     * workload does not know, and profilers attribute the init by it. */
}
