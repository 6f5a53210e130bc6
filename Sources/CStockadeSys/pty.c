#define _GNU_SOURCE
#include "stockade_pty.h"

#include <errno.h>
#include <sys/ioctl.h>

int stk_pty_number(int fd)
{
    unsigned int n = 0;
    /* Only the master side of a Unix 98 pty answers TIOCGPTN
     * (drivers/tty/pty.c, pty_unix98_ioctl). */
    if (ioctl(fd, TIOCGPTN, &n) < 0)
        return -errno;
    return (int)n;
}
