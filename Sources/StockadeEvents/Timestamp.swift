import Glibc

/// A wall-clock instant as the kernel reports it (CLOCK_REALTIME).
public struct Timestamp: Equatable, Comparable, Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// 0 ..< 1_000_000_000.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current time from clock_gettime(CLOCK_REALTIME).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// RFC 3339 in UTC with exactly six fractional digits (truncated, not
    /// rounded, so a timestamp never moves into the next second), e.g.
    /// `2026-11-22T05:02:51.123456Z`. Broken down with gmtime_r(3).
    public var rfc3339: String {
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else {
            // Only for years gmtime cannot represent; never for a real clock.
            return "0000-01-01T00:00:00.000000Z"
        }
        let micros = Int(max(0, min(nanoseconds, 999_999_999)) / 1000)
        var out: [UInt8] = []
        out.reserveCapacity(27)
        Self.pad(Int(parts.tm_year) + 1900, 4, &out)
        out.append(UInt8(ascii: "-"))
        Self.pad(Int(parts.tm_mon) + 1, 2, &out)
        out.append(UInt8(ascii: "-"))
        Self.pad(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "T"))
        Self.pad(Int(parts.tm_hour), 2, &out)
        out.append(UInt8(ascii: ":"))
        Self.pad(Int(parts.tm_min), 2, &out)
        out.append(UInt8(ascii: ":"))
        Self.pad(Int(parts.tm_sec), 2, &out)
        out.append(UInt8(ascii: "."))
        Self.pad(micros, 6, &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func pad(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        let digits = Array(String(value).utf8)
        if digits.count < width {
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count))
        }
        out.append(contentsOf: digits)
    }

    /// Whether `text` has exactly the shape `rfc3339` produces
    /// (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, fields in range). Used by the schema.
    public static func isCanonicalRFC3339(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 27 else { return false }
        let shape = Array("dddd-dd-ddTdd:dd:dd.ddddddZ".utf8)
        for (c, s) in zip(b, shape) {
            if s == UInt8(ascii: "d") {
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { return false }
            } else if c != s {
                return false
            }
        }
        func num(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(b[$1] - 48) } }
        let month = num(5..<7), day = num(8..<10)
        return (1...12).contains(month) && (1...31).contains(day)
            && num(11..<13) < 24 && num(14..<16) < 60 && num(17..<19) <= 60
    }
}
