#if canImport(Glibc)
import Glibc
#endif
import StockadeEvents

/// Opens the `--events` file for the launcher under `EventFileRules`.
enum EventSinkOpening {
    /// The safely opened descriptor for a `.file` sink; nil for other sinks.
    static func open(_ sink: EventSinkSpec, host: HostContext, writableAreas: [String]) throws(EventSinkError) -> Int32? {
        guard case let .file(path) = sink else { return nil }
        let rules = EventFileRules.forInvoker(host: host, writableAreas: writableAreas)
        switch EventFileOpener.open(path, cwd: host.cwd, rules: rules) {
        case let .success(fd): return fd
        case let .failure(error): throw error
        }
    }

    /// Host paths the workload can write: the read-write workspace and
    /// every writable bind's source.
    static func writableAreas(_ plan: Plan) -> [String] {
        var out: [String] = []
        if plan.spec.workspaceMode == .readWrite, let ws = plan.spec.workspace { out.append(ws) }
        for step in plan.mounts {
            if case let .bind(source, _, readOnly, _, _) = step, !readOnly, !out.contains(source) { out.append(source) }
        }
        return out
    }
}
