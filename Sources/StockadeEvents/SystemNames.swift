/// Symbolic names for errno values and signal numbers, for events.
///
/// Events carry names (`EPERM`, `SIGTERM`) because numbers differ between
/// architectures and people read names. The tables are Linux's generic
/// numbering, which x86_64 (the only architecture Stockade runs) uses.
public enum SystemNames {
    /// `EPERM` for 1 and so on; `E<number>` for a value outside the table
    /// (41 and 58 are unassigned on Linux and read `E41`, `E58`).
    public static func errnoName(_ value: Int32) -> String {
        if value >= 1 && Int(value) <= errnoNames.count { return errnoNames[Int(value) - 1] }
        return "E\(value)"
    }

    /// The errno value for a name from `errnoName`, or nil.
    public static func errnoValue(_ name: String) -> Int32? {
        errnoNames.firstIndex(of: name).map { Int32($0 + 1) }
    }

    /// `SIGTERM` for 15; `SIGRTMIN+n` for real-time signals (32…64); `SIG<number>` otherwise.
    public static func signalName(_ value: Int32) -> String {
        if value >= 1 && Int(value) <= signalNames.count { return signalNames[Int(value) - 1] }
        if value >= 32 && value <= 64 { return value == 32 ? "SIGRTMIN" : "SIGRTMIN+\(value - 32)" }
        return "SIG\(value)"
    }

    /// The signal number for a name from `signalName` (with or without the
    /// `SIG` prefix, any case), or nil.
    public static func signalValue(_ name: String) -> Int32? {
        var upper = name.uppercased()
        if !upper.hasPrefix("SIG") { upper = "SIG" + upper }
        if let i = signalNames.firstIndex(of: upper) { return Int32(i + 1) }
        if upper == "SIGRTMIN" { return 32 }
        if upper.hasPrefix("SIGRTMIN+"), let n = Int32(upper.dropFirst(9)), (1...32).contains(n) {
            return 32 + n
        }
        return nil
    }

    /// Index i holds the name of errno i + 1 (Linux asm-generic/errno*.h).
    static let errnoNames: [String] = [
        "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
        "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY",
        "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE",
        "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE",
        "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
        "E41", "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG",
        "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC",
        "EBADSLT", "E58", "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET",
        "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP",
        "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD",
        "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK",
        "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT",
        "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
        "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN",
        "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM",
        "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED",
        "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
    ]

    /// Index i holds the name of signal i + 1 (Linux x86_64, signal(7)).
    static let signalNames: [String] = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ]
}
