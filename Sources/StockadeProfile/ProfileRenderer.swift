import Foundation

/// Renders a merged profile for `sandbox-run check` and `--dry-run`.
public enum ProfileRenderer {
    /// Pretty JSON with sorted keys, so output is stable and diffable.
    public static func json(_ profile: Profile) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(profile) else {
            // Profile holds only strings, numbers and enums; encoding cannot fail
            // unless a Double is not finite, which the decoder never produces.
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
