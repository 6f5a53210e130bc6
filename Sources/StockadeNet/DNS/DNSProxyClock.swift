import Glibc

/// A monotonic instant in nanoseconds; the engine never reads a clock itself.
public struct DNSInstant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// Now, from `CLOCK_MONOTONIC`.
    public static func now() -> DNSInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return DNSInstant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public func adding(seconds: Double) -> DNSInstant {
        DNSInstant(nanoseconds: nanoseconds &+ UInt64(max(0, seconds) * 1e9))
    }

    /// Seconds from `earlier` to `self`, zero if `earlier` is later.
    public func seconds(since earlier: DNSInstant) -> Double {
        nanoseconds > earlier.nanoseconds ? Double(nanoseconds - earlier.nanoseconds) / 1e9 : 0
    }

    public static func < (l: DNSInstant, r: DNSInstant) -> Bool { l.nanoseconds < r.nanoseconds }
}

/// A token bucket: `rate` tokens a second up to `capacity`.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let capacity: Double
    public private(set) var tokens: Double
    private var last: DNSInstant?

    public init(rate: Double, capacity: Double) {
        self.rate = max(0, rate)
        self.capacity = max(1, capacity)
        self.tokens = self.capacity
    }

    /// Takes one token if there is one.
    public mutating func take(now: DNSInstant) -> Bool {
        if let last { tokens = min(capacity, tokens + now.seconds(since: last) * rate) }
        last = max(last ?? now, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Source of upstream query IDs: the system CSPRNG, or a seeded
/// SplitMix64 for deterministic tests.
public struct DNSIDGenerator: Sendable {
    private var state: UInt64?
    /// System IDs come from getrandom(2) in blocks of 2,048, not one call per
    /// query (a syscall per query was a sixth of the proxy's kernel time).
    private var pool: [UInt16] = []

    /// IDs from `SystemRandomNumberGenerator` (getrandom(2)): off-path
    /// spoofing needs to guess them.
    public static var system: DNSIDGenerator { DNSIDGenerator(state: nil) }

    /// Deterministic IDs, for tests only.
    public static func seeded(_ seed: UInt64) -> DNSIDGenerator { DNSIDGenerator(state: seed) }

    private init(state: UInt64?) { self.state = state }

    public mutating func next() -> UInt16 {
        guard var s = state else {
            if pool.isEmpty {
                // glibc's arc4random: the kernel CSPRNG, one getrandom(2) per
                // large refill of its own buffer.
                pool = [UInt16](repeating: 0, count: 2048)
                pool.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
            }
            return pool.removeLast()
        }
        s &+= 0x9E37_79B9_7F4A_7C15
        state = s
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt16(truncatingIfNeeded: z ^ (z >> 31))
    }
}
