import CStockadeSys
import Glibc
import StockadeSystem

/// The journal's native socket (`/run/systemd/journal/socket`), spoken
/// without libsystemd: one datagram per entry; an entry too large for a
/// datagram goes into a sealed memfd passed with SCM_RIGHTS and an empty datagram.
struct JournalSocket: Sendable {
    /// The real socket. `$STOCKADE_JOURNAL_SOCKET` replaces it: that is for
    /// tests, which must never write into the host's journal.
    static var defaultPath: String {
        getenv("STOCKADE_JOURNAL_SOCKET").map { String(cString: $0) } ?? "/run/systemd/journal/socket"
    }

    let fd: Int32
    let path: String
    private var address = sockaddr_un()
    private let addressLength: socklen_t

    init(path: String) throws(EventSinkError) {
        self.path = path
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw EventSinkError(step: .open, target: "journal:\(path)", errno: ENAMETOOLONG)
        }
        var st = stat()
        // Fail at start-up, not on the first event, when there is no journal.
        guard stat(path, &st) == 0 else { throw EventSinkError(step: .open, target: "journal:\(path)", errno: errno) }
        guard st.st_mode & S_IFMT == S_IFSOCK else {
            throw EventSinkError(step: .open, target: "journal:\(path)", errno: ENOTSOCK)
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        addressLength = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2) + bytes.count + 1)
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw EventSinkError(step: .open, target: "journal:\(path)", errno: errno) }
        fd = s
        // journald's default receive buffer is large; ours should not be the limit.
        var size: Int32 = 8 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends one entry; EMSGSIZE/ENOBUFS fall back to a memfd.
    func send(_ entry: [UInt8]) throws(EventSinkError) {
        var err = sendDatagram(entry, passing: -1)
        if err == EMSGSIZE || err == ENOBUFS {
            err = sendThroughMemfd(entry)
        }
        if err != 0 { throw EventSinkError(step: .write, target: "journal:\(path)", errno: err) }
    }

    /// Returns 0 or the errno.
    private func sendDatagram(_ bytes: [UInt8], passing passedFd: Int32) -> Int32 {
        var address = address
        var bytes = bytes
        return bytes.withUnsafeMutableBytes { data in
            withUnsafeMutablePointer(to: &address) { ap in
                var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_name = UnsafeMutableRawPointer(ap)
                    msg.msg_namelen = addressLength
                    msg.msg_iov = data.count > 0 ? iovp : nil
                    msg.msg_iovlen = data.count > 0 ? 1 : 0
                    // Room for one cmsghdr carrying one descriptor (CMSG_SPACE(sizeof(int))).
                    let controlSize = MemoryLayout<cmsghdr>.size + 8
                    var control = [UInt8](repeating: 0, count: controlSize)
                    return control.withUnsafeMutableBytes { cbuf -> Int32 in
                        if passedFd >= 0 {
                            let header = cbuf.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                            header.pointee.cmsg_len = MemoryLayout<cmsghdr>.size + MemoryLayout<Int32>.size
                            header.pointee.cmsg_level = SOL_SOCKET
                            header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                            cbuf.storeBytes(of: passedFd, toByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                            msg.msg_control = cbuf.baseAddress
                            msg.msg_controllen = controlSize
                        }
                        while true {
                            if sendmsg(fd, &msg, Int32(MSG_NOSIGNAL)) >= 0 { return 0 }
                            if errno != EINTR { return errno }
                        }
                    }
                }
            }
        }
    }

    /// Returns 0 or the errno. Internal so tests can force this form.
    func sendThroughMemfd(_ entry: [UInt8]) -> Int32 {
        let mfd = stk_memfd_create("stockade-journal", STK_MFD_CLOEXEC | STK_MFD_ALLOW_SEALING)
        guard mfd >= 0 else { return -mfd }
        defer { _ = Glibc.close(mfd) }
        guard FileIO.writeAll(mfd, bytes: entry) else { return errno }
        // journald only trusts a memfd nobody can change any more.
        let seals = STK_F_SEAL_SEAL | STK_F_SEAL_SHRINK | STK_F_SEAL_GROW | STK_F_SEAL_WRITE
        guard fcntl(mfd, STK_F_ADD_SEALS, seals) == 0 else { return errno }
        return sendDatagram([], passing: mfd)
    }

    func close() { _ = Glibc.close(fd) }
}
