extension ReportDocument {
    /// "Masked paths" (they read as empty in the sandbox, which explains a
    /// failing TLS test) and "Masks lifted by unmask", from `sandbox.start.masked`.
    static func maskSections(_ r: RunReport) -> [Section] {
        guard let m = r.masks else { return [] }
        var sections: [Section] = []
        if m.count > 0 {
            var rows: [[Cell]] = m.paths.map { [.code($0)] }
            if m.count > m.paths.count { rows.append([.text("… and \(m.count - m.paths.count) more")]) }
            sections.append(Section(title: "Masked paths (read as empty; --unmask GLOB lifts a mask for one run)", body: .list(rows)))
        }
        if m.unmaskedCount > 0 {
            var rows: [[Cell]] = m.unmasked.map { [.code($0)] }
            if m.unmaskedCount > m.unmasked.count { rows.append([.text("… and \(m.unmaskedCount - m.unmasked.count) more")]) }
            sections.append(Section(title: "Masks lifted for this run by unmask " + m.unmask.joined(separator: ", "), body: .list(rows)))
        }
        return sections
    }
}
