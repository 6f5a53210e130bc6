#if canImport(Glibc)
import Glibc
#endif
import CCap
import CSandboxChild
import CStockadeSys

/// Memory for the C child's configuration. Everything is allocated with
/// malloc before clone and freed after it: the child has its own copy of the
/// address space, so these pointers stay valid there with no Swift involved.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func string(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func optionalString(_ s: String?) -> UnsafePointer<CChar>? {
        s.map { string($0) }
    }

    /// A NULL-terminated array of C strings (argv, envp).
    func stringArray(_ items: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let p = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: items.count + 1)
        for (i, s) in items.enumerated() { p[i] = string(s) }
        p[items.count] = nil
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func array<T>(_ items: [T]) -> UnsafePointer<T>? {
        guard !items.isEmpty else { return nil }
        let p = UnsafeMutablePointer<T>.allocate(capacity: items.count)
        p.initialize(from: items, count: items.count)
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    func bytes(_ data: [UInt8]) -> UnsafeRawPointer? {
        guard !data.isEmpty else { return nil }
        let p = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 8)
        data.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        blocks.append(p)
        return UnsafeRawPointer(p)
    }

    deinit {
        for b in blocks { free(b) }
    }
}

/// Detached mount trees the parent prepares (as itself, with its own access
/// rights) for every bind; the child only attaches them.
struct PreparedTrees {
    /// Per mount step index, the tree fd for binds; -1 otherwise. Rootless:
    /// the `O_PATH` descriptor of the source, which the child compares with
    /// what it clones itself (`STK_MOUNT_F_VERIFY_SOURCE`).
    var fds: [Int32]

    static func prepare(_ steps: [MountStep], rootless: Bool, caller: SudoCaller? = nil) throws(SetupError) -> PreparedTrees {
        var fds = [Int32](repeating: -1, count: steps.count)
        for (i, step) in steps.enumerated() {
            guard case .bind(let source, let destination, let readOnly, let isFile, let device) = step else { continue }
            let pathFd: Int32
            do {
                pathFd = try BindSource.open(source, destination: destination, readOnly: readOnly, isFile: isFile, device: device, caller: caller)
            } catch {
                closeAll(fds)
                throw error
            }
            // Without root, only the child's new user namespace may clone
            // mounts; it does so itself and checks it reached this object.
            if rootless {
                fds[i] = pathFd
                continue
            }
            // The descriptor from the safe walk, never the string again.
            let fd = stk_open_tree_fd(pathFd, isFile ? 0 : 1)
            close(pathFd)
            if fd < 0 {
                closeAll(fds)
                throw SetupError(step: "open_tree", code: .bindSource, errno: -fd, subject: source, message: "cannot bind \(source) at \(destination)")
            }
            var set = UInt64(STK_MOUNT_ATTR_NOSUID)
            if !device { set |= UInt64(STK_MOUNT_ATTR_NODEV) }
            if readOnly { set |= UInt64(STK_MOUNT_ATTR_RDONLY) }
            let r = stk_mount_setattr_fd(fd, set, 0, isFile ? 0 : 1)
            if r < 0 {
                close(fd)
                closeAll(fds)
                throw SetupError(step: "mount_setattr", code: .bindAttributes, errno: -r, subject: source, message: "cannot make the bind of \(source) \(readOnly ? "read-only" : "nosuid")")
            }
            fds[i] = fd
        }
        return PreparedTrees(fds: fds)
    }

    static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    func closeAll() { Self.closeAll(fds) }
}

/// Builds `stk_child_config` from a plan, in C memory owned by `arena`.
struct ChildConfigBuilder {
    let plan: Plan
    let trees: PreparedTrees
    let arena: CArena
    /// The workload's own pty (`--tty`): the caller's modes and window size
    /// for it, or nil for no pty.
    var pty: PtySettings? = nil
    /// What of the plan's Landlock ruleset this kernel enforces.
    var landlock: LandlockEnforcement = .none

