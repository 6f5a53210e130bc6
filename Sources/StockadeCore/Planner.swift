import StockadeProfile
import StockadeSeccomp

/// Turns a spec into a plan. Pure apart from reading filesystem facts through
/// `HostFileSystem` and compiling seccomp (libseccomp, in memory).
public struct Planner: Sendable {
    public var fs: any HostFileSystem
    public var maskScanner: MaskScanner
    /// Where compiled filters may be cached (libseccomp takes ~3 ms for the
    /// default policy); nil compiles every time.
    public var seccompCache: SeccompFilterCache?

    public init(fs: any HostFileSystem = LiveHostFileSystem(), maskScanner: MaskScanner = MaskScanner(), seccompCache: SeccompFilterCache? = nil) {
        self.fs = fs
        self.maskScanner = maskScanner
        self.seccompCache = seccompCache
    }

    /// The device nodes of the minimal /dev, bound from the host's.
    public static let deviceNodes = ["null", "zero", "full", "random", "urandom", "tty"]

    public func plan(_ spec: SandboxSpec) throws(PlanError) -> Plan {
        guard !spec.command.isEmpty else {
            throw PlanError(code: .noCommand, subject: "command", message: "no command given; put it after `--`")
        }
        var namespaces: [Namespace] = [.user, .mount, .pid, .uts, .ipc, .cgroup]
        if spec.network != .host { namespaces.append(.net) }

        let compiled: CompiledSeccompFilter
        do {
            if let cache = seccompCache {
                compiled = try cache.compile(spec.seccomp)
            } else {
                compiled = try SeccompCompiler.compile(spec.seccomp)
            }
        } catch {
            throw PlanError(code: .seccompCompile, subject: "seccomp", message: "\(error)")
        }

        var groups: [(dest: String, order: Int, steps: [MountStep])] = []
        func add(_ dest: String, _ steps: [MountStep]) {
            groups.append((dest, groups.count, steps))
        }

        for bind in spec.binds {
            add(bind.destination, try bindSteps(bind))
        }
        if let ws = spec.workspace, spec.workspaceMode != .none {
            switch fs.kind(of: ws) {
            case .directory: break
            case .missing:
                throw PlanError(code: .workspaceMissing, subject: ws, message: "workspace does not exist")
            default:
                throw PlanError(code: .workspaceNotDirectory, subject: ws, message: "workspace must be a directory")
            }
            add(ws, [.bind(source: ws, destination: ws, readOnly: spec.workspaceMode == .readOnly, isFile: false, device: false)])
        }
        for path in spec.tmpfs {
            add(path, [.tmpfs(destination: path, options: "mode=1777", readOnly: false)])
        }
        add("/proc", [.proc(destination: "/proc")])
        var dev: [MountStep] = [.tmpfs(destination: "/dev", options: "mode=0755,size=64k", readOnly: false)]
        for node in Self.deviceNodes {
            dev.append(.bind(source: "/dev/" + node, destination: "/dev/" + node, readOnly: false, isFile: true, device: true))
        }
        dev += [
            .devpts(destination: "/dev/pts"),
            .symlink(target: "pts/ptmx", at: "/dev/ptmx"),
            .tmpfs(destination: "/dev/shm", options: "mode=1777", readOnly: false),
            .symlink(target: "/proc/self/fd", at: "/dev/fd"),
            .symlink(target: "/proc/self/fd/0", at: "/dev/stdin"),
            .symlink(target: "/proc/self/fd/1", at: "/dev/stdout"),
            .symlink(target: "/proc/self/fd/2", at: "/dev/stderr"),
        ]
        add("/dev", dev)
        add("/sys", SysView.steps(network: spec.network))
        // Decided once: the binds come from the place the egress runtime
        // writes and checks (Plan.egressFiles); $XDG_RUNTIME_DIR is not read again.
        let egressPlace = spec.network == .filtered || spec.network == .audit ? EgressFiles.location(rootless: spec.rootless) : nil
        let egressSteps = egressPlace.map(EgressFiles.mountSteps(in:)) ?? []
        if !egressSteps.isEmpty {
            // Deeper than /etc, so they land on top of a bound /etc.
            add("/etc/resolv.conf", [egressSteps[0]])
            add("/etc/hosts", [egressSteps[1]])
        }

        // Parents before children; equal depth keeps request order, so a later
        // request for the same path covers an earlier one.
        groups.sort { a, b in
            let da = depth(a.dest), db = depth(b.dest)
            return da != db ? da < db : a.order < b.order
        }
        var mounts = groups.flatMap(\.steps)
        mounts.append(.remountReadOnly(path: "/dev"))

        for path in spec.hide {
            switch fs.kind(of: path) {
            case .missing: continue
            case .symlink(let target):
                throw PlanError(code: .hideSymlink, subject: path, message: "cannot hide a symlink (it points to \(target)); hide its target instead")
            case .directory: mounts.append(.hide(path: path, isFile: false, optional: true))
            case .file, .special: mounts.append(.hide(path: path, isFile: true, optional: true))
            }
        }

        var masked: [String] = []
        var unmasked: [String] = []
        var scanned: [String: FileIdentity] = [:]
        if let ws = spec.workspace, spec.workspaceMode != .none, !spec.mask.isEmpty {
            let survey: MaskScanner.Survey
            do {
                survey = try maskScanner.survey(workspace: ws, patterns: spec.mask, unmask: spec.unmask, fs: fs)
            } catch {
                throw PlanError(code: .maskScanLimit, subject: error.path, message: error.description)
            }
            if let root = survey.root { scanned[ws] = root }
            for m in survey.matches {
                if m.lifted {
                    unmasked.append(m.path)
                    continue
                }
                mounts.append(.hide(path: m.path, isFile: !m.isDirectory, optional: true))
                masked.append(m.path)
            }
        }

        var plan = Plan(
            spec: spec,
            namespaces: namespaces,
            mounts: mounts,
            rlimits: try RlimitTable.resolve(spec.rlimits),
            seccomp: compiled,
            argv: spec.command,
            environment: spec.environment.map { "\($0.name)=\($0.value)" },
            cwd: spec.cwd,
            loopbackUp: spec.network != .host,
            maskedPaths: masked,
            landlock: LandlockPlan.derive(from: mounts, required: spec.requireLandlock),
            unmaskedPaths: unmasked
        )
        plan.resolvedPaths = try resolvedPaths(spec)
        plan.scannedBindSources = scanned
        plan.egressFiles = egressPlace
        return plan
    }

    /// A bind becomes a bind of the canonical source, or — for a same-path
    /// request whose host path is itself a symlink (usrmerge's /lib → usr/lib)
    /// — the same symlink inside.
    private func bindSteps(_ bind: BindRequest) throws(PlanError) -> [MountStep] {
        let kind = fs.kind(of: bind.source)
        if case .symlink(let target) = kind, bind.source == bind.destination {
            return [.symlink(target: target, at: bind.destination)]
        }
        let resolved = try resolveSource(bind.source)
        return [.bind(
            source: resolved.path, destination: bind.destination, readOnly: !bind.writable,
            isFile: resolved.kind != .directory, device: false
        )]
    }

    private func depth(_ path: String) -> Int {
        path.split(separator: "/").count
    }
}
