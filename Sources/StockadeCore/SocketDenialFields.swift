import StockadeEvents
import StockadeProfile

/// What a denied `socket(2)` asked for, for its `syscall.denied` event: the
/// family (`netlink`), and for netlink the protocol (`NETLINK_AUDIT`), so a
/// reader sees which kernel interface the workload reached for.
enum SocketDenialFields {
    /// `<linux/netlink.h>` protocol numbers.
    static let netlinkProtocols: [UInt32: String] = [
        0: "NETLINK_ROUTE", 2: "NETLINK_USERSOCK", 4: "NETLINK_SOCK_DIAG", 5: "NETLINK_NFLOG",
        6: "NETLINK_XFRM", 7: "NETLINK_SELINUX", 8: "NETLINK_ISCSI", 9: "NETLINK_AUDIT",
        10: "NETLINK_FIB_LOOKUP", 11: "NETLINK_CONNECTOR", 12: "NETLINK_NETFILTER", 13: "NETLINK_IP6_FW",
        14: "NETLINK_DNRTMSG", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC", 18: "NETLINK_SCSITRANSPORT",
        19: "NETLINK_ECRYPTFS", 20: "NETLINK_RDMA", 21: "NETLINK_CRYPTO", 22: "NETLINK_SMC",
    ]

    /// What a denied call of `syscall` with `args` asked for; nil for
    /// anything but `socket`, `netlinkProtocol` only for netlink.
    static func socket(syscall: String, args: [UInt64]) -> (family: String, netlinkProtocol: String?)? {
        guard syscall == "socket", args.count >= 3 else { return nil }
        let family = Int32(bitPattern: UInt32(truncatingIfNeeded: args[0]))
        let name = SocketFamily.name(of: family) ?? "af_\(family)"
        guard family == 16 else { return (name, nil) }
        let proto = UInt32(truncatingIfNeeded: args[2])
        return (name, netlinkProtocols[proto] ?? "NETLINK_\(proto)")
    }
}
