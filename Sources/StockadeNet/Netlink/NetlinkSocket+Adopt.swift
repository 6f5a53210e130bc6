internal import CMnl
import Glibc

extension NetlinkSocket {
    /// Takes a netlink socket made elsewhere (by the sandbox's init, inside the
    /// sandbox's network namespace, handed over with `pidfd_getfd`), binds it to
    /// `groups` and sets the same receive timeout as sockets made here. The socket
    /// keeps the namespace it was created in. Closes `fd` on failure.
    public convenience init(bindingAdopted fd: Int32, groups: UInt32 = 0) throws(NetlinkError) {
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = groups
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw NetlinkError(step: .openSocket, errno: code, target: "bind adopted netlink socket")
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.init(adopting: fd)
    }
}
