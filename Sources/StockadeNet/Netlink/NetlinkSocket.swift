internal import CMnl
import CStockadeSys
import Glibc

/// An `AF_NETLINK` socket, closed when the last reference goes.
///
/// A netlink socket stays bound to the network namespace it was created in, whatever
/// namespace the process later sends from. So the caller decides where the kernel
/// objects land by choosing where the socket is made: ``init(netlinkProtocol:groups:)``
/// uses the calling thread's namespace, ``open(netlinkProtocol:groups:inNamespaceAt:)``
/// another one.
///
/// `@unchecked Sendable`: the only state is an immutable descriptor, and the kernel
/// serialises concurrent calls on one socket.
public final class NetlinkSocket: @unchecked Sendable {
    /// The descriptor; owned by this object.
    public let fileDescriptor: Int32

    /// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, netlinkProtocol)` bound to the
    /// multicast `groups` bitmask, in the calling thread's network namespace.
    public init(netlinkProtocol: Int32, groups: UInt32 = 0) throws(NetlinkError) {
        fileDescriptor = try Self.makeSocket(netlinkProtocol: netlinkProtocol, groups: groups)
    }

    /// Takes ownership of an open netlink socket.
    public init(adopting fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    deinit { close(fileDescriptor) }

    /// A socket created inside the network namespace at `path` (`/run/netns/NAME`,
    /// `/proc/PID/ns/net`).
    ///
    /// The `setns()` happens on a thread made for it, which ends right after, so no
    /// thread of the caller's pool ever changes namespace. `first` runs on that thread
    /// before the socket is made (one trip into the namespace instead of two).
    public static func open(netlinkProtocol: Int32, groups: UInt32 = 0, inNamespaceAt path: String,
                            first: (@Sendable () -> Void)? = nil) throws(NetlinkError) -> NetlinkSocket {
        let result = NetworkNamespace.run(atPath: path) { () -> Result<Int32, NetlinkError> in
            first?()
            do throws(NetlinkError) {
                return .success(try makeSocket(netlinkProtocol: netlinkProtocol, groups: groups))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .failure(let error): throw error
        case .success(.failure(let error)): throw error
        case .success(.success(let fd)): return NetlinkSocket(adopting: fd)
        }
    }

    private static func makeSocket(netlinkProtocol: Int32, groups: UInt32) throws(NetlinkError) -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        guard fd >= 0 else { throw NetlinkError(step: .openSocket, errno: errno, target: "netlink protocol \(netlinkProtocol)") }
        try bindAndArm(fd, groups: groups, target: "bind netlink protocol \(netlinkProtocol)")
        return fd
    }

    /// Binds `fd` to `groups` and gives it a receive timeout (a reply that
    /// never comes must not hang the supervisor). Closes `fd` on failure.
    static func bindAndArm(_ fd: Int32, groups: UInt32, target: String) throws(NetlinkError) {
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = groups
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw NetlinkError(step: .openSocket, errno: code, target: target)
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends one datagram to the kernel.
    public func send(_ bytes: [UInt8], target: String) throws(NetlinkError) {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &kernel) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fileDescriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        guard sent == bytes.count else { throw NetlinkError(step: .send, errno: sent < 0 ? errno : EMSGSIZE, target: target) }
    }

    /// Receives one datagram. With `wait` false returns nil when nothing is queued;
    /// with `wait` true blocks up to the socket's five-second receive timeout.
    public func receive(wait: Bool, target: String) throws(NetlinkError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, wait ? 0 : Int32(MSG_DONTWAIT)) }
        if count < 0 {
            let code = errno
            if code == EINTR { return try receive(wait: wait, target: target) }
            if !wait && (code == EAGAIN || code == EWOULDBLOCK) { return nil }
            throw NetlinkError(step: .receive, errno: code, target: target)
        }
        return Array(buffer[0..<count])
    }

    /// Sends a request carrying `sequence` with `NLM_F_ACK` and waits for its
    /// acknowledgement; returns the replies to that sequence that came before it.
    /// A refusal is thrown as step `kernel` with the errno and `target`.
    func request(_ bytes: [UInt8], sequence: UInt32, target: String) throws(NetlinkError) -> [NetlinkMessage] {
        try send(bytes, target: target)
        var replies: [NetlinkMessage] = []
        while true {
            guard let datagram = try receive(wait: true, target: target) else { continue }
            for message in NetlinkMessage.split(datagram) where message.sequence == sequence {
                if let code = message.ackErrno {
                    if code != 0 { throw NetlinkError(step: .kernel, errno: code, target: target) }
                    return replies
                }
                replies.append(message)
            }
        }
    }
}

/// Runs code inside another network namespace without moving any existing thread.
public enum NetworkNamespace {
    /// Runs `body` on a new thread that has joined the network namespace at `path`;
    /// the thread ends with `body`. Sockets `body` creates stay in that namespace.
    public static func run<T: Sendable>(atPath path: String, _ body: @escaping @Sendable () -> T) -> Result<T, NetlinkError> {
        let output = ResultSlot<T>()
        let context = NamespaceThreadContext(path: path) { output.value = body() }
        let raw = Unmanaged.passRetained(context).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<NamespaceThreadContext>.fromOpaque(raw!).takeRetainedValue()
            let fd = Glibc.open(context.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                context.failure = NetlinkError(step: .enterNamespace, errno: errno, target: context.path)
                return nil
            }
            defer { close(fd) }
            let joined = stk_setns(fd, Int32(STK_CLONE_NEWNET))
            guard joined == 0 else {
                context.failure = NetlinkError(step: .enterNamespace, errno: -joined, target: context.path)
                return nil
            }
            context.body()
            return nil
        }, raw)
        guard created == 0 else {
            Unmanaged<NamespaceThreadContext>.fromOpaque(raw).release()
            return .failure(NetlinkError(step: .enterNamespace, errno: created, target: "pthread_create"))
        }
        pthread_join(thread, nil)
        if let failure = context.failure { return .failure(failure) }
        guard let value = output.value else { return .failure(NetlinkError(step: .enterNamespace, errno: 0, target: path)) }
        return .success(value)
    }
}

/// What the namespace thread needs and reports: touched by exactly one thread at a
/// time (the creator before `pthread_create`, the thread, the creator after
/// `pthread_join`), hence `@unchecked Sendable`.
private final class NamespaceThreadContext: @unchecked Sendable {
    let path: String
    let body: @Sendable () -> Void
    var failure: NetlinkError?
    init(path: String, body: @escaping @Sendable () -> Void) { self.path = path; self.body = body }
}

/// The body's result, written on the namespace thread and read after join.
private final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
