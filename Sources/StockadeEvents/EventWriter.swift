import Glibc

/// The descriptor behind an event sink, and the one way lines are written to it.
struct EventWriter: Sendable {
    private(set) var fd: Int32
    /// Whether close() should close `fd` (only for files we opened).
    let ownsDescriptor: Bool
    /// Sockets get send(MSG_NOSIGNAL) so a vanished reader is an EPIPE, not a SIGPIPE.
    let isSocket: Bool
    /// A regular file: a write cannot be held up by a reader, so lines are
    /// written directly instead of through `EventSinkQueue`.
    private(set) var isRegularFile = false
    let target: String
    /// Set for the `journal` sink: lines become journal entries.
    private(set) var journal: JournalSocket?

    /// Opens or adopts the sink's descriptor.
    ///
    /// An inherited `fd:N` is checked with fcntl(2) (open, not read-only) and,
    /// for N > 2, marked FD_CLOEXEC: the workload must never inherit the
    /// audit channel, or it could write forged events into it.
    init(spec: EventSinkSpec, openedFile: Int32? = nil) throws(EventSinkError) {
        target = spec.description
        switch spec {
        case .none:
            fd = -1
            ownsDescriptor = false
            isSocket = false
            return
        case .stderr:
            fd = STDERR_FILENO
            ownsDescriptor = false
        case .journal:
            let socket = try JournalSocket(path: JournalSocket.defaultPath)
            journal = socket
            fd = socket.fd
            ownsDescriptor = false
            isSocket = true
            return
        case .file where openedFile != nil:
            fd = openedFile!
            ownsDescriptor = true
        case let .file(path):
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard opened >= 0 else { throw EventSinkError(step: .open, target: path, errno: errno) }
            fd = opened
            ownsDescriptor = true
        case let .fd(n):
            let flags = fcntl(n, F_GETFL)
            guard flags >= 0 else { throw EventSinkError(step: .checkDescriptor, target: target, errno: errno) }
            guard flags & O_ACCMODE != O_RDONLY else {
                throw EventSinkError(step: .checkDescriptor, target: target, errno: EBADF)
            }
            // Standard streams stay inheritable: the workload shares them by
            // design (`-` means stdout), and closing them on exec would take
            // the workload's own stdout or stderr away.
            if n > STDERR_FILENO {
                let fdFlags = fcntl(n, F_GETFD)
                guard fdFlags >= 0, fcntl(n, F_SETFD, fdFlags | FD_CLOEXEC) == 0 else {
                    throw EventSinkError(step: .setCloexec, target: target, errno: errno)
                }
            }
            fd = n
            ownsDescriptor = false
        }
        var st = stat()
        let known = fstat(fd, &st) == 0
        isSocket = known && (st.st_mode & S_IFMT) == S_IFSOCK
        isRegularFile = known && (st.st_mode & S_IFMT) == S_IFREG
    }

    var isOpen: Bool { fd >= 0 }

    /// Writes all of `bytes`, retrying on EINTR, partial writes and EAGAIN
    /// (waiting up to `stallLimitMs` per stall for a non-blocking reader).
    /// A line is normally one write(2); with O_APPEND that makes lines from
    /// several writers land whole.
    func writeAll(_ bytes: [UInt8], stallLimitMs: Int32 = 2000) throws(EventSinkError) {
        guard fd >= 0 else { return }
        if let journal {
            let line = bytes.last == 0x0A ? bytes.dropLast() : bytes[...]
            return try journal.send(JournalEncoding.entry(line: String(decoding: line, as: UTF8.self)))
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let base = raw.baseAddress! + offset
                let remaining = raw.count - offset
                let n = isSocket ? send(fd, base, remaining, Int32(MSG_NOSIGNAL)) : write(fd, base, remaining)
                if n > 0 {
                    offset += n
                    continue
                }
                if n == 0 {
                    failure = EIO  // a zero-byte write would loop forever
                    return
                }
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    if poll(&pfd, 1, stallLimitMs) > 0 { continue }
                    failure = EAGAIN
                    return
                }
                failure = e
                return
            }
        }
        if failure != 0 { throw EventSinkError(step: .write, target: target, errno: failure) }
    }

    mutating func close() {
        if ownsDescriptor && fd >= 0 { _ = Glibc.close(fd) }
        journal?.close()
        journal = nil
        fd = -1
    }
}
