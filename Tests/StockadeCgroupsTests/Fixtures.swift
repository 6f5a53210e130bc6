/// Captured /proc/self/{mountinfo,cgroup} texts of the three kinds of host.
enum Fixtures {
    /// This project's CI VM: v1 controllers plus a cgroup2 mount holding only hugetlb.
    static let hybridMountInfo = """
    22 27 0:21 / /proc rw,relatime - proc proc rw
    23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

    """
    static let hybridProcCgroup = """
    9:name=systemd:/
    8:pids:/
    7:blkio:/
    6:freezer:/
    5:devices:/
    4:memory:/process_api/696a5e3fd10a38c2270643a73eaaee89
    3:cpuset:/
    2:cpuacct:/
    1:cpu:/
    0::/

    """

    /// A systemd v2-only host; the supervisor runs as a delegated service.
    static let v2MountInfo = """
    22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
    26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
    """
    static let v2ProcCgroup = "0::/system.slice/stockade.service\n"

    /// An older v1 host with cpu and cpuacct co-mounted and a systemd name hierarchy.
    static let v1MountInfo = """
    30 23 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
    31 30 0:27 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup rw,xattr,name=systemd
    34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 - cgroup cgroup rw,cpu,cpuacct
    35 30 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
    36 30 0:32 / /sys/fs/cgroup/pids rw,nosuid shared:16 - cgroup cgroup rw,pids
    """
    static let v1ProcCgroup = """
    12:pids:/user.slice/user-0.slice/session-1.scope
    4:cpu,cpuacct:/user.slice
    3:memory:/user.slice
    1:name=systemd:/user.slice/user-0.slice/session-1.scope
    """
}
