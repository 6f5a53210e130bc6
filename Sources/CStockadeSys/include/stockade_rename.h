/* renameat2(2), which the Swift Glibc overlay does not expose.
 * Returns 0 or -errno. */
#ifndef STOCKADE_RENAME_H
#define STOCKADE_RENAME_H

#ifdef __cplusplus
extern "C" {
#endif

#define STK_RENAME_NOREPLACE 0x1u

/* renameat2(olddirfd, oldname, newdirfd, newname, flags) by raw syscall. */
int stk_renameat2(int olddirfd, const char *oldname, int newdirfd, const char *newname, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