    func build(reportFd: Int32, goFd: Int32) -> stk_child_config {
        var ops: [stk_mount_op] = []
        for (i, step) in plan.mounts.enumerated() {
            var op = stk_mount_op()
            op.tree_fd = -1
            switch step {
            case .bind(let src, let dst, let readOnly, let isFile, let device):
                op.kind = Int32(STK_MOUNT_ATTACH_TREE.rawValue)
                op.tree_fd = trees.fds[i]
                op.dst = arena.string(dst)
                op.src = arena.string(src)
                if plan.spec.rootless && op.tree_fd >= 0 { op.flags |= UInt32(STK_MOUNT_F_VERIFY_SOURCE) }
                op.attr_set = UInt64(STK_MOUNT_ATTR_NOSUID) | (device ? 0 : UInt64(STK_MOUNT_ATTR_NODEV)) | (readOnly ? UInt64(STK_MOUNT_ATTR_RDONLY) : 0)
                if isFile { op.flags |= UInt32(STK_MOUNT_F_FILE) } else { op.flags |= UInt32(STK_MOUNT_F_RECURSIVE) }
            case .tmpfs(let dst, let options, let ro):
                op.kind = Int32(STK_MOUNT_TMPFS.rawValue)
                op.dst = arena.string(dst)
                op.data = arena.string(options)
                if ro { op.flags |= UInt32(STK_MOUNT_F_RDONLY) }
            case .proc(let dst):
                op.kind = Int32(STK_MOUNT_PROC.rawValue)
                op.dst = arena.string(dst)
            case .devpts(let dst):
                op.kind = Int32(STK_MOUNT_DEVPTS.rawValue)
                op.dst = arena.string(dst)
            case .symlink(let target, let at):
                op.kind = Int32(STK_MOUNT_SYMLINK.rawValue)
                op.src = arena.string(target)
                op.dst = arena.string(at)
            case .hide(let path, let isFile, let optional):
                op.kind = Int32(isFile ? STK_MOUNT_HIDE_FILE.rawValue : STK_MOUNT_HIDE_DIR.rawValue)
                op.dst = arena.string(path)
                if isFile { op.flags |= UInt32(STK_MOUNT_F_FILE) }
                if optional { op.flags |= UInt32(STK_MOUNT_F_OPTIONAL) }
            case .remountReadOnly(let path):
                op.kind = Int32(STK_MOUNT_REMOUNT_RO.rawValue)
                op.dst = arena.string(path)
            case .sysfs(let dst):
                op.kind = Int32(STK_MOUNT_SYSFS.rawValue)
                op.dst = arena.string(dst)
                // Fallback when the kernel refuses a fresh sysfs (SysView).
                op.src = arena.string("/sys")
                op.data = arena.string(SysView.fallbackCovers(destination: dst).joined(separator: "\n"))
            case .cgroupView(let dst):
                // Not expanded (no cgroup to show): an empty read-only dir.
                op.kind = Int32(STK_MOUNT_TMPFS.rawValue)
                op.dst = arena.string(dst)
                op.data = arena.string("mode=0755,size=4k")
                op.flags |= UInt32(STK_MOUNT_F_RDONLY)
            }
            ops.append(op)
        }
        let rlimits = plan.rlimits.map { stk_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }

        var flags: UInt64 = STK_CLONE_NEWUSER | STK_CLONE_NEWNS | STK_CLONE_NEWPID | STK_CLONE_NEWUTS | STK_CLONE_NEWIPC
        if plan.namespaces.contains(.net) { flags |= STK_CLONE_NEWNET }

        var cfg = stk_child_config()
        cfg.clone_flags = flags
        cfg.unshare_cgroup = plan.namespaces.contains(.cgroup) ? 1 : 0
        cfg.set_groups = plan.spec.rootless ? 0 : 1
        cfg.uid = plan.spec.uid
        cfg.gid = plan.spec.gid
        cfg.hostname = arena.string(plan.spec.hostname)
        cfg.loopback_up = plan.loopbackUp ? 1 : 0
        cfg.root_base = arena.string("/tmp")
        cfg.mounts = arena.array(ops)
        cfg.mount_count = ops.count
        cfg.cwd = arena.string(plan.cwd)
        cfg.rlimits = arena.array(rlimits)
        cfg.rlimit_count = rlimits.count
        // libcap knows how many capabilities this kernel has (cap_last_cap).
        cfg.cap_last_cap = Int32(cap_max_bits()) - 1
        cfg.bpf = arena.bytes(plan.seccomp.bpf)
        cfg.bpf_len = UInt16(plan.seccomp.instructionCount)
        cfg.argv = arena.stringArray(plan.argv)
        cfg.envp = arena.stringArray(plan.environment)
        cfg.path = arena.optionalString(plan.spec.searchPath)
        cfg.report_fd = reportFd
        cfg.go_fd = goFd
        if let pty {
            cfg.pty = pty.descriptors.reduce(0) { $0 | (1 << $1) }
            cfg.pty_termios = pty.modes.flatMap { m in arena.bytes(withUnsafeBytes(of: m) { Array($0) }) }
            cfg.pty_winsize = pty.windowSize.flatMap { w in arena.bytes(withUnsafeBytes(of: w) { Array($0) }) }
        }
        landlock.fill(&cfg, arena: arena)
        if let area = ArgvArea.current() {
            cfg.argv_area = UnsafeMutableRawPointer(bitPattern: area.start)
            cfg.argv_area_len = area.length
        }
        if plan.spec.network == .filtered || plan.spec.network == .audit {
            let sockets = EgressSocket.specs
            cfg.net_sockets = arena.array(sockets)
            cfg.net_socket_count = sockets.count
        }
        TestOnlyHooks.apply(child: &cfg)
        return cfg
    }
}

/// What the child applies to the pty it opens.
struct PtySettings {
    /// Which of 0, 1, 2 the pty replaces.
    var descriptors: [Int32]
    var modes: termios?
    var windowSize: winsize?
}
