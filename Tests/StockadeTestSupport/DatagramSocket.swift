#if canImport(Glibc)
import Glibc
#endif

/// A Unix datagram socket bound at `path`, standing in for a service the
/// code under test sends to (the journal, a notify socket); -1 with errno
/// set when it cannot be made or bound.
public func boundDatagramSocket(at path: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return -1 }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
        close(fd)
        errno = ENAMETOOLONG
        return -1
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
    }
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else {
        let saved = errno
        close(fd)
        errno = saved
        return -1
    }
    return fd
}
