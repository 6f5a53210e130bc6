import CNettle

/// SHA-256 (FIPS 180-4): the `sources` hashes of profiles and imported
/// seccomp files, the policy digest, and the audit log's hash chain (`prev`,
/// `chain`), all through this one type.
///
/// The hash chain is tamper evidence, so the compression function is
/// nettle's (Debian `nettle-dev`, linked statically), not written here. A
/// Swift crypto package would bring Foundation into the launcher; nettle is
/// plain C and costs start-up nothing measurable (docs/performance.md).
/// Not meant for secrets: the inputs are public files and log lines.
public struct SHA256: Sendable {
    /// nettle's context is a plain C struct (state, count, partial block):
    /// copying the Swift value copies the running hash.
    private var context = sha256_ctx()

    public init() {
        nettle_sha256_init(&context)
    }

    /// Feeds more message bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(buffer: buffer)
        }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { update(buffer: $0) }
        }
    }

    private mutating func update(buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        nettle_sha256_update(&context, buffer.count, base)
    }

    /// The 32-byte digest of everything fed so far. nettle's digest call
    /// resets its context, so it runs on a copy: the hasher stays usable.
    public func finalize() -> [UInt8] {
        var copy = context
        return [UInt8](unsafeUninitializedCapacity: Int(SHA256_DIGEST_SIZE)) { out, count in
            nettle_sha256_digest(&copy, Int(SHA256_DIGEST_SIZE), out.baseAddress!)
            count = Int(SHA256_DIGEST_SIZE)
        }
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lowercase hex of the digest of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        hexString(hash(bytes))
    }

    /// Lowercase hex of the digest of everything fed so far; the hasher
    /// stays usable, so a running digest can be read at any point.
    public func finalizeHex() -> String {
        Self.hexString(finalize())
    }

    private static func hexString(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
