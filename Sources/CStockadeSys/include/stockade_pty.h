/* Checks on a pty master the supervisor receives from the sandbox init. */
#ifndef STOCKADE_PTY_H
#define STOCKADE_PTY_H

#ifdef __cplusplus
extern "C" {
#endif

/* ioctl(TIOCGPTN): the number of the pty whose master `fd` is, or -errno
 * (ENOTTY for a slave, a pipe, a file or any other descriptor). A function
 * because TIOCGPTN is an _IOR macro Swift cannot import. */
int stk_pty_number(int fd);

#ifdef __cplusplus
}
#endif

#endif
