/// The hash chain that makes an event log tamper-evident.
///
/// Each sandbox's lines form one chain (several sandboxes may share a file):
///
/// - `prev` of a line is the lowercase hex SHA-256 of the exact bytes of the
///   sandbox's previous line, without its newline. The first line's `prev` is
///   the SHA-256 of the genesis string `stockade-events-v1:<sandbox id>`, so
///   a log cannot be passed off as another sandbox's.
/// - `chain`, the last field of `sandbox.end`, is the SHA-256 of every earlier
///   line of the sandbox, each followed by `\n`, then of the `sandbox.end`
///   line's own bytes up to and including the `,` before `"chain"`. It covers
///   the whole log, the end line included, so one value shipped elsewhere
///   anchors all of it.
///
/// Anyone who can rewrite the file can recompute all of this; the chain shows
/// edits made without doing so, and pins everything once `chain` is kept
/// somewhere the workload cannot write.
public struct EventChain: Sendable {
    /// Key of the link to the previous line; a common field, right after `actor`.
    public static let prevKey = "prev"
    /// Key of the digest of the whole log; the last field of `sandbox.end`.
    public static let chainKey = "chain"
    /// What `"chain":"<64 hex>"}` adds after the covered prefix of an end line.
    static let chainSuffixLength = #""chain":""#.utf8.count + 64 + #""}"#.utf8.count

    /// The string whose hash is the first line's `prev`.
    public static func genesis(sandboxId: String) -> String {
        "stockade-events-v1:" + sandboxId
    }

    /// SHA-256 of one line's bytes (without the newline): the next line's `prev`.
    public static func digest(line: some Sequence<UInt8>) -> String {
        SHA256.hex(line)
    }

    /// Whether `text` has the form of a digest: 64 lowercase hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The `prev` the next line must carry.
    public private(set) var prev: String
    /// Lines added so far.
    public private(set) var count = 0
    private var running = SHA256()

    /// An empty chain for `sandboxId` (the id as written in the `sandbox` field).
    public init(sandboxId: String) {
        prev = SHA256.hex(Array(Self.genesis(sandboxId: sandboxId).utf8))
    }

    /// The same chain with `prev` replaced, for rendering a single line.
    func withPrev(_ prev: String) -> EventChain {
        var copy = self
        copy.prev = prev
        return copy
    }

    /// Adds a line (without its newline).
    public mutating func append(line: [UInt8]) {
        prev = Self.digest(line: line)
        running.update(line)
        running.update(CollectionOfOne(UInt8(ascii: "\n")))
        count += 1
    }

    /// The `chain` value for an end line whose bytes before `"chain"` are
    /// `coveredPrefix` (ending in `,`). Does not change the chain.
    public func chainValue(coveredPrefix: [UInt8]) -> String {
        var copy = running
        copy.update(coveredPrefix)
        return copy.finalizeHex()
    }

    /// SHA-256 of all lines added so far, each followed by `\n`: for a file
    /// holding one sandbox's complete log, what `sha256sum` prints.
    public var fileDigest: String { running.finalizeHex() }

    /// The part of an end line that `chain` covers: everything before the
    /// trailing `"chain":"<hex>"}`; nil when the line does not end that way.
    static func coveredPrefix(ofEndLine line: [UInt8]) -> [UInt8]? {
        guard line.count > chainSuffixLength else { return nil }
        let cut = line.count - chainSuffixLength
        let suffix = line[cut...]
        guard suffix.starts(with: Array(#""chain":""#.utf8)), suffix.last == UInt8(ascii: "}"),
              line[cut - 1] == UInt8(ascii: ",")
        else { return nil }
        return Array(line[..<cut])
    }
}
