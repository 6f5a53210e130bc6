internal import CMnl
import Glibc

extension NetlinkSocket {
    /// Takes a netlink socket made elsewhere (by the sandbox's init, inside the
    /// sandbox's network namespace, handed over with `pidfd_getfd`), binds it to
    /// `groups` and sets the same receive timeout as sockets made here. The socket
    /// keeps the namespace it was created in. Closes `fd` on failure.
    public convenience init(bindingAdopted fd: Int32, groups: UInt32 = 0) throws(NetlinkError) {
        try Self.bindAndArm(fd, groups: groups, target: "bind adopted netlink socket")
        self.init(adopting: fd)
    }
}
