import CSeccomp

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

/// Linux errno names (x86_64 values) for `errno:` fields.
public enum ErrnoName {
    public static let table: [(String, Int32)] = [
        ("EPERM", 1), ("ENOENT", 2), ("ESRCH", 3), ("EINTR", 4), ("EIO", 5), ("ENXIO", 6), ("E2BIG", 7),
        ("ENOEXEC", 8), ("EBADF", 9), ("ECHILD", 10), ("EAGAIN", 11), ("EWOULDBLOCK", 11), ("ENOMEM", 12),
        ("EACCES", 13), ("EFAULT", 14), ("ENOTBLK", 15), ("EBUSY", 16), ("EEXIST", 17), ("EXDEV", 18),
        ("ENODEV", 19), ("ENOTDIR", 20), ("EISDIR", 21), ("EINVAL", 22), ("ENFILE", 23), ("EMFILE", 24),
        ("ENOTTY", 25), ("ETXTBSY", 26), ("EFBIG", 27), ("ENOSPC", 28), ("ESPIPE", 29), ("EROFS", 30),
        ("EMLINK", 31), ("EPIPE", 32), ("EDOM", 33), ("ERANGE", 34), ("EDEADLK", 35), ("ENAMETOOLONG", 36),
        ("ENOLCK", 37), ("ENOSYS", 38), ("ENOTEMPTY", 39), ("ELOOP", 40), ("ENOMSG", 42), ("EIDRM", 43),
        ("ENODATA", 61), ("ETIME", 62), ("EPROTO", 71), ("EBADMSG", 74), ("EOVERFLOW", 75), ("EILSEQ", 84),
        ("ENOTSOCK", 88), ("EDESTADDRREQ", 89), ("EMSGSIZE", 90), ("EPROTOTYPE", 91), ("ENOPROTOOPT", 92),
        ("EPROTONOSUPPORT", 93), ("ESOCKTNOSUPPORT", 94), ("EOPNOTSUPP", 95), ("ENOTSUP", 95),
        ("EPFNOSUPPORT", 96), ("EAFNOSUPPORT", 97), ("EADDRINUSE", 98), ("EADDRNOTAVAIL", 99),
        ("ENETDOWN", 100), ("ENETUNREACH", 101), ("ENETRESET", 102), ("ECONNABORTED", 103),
        ("ECONNRESET", 104), ("ENOBUFS", 105), ("EISCONN", 106), ("ENOTCONN", 107), ("ESHUTDOWN", 108),
        ("ETIMEDOUT", 110), ("ECONNREFUSED", 111), ("EHOSTDOWN", 112), ("EHOSTUNREACH", 113),
        ("EALREADY", 114), ("EINPROGRESS", 115), ("ESTALE", 116), ("EDQUOT", 122), ("ECANCELED", 125),
        ("ENOKEY", 126), ("EOWNERDEAD", 130), ("ENOTRECOVERABLE", 131),
    ]

    /// `EPERM`, `eperm` or a number 1…4095.
    public static func number(for text: String) -> Int32? {
        if let n = Int32(text) {
            return (1...4095).contains(n) ? n : nil
        }
        let upper = text.uppercased()
        return table.first { $0.0 == upper }?.1
    }

    public static func name(of number: Int32) -> String? {
        table.first { $0.1 == number }?.0
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
