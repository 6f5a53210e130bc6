/// Operator paths (bind sources, the workspace) in planning: resolved with
/// `HostFileSystem.resolve`, which follows no symlink a workload could have
/// planted, so a refusal here names the component at fault before anything
/// is built. The supervisor resolves them again the same way when it opens
/// them (`PreparedTrees`), and that descriptor is the one it mounts.
extension Planner {
    /// A bind source, refused when it cannot be reached safely or is a device.
    func resolveSource(_ source: String) throws(PlanError) -> ResolvedPath {
        let resolved: ResolvedPath
        do {
            resolved = try fs.resolve(source)
        } catch {
            throw PlanError.refused(error, missingCode: .bindSourceMissing, what: "bind source")
        }
        if resolved.isDevice {
            throw PlanError.deviceBind(source, resolved: resolved.path)
        }
        return resolved
    }

    /// Every bind source and the workspace, as `--dry-run` shows them.
    func resolvedPaths(_ spec: SandboxSpec) throws(PlanError) -> [ResolvedPath] {
        var out: [ResolvedPath] = []
        if let ws = spec.workspace, spec.workspaceMode != .none {
            do { out.append(try fs.resolve(ws)) } catch {
                throw PlanError.refused(error, missingCode: .workspaceMissing, what: "workspace")
            }
        }
        for bind in spec.binds {
            if case .symlink = fs.kind(of: bind.source), bind.source == bind.destination { continue }
            out.append(try resolveSource(bind.source))
        }
        return out
    }
}

extension PlanError {
    /// A path the safe walk refused: missing (with the caller's code) or
    /// reached only through a symlink that could have been planted.
    static func refused(_ refusal: PathRefusal, missingCode: Code, what: String) -> PlanError {
        switch refusal.reason {
        case .missing:
            let detail = refusal.component == refusal.requested ? "" : ": \(refusal)"
            return PlanError(code: missingCode, subject: refusal.requested, message: "\(what) does not exist\(detail)")
        case .untrustedSymlink:
            return PlanError(code: .untrustedSymlink, subject: refusal.component, message: "\(what) \(refusal)")
        default:
            return PlanError(code: .pathUnresolvable, subject: refusal.component, message: "\(what): \(refusal)")
        }
    }

    /// Device nodes are never bound: a device inside the sandbox would be a
    /// way around every file permission the sandbox relies on.
    static func deviceBind(_ source: String, resolved: String) -> PlanError {
        PlanError(code: .bindDevice, subject: source,
                  message: "\(resolved) is a device node; stockade never binds device nodes into a sandbox (the sandbox's /dev has null, zero, full, random, urandom and tty)")
    }
}
