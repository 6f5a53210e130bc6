import StockadeCgroups

extension CgroupLayout {
    /// This layout with every hierarchy's own path moved down to a child
    /// named `name`, for live tests that make and remove a parent cgroup of
    /// their own; nil without cgroups.
    public func movedBelow(_ name: String) -> CgroupLayout? {
        func below(_ ownPath: String) -> String { (ownPath == "/" ? "" : ownPath) + "/" + name }
        switch self {
        case .unified(let mount, let ownPath):
            return .unified(mount: mount, ownPath: below(ownPath))
        case .v1(let controllers, let unifiedMount):
            return .v1(controllers: controllers.mapValues { CgroupHierarchy(mount: $0.mount, ownPath: below($0.ownPath)) },
                       unifiedMount: unifiedMount)
        case .unavailable:
            return nil
        }
    }
}

/// An id of the shape `SandboxID.generate` gives (10 lowercase hex digits),
/// the only one the cgroup sweep (`findAll`, the janitor) takes.
public func generatedSandboxId() -> String {
    String(UInt64.random(in: 0..<(1 << 40)) | (1 << 40), radix: 16).dropFirst().description
}
