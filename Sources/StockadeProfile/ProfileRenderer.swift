import StockadeEvents

/// Renders a merged profile for `sandbox-run check` and `--dry-run`.
public enum ProfileRenderer {
    /// Pretty JSON with sorted keys, so output is stable and diffable. The
    /// layout (`"key" : value`, two-space indent) and the member names are
    /// those of the `Codable` conformances, so the text decodes back into a
    /// `Profile` with any JSON decoder.
    public static func json(_ profile: Profile) -> String {
        let root = JSONValueEncoder.Node()
        do {
            try profile.encode(to: JSONValueEncoder(node: root, codingPath: []))
        } catch {
            // Profile holds only strings, numbers and enums; encoding cannot fail.
            return "{}"
        }
        return JSONPrettyPrinter(sortKeys: true, keySeparator: " : ", wholeDoublesAsIntegers: true).render(root.value)
    }
}
