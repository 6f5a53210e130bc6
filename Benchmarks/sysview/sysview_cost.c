/* Rough CPU cost of the /sys view's syscalls, per sandbox: a fresh sysfs,
 * four covers, a tmpfs with four cgroup v1 binds and a read-only remount
 * (the largest v1 case). Unmounts are not counted: the sandbox pays them with
 * its mount namespace's teardown anyway.
 *
 * Run only inside a private mount namespace, never on the host's:
 *   cc -O2 -o sysview_cost sysview_cost.c && unshare -rnm ./sysview_cost x
 * It mounts only under /tmp/stockade-sysview-bench, inside that namespace. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void attach_clone(const char *src, int dirfd, const char *dst, int mk){
    int t = syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC);
    if (t<0){perror(src);_exit(1);}
    struct mount_attr a={0}; a.attr_set=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV;
    syscall(SYS_mount_setattr,t,"",AT_EMPTY_PATH,&a,sizeof a);
    if (mk) mkdirat(dirfd,dst,0755);
    int d = openat(dirfd,dst,O_PATH|O_DIRECTORY|O_CLOEXEC);
    if (d<0){ if(!mk){close(t);return;} perror(dst);_exit(1);}
    if (syscall(SYS_move_mount,t,"",d,"",MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)<0){perror("move");_exit(1);}
    close(d);close(t);
}
int main(int argc,char**argv){
    int n = 500; int with = argc>1;
    mkdir("/tmp/stockade-sysview-bench",0755); mkdir("/tmp/stockade-sysview-bench/root",0755); mkdir("/tmp/stockade-sysview-bench/empty",0755);
    mount("tmpfs","/tmp/stockade-sysview-bench/root","tmpfs",0,NULL); mkdir("/tmp/stockade-sysview-bench/root/sys",0755);
    double total=0, tsys=0, tcov=0, tcg=0;
    for(int i=0;i<n;i++){
        if(!with) continue;
        double t0=now();
        if(mount("sysfs","/tmp/stockade-sysview-bench/root/sys","sysfs",MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC,NULL)<0){perror("sysfs");return 1;}
        tsys += now()-t0;
        int sys=open("/tmp/stockade-sysview-bench/root/sys",O_PATH|O_DIRECTORY);
        attach_clone("/tmp/stockade-sysview-bench/empty",sys,"firmware",0);
        attach_clone("/tmp/stockade-sysview-bench/empty",sys,"power",0);
        attach_clone("/tmp/stockade-sysview-bench/empty",sys,"dev/block",0);
        attach_clone("/tmp/stockade-sysview-bench/empty",sys,"devices/virtual/powercap",0);
        tcov += now()-t0;
        mount("tmpfs","/tmp/stockade-sysview-bench/root/sys/fs/cgroup","tmpfs",MS_NOSUID|MS_NODEV,"mode=0755,size=16k");
        int cg=open("/tmp/stockade-sysview-bench/root/sys/fs/cgroup",O_PATH|O_DIRECTORY);
        attach_clone("/sys/fs/cgroup/memory",cg,"memory",1);
        attach_clone("/sys/fs/cgroup/pids",cg,"pids",1);
        attach_clone("/sys/fs/cgroup/cpu",cg,"cpu",1);
        attach_clone("/sys/fs/cgroup/cpuacct",cg,"cpuacct",1);
        tcg += now()-t0;
        struct mount_attr a={0}; a.attr_set=MOUNT_ATTR_RDONLY;
        syscall(SYS_mount_setattr,cg,"",AT_EMPTY_PATH,&a,sizeof a);
        close(cg);close(sys);
        total += now()-t0;
        if(umount2("/tmp/stockade-sysview-bench/root/sys",MNT_DETACH)<0){perror("umount");return 1;}
    }
    printf("setup %.1f us cpu per sandbox: sysfs %.1f, +4 covers %.1f, +tmpfs+4 cgroup binds %.1f\n", total/n*1e6, tsys/n*1e6, tcov/n*1e6, tcg/n*1e6);
    return 0;
}
