import StockadeEvents

/// `sandbox.start.masked`: which workspace paths read as empty in this run,
/// and which masks `unmask` lifted, relative to the workspace so a user can
/// tell why `key.pem` is empty. Lists stop at `listCap` entries; the counts
/// are always whole.
enum MaskedFields {
    static let listCap = 100

    /// nil when nothing was scanned (no workspace, or no `mask:` globs).
    static func fields(plan: Plan) -> JSONObject? {
        let s = plan.spec
        guard let ws = s.workspace, s.workspaceMode != .none, !s.mask.isEmpty else { return nil }
        return [
            "count": .int(Int64(plan.maskedPaths.count)),
            "paths": .array(plan.maskedPaths.prefix(listCap).map { .string(relative($0, to: ws)) }),
            "unmask": .array(s.unmask.map { .string($0) }),
            "unmasked_count": .int(Int64(plan.unmaskedPaths.count)),
            "unmasked": .array(plan.unmaskedPaths.prefix(listCap).map { .string(relative($0, to: ws)) }),
        ]
    }

    /// `sandbox.warning` `mask_lifted`, when an unmask glob freed a path.
    static func liftedWarning(plan: Plan) -> JSONObject? {
        guard let ws = plan.spec.workspace, !plan.unmaskedPaths.isEmpty else { return nil }
        let shown = plan.unmaskedPaths.prefix(10).map { relative($0, to: ws) }.joined(separator: ", ")
        let more = plan.unmaskedPaths.count > 10 ? " and \(plan.unmaskedPaths.count - 10) more" : ""
        let globs = plan.spec.unmask.joined(separator: ", ")
        return [
            "code": .string("mask_lifted"),
            "message": .string("unmask (\(globs)) lifted the mask on \(plan.unmaskedPaths.count) path(s) for this run: \(shown)\(more)"),
        ]
    }

    static func relative(_ path: String, to workspace: String) -> String {
        let prefix = workspace == "/" ? "/" : workspace + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
