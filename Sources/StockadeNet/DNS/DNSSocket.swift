import Glibc
import StockadeAddress

/// A socket call that failed: which step, on what, and errno.
public struct DNSServerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var step: String
    public var target: String
    public var errno: Int32

    public var code: String { "dns_proxy_\(step)" }
    public var description: String { "\(step) \(target): \(String(cString: strerror(errno)))" }
}

/// An endpoint as a `sockaddr`, both ways (the type itself is in StockadeAddress).
extension DNSEndpoint {
    var family: Int32 {
        if case .v6 = address { return AF_INET6 }
        return AF_INET
    }

    /// Calls `body` with this endpoint as a `sockaddr`.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_storage()
        let length: socklen_t
        switch address {
        case .v4(let v4):
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = port.bigEndian
                sin.pointee.sin_addr.s_addr = v4.value.bigEndian
            }
        case .v6(let v6):
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &sin6.pointee.sin6_addr) { dst in
                    for i in 0..<16 { dst[i] = v6.bytes[i] }
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Reads a `sockaddr_in`/`sockaddr_in6`; nil for other families.
    init?(storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let sin = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
            self.init(address: .v4(IPv4Address(value: UInt32(bigEndian: sin.sin_addr.s_addr))), port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
            var a = sin6.sin6_addr
            let bytes = withUnsafeBytes(of: &a) { Array($0) }
            self.init(address: .v6(IPv6Address(bytes: bytes)!), port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }
}

/// Thin non-blocking socket calls; each names its libc function.
enum DNSSocket {
    static func open(_ endpoint: DNSEndpoint, type: Int32, step: String) throws(DNSServerError) -> Int32 {
        let fd = socket(endpoint.family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DNSServerError(step: step + "_socket", target: endpoint.description, errno: errno) }
        return fd
    }

    /// `socket(2)` + `bind(2)` (+ `listen(2)` for TCP).
    static func listener(_ endpoint: DNSEndpoint, tcp: Bool) throws(DNSServerError) -> Int32 {
        let step = tcp ? "tcp_listen" : "udp_listen"
        let fd = try open(endpoint, type: tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue), step: step)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if !tcp { enlargeReceiveBuffer(fd) }
        let rc = endpoint.withSockaddr { bind(fd, $0, $1) }
        // The backlog is clamped to net.core.somaxconn; a thousand clients
        // connecting at once must not see their SYNs dropped.
        if rc != 0 || (tcp && listen(fd, 4096) != 0) {
            let e = errno
            close(fd)
            throw DNSServerError(step: step, target: endpoint.description, errno: e)
        }
        return fd
    }

    /// `socket(2)` + non-blocking `connect(2)`; EINPROGRESS is success.
    static func connected(_ endpoint: DNSEndpoint, tcp: Bool) throws(DNSServerError) -> Int32 {
        let step = tcp ? "upstream_tcp" : "upstream_udp"
        let fd = try open(endpoint, type: tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue), step: step)
        if !tcp { enlargeReceiveBuffer(fd) }
        let rc = endpoint.withSockaddr { connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            close(fd)
            throw DNSServerError(step: step + "_connect", target: endpoint.description, errno: e)
        }
        return fd
    }

    /// Asks for a 1 MiB receive buffer (the kernel caps it at rmem_max):
    /// answers to a burst of queries arrive together, and the default
    /// buffer holds only a few hundred datagrams.
    static func enlargeReceiveBuffer(_ fd: Int32) {
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The socket's pending error, cleared by reading it (`getsockopt(2)`
    /// SO_ERROR): an ICMP unreachable on a connected UDP socket shows here.
    static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : errno
    }

    /// The locally bound endpoint (`getsockname(2)`), for port 0 listeners.
    /// The bound address (`getsockname(2)`).
    static func localEndpoint(_ fd: Int32) -> DNSEndpoint? { endpoint(fd, getsockname) }

    /// The connected peer (`getpeername(2)`).
    static func peerEndpoint(_ fd: Int32) -> DNSEndpoint? { endpoint(fd, getpeername) }

    private static func endpoint(
        _ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> DNSEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        return rc == 0 ? DNSEndpoint(storage: storage) : nil
    }

    /// One datagram and its sender (`recvfrom(2)`); nil when none is waiting.
    static func receive(_ fd: Int32, buffer: inout [UInt8]) -> ([UInt8], DNSEndpoint?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
            }
        }
        guard n >= 0 else { return nil }
        return (Array(buffer[0..<n]), DNSEndpoint(storage: storage))
    }

    static func sendDatagram(_ fd: Int32, _ bytes: [UInt8], to endpoint: DNSEndpoint?) {
        bytes.withUnsafeBytes { raw in
            if let endpoint {
                _ = endpoint.withSockaddr { sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, $1) }
            } else {
                _ = send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
        }
    }
}
