import StockadeEvents

/// `sandbox.start.masked`: which workspace paths read as empty in this run,
/// and which masks `unmask` lifted, relative to the workspace so a user can
/// tell why `key.pem` is empty. Lists stop at `listCap` entries or
/// `byteCap` bytes of names (the workspace chooses the names and their
/// length); the counts are always whole.
enum MaskedFields {
    static let listCap = 100
    static let byteCap = 16 * 1024

    /// nil when nothing was scanned (no workspace, or no `mask:` globs).
    static func fields(plan: Plan) -> JSONObject? {
        let s = plan.spec
        guard let ws = s.workspace, s.workspaceMode != .none, !s.mask.isEmpty else { return nil }
        return [
            "count": .int(Int64(plan.maskedPaths.count)),
            "paths": .array(capped(plan.maskedPaths, workspace: ws).map { .string($0) }),
            "unmask": .array(s.unmask.map { .string($0) }),
            "unmasked_count": .int(Int64(plan.unmaskedPaths.count)),
            "unmasked": .array(capped(plan.unmaskedPaths, workspace: ws).map { .string($0) }),
        ]
    }

    /// `sandbox.warning` `mask_lifted`, when an unmask glob freed a path.
    static func liftedWarning(plan: Plan) -> Event? {
        guard let ws = plan.spec.workspace, !plan.unmaskedPaths.isEmpty else { return nil }
        let names = capped(Array(plan.unmaskedPaths.prefix(10)), workspace: ws)
        let shown = names.joined(separator: ", ")
        let more = plan.unmaskedPaths.count > names.count ? " and \(plan.unmaskedPaths.count - names.count) more" : ""
        let globs = plan.spec.unmask.joined(separator: ", ")
        return .warning(
            code: "mask_lifted",
            message: "unmask (\(globs)) lifted the mask on \(plan.unmaskedPaths.count) path(s) for this run: \(shown)\(more)")
    }

    /// The first paths, relative, within `listCap` entries and `byteCap` bytes.
    static func capped(_ paths: [String], workspace: String) -> [String] {
        var out: [String] = []
        var bytes = 0
        for path in paths.prefix(listCap) {
            let rel = relative(path, to: workspace)
            bytes += rel.utf8.count
            if bytes > byteCap { break }
            out.append(rel)
        }
        return out
    }

    static func relative(_ path: String, to workspace: String) -> String {
        let prefix = workspace == "/" ? "/" : workspace + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
