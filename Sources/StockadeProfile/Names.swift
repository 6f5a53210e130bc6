import CSeccomp
import StockadeEvents

/// Socket address families by the names profiles use (`unix`, `inet6`…).
/// Numbers are Linux's AF_* values, which seccomp compares against socket(2)'s
/// first argument.
public enum SocketFamily {
    /// Name → AF number, lowercase names without the `AF_` prefix.
    public static let table: [(name: String, number: Int32)] = [
        ("unix", 1), ("inet", 2), ("ax25", 3), ("ipx", 4), ("appletalk", 5),
        ("x25", 9), ("inet6", 10), ("key", 15), ("netlink", 16), ("packet", 17),
        ("rds", 21), ("pppox", 24), ("llc", 26), ("ib", 27), ("mpls", 28),
        ("can", 29), ("tipc", 30), ("bluetooth", 31), ("alg", 38), ("nfc", 39),
        ("vsock", 40), ("kcm", 41), ("qipcrtr", 42), ("smc", 43), ("xdp", 44),
        ("mctp", 45),
    ]

    /// `unix`, `local` (alias), `AF_INET6`, `inet6` are all accepted.
    public static func number(named name: String) -> Int32? {
        var key = name.lowercased()
        if key.hasPrefix("af_") { key.removeFirst(3) }
        if key == "local" { key = "unix" }
        return table.first { $0.name == key }?.number
    }

    public static func name(of number: Int32) -> String? {
        table.first { $0.number == number }?.name
    }
}

/// The resources `setrlimit(2)` knows, named without `RLIMIT_`, lowercase.
public enum RlimitName: String, CaseIterable, Sendable {
    case `as`, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack

    /// True when the limit counts bytes, so `1g`-style sizes make sense.
    public var isByteSized: Bool {
        switch self {
        case .as, .core, .data, .fsize, .memlock, .msgqueue, .rss, .stack: return true
        default: return false
        }
    }

    /// Case-insensitive; accepts the `RLIMIT_` prefix too.
    public static func validate(_ name: String) -> RlimitName? {
        var key = name.lowercased()
        if key.hasPrefix("rlimit_") { key.removeFirst(7) }
        return RlimitName(rawValue: key)
    }
}

/// Linux errno names for `errno:` fields, read from the events module's
/// table (``SystemNames``) so one list serves profiles and events.
public enum ErrnoName {
    /// Names that share a number with the canonical name events print.
    static let aliases: [String: Int32] = ["EWOULDBLOCK": 11, "EDEADLOCK": 35, "ENOTSUP": 95]

    /// `EPERM`, `eperm` or a number 1…4095.
    public static func number(for text: String) -> Int32? {
        if let n = Int32(text) {
            return (1...4095).contains(n) ? n : nil
        }
        let upper = text.uppercased()
        if let alias = aliases[upper] { return alias }
        // The table's placeholders for unassigned numbers (`E41`) are not names.
        guard Int(upper.dropFirst()) == nil else { return nil }
        return SystemNames.errnoValue(upper)
    }
}

/// Syscall names as libseccomp knows them for the native architecture.
public enum SyscallName {
    /// True when libseccomp resolves `name` to a real syscall number on this
    /// architecture. Pseudo-syscalls (negative numbers: `socketcall`,
    /// `_llseek` on x86_64) count as unknown: a rule for them filters nothing.
    public static func isKnown(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count < 64,
              name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            return false
        }
        return seccomp_syscall_resolve_name(name) >= 0
    }
}
