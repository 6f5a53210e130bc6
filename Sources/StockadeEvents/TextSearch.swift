/// Substring search without Foundation or _StringProcessing, shared by the
/// report (StockadeReport) and the supervisor's event fields (StockadeCore).
extension String {
    /// Replaces every occurrence of `target` (non-empty) without Foundation.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(ofText: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }

    /// Whether `needle` occurs in the string.
    public func hasInfix(_ needle: String) -> Bool { Substring(self).firstRange(ofText: needle) != nil }
}

extension Substring {
    /// The first occurrence of `needle`, compared by Characters. The stdlib's
    /// `firstRange(of:)` and `contains(_: String)` live in _StringProcessing,
    /// a module (with the regex engine) this binary does not link.
    public func firstRange(ofText needle: String) -> Range<Index>? {
        guard let first = needle.first else { return startIndex..<startIndex }
        var i = startIndex
        while let start = self[i...].firstIndex(of: first) {
            var a = start, b = needle.startIndex
            while a < endIndex, b < needle.endIndex, self[a] == needle[b] {
                formIndex(after: &a)
                needle.formIndex(after: &b)
            }
            if b == needle.endIndex { return start..<a }
            i = index(after: start)
        }
        return nil
    }
}
