internal import CMnl

/// One rtnetlink request, as a value: printable like ip(8), encodable to the exact bytes
/// sent, so sequences of link setup can be checked without privileges.
public enum RouteRequest: Hashable, Sendable, CustomStringConvertible {
    /// `ip link set NAME up`.
    case setLinkUp(name: String)
    /// `ip [-6] route add default dev #INDEX [src 127.0.0.1]`: in the sandbox's namespace, the default
    /// route through `lo`, so every connect reaches the output hook (and the relay).
    case addDefaultRouteToDevice(ipv6: Bool, interfaceIndex: Int32)
    /// `ip link show NAME`: the reply carries the interface index.
    case getLink(name: String)

    public var description: String {
        switch self {
        case .setLinkUp(let name): return "link set \(name) up"
        case .addDefaultRouteToDevice(let ipv6, let index): return ipv6 ? "-6 route add default dev #\(index)" : "route add default dev #\(index) src 127.0.0.1"
        case .getLink(let name): return "link show \(name)"
        }
    }

    /// The request with `NLM_F_REQUEST | NLM_F_ACK` and the given sequence number,
    /// port id 0. Throws `build`/`EINVAL` for an interface name over 15 bytes.
    public func bytes(sequence: UInt32) throws(NetlinkError) -> [UInt8] {
        for name in interfaceNames where name.utf8.isEmpty || name.utf8.count > 15 || name.utf8.contains(0) {
            throw NetlinkError(step: .build, errno: 22 /* EINVAL */, target: "interface name \"\(name)\" in \(description)")
        }
        var buffer = [UInt8](repeating: 0, count: 1024)
        return buffer.withUnsafeMutableBytes { raw -> [UInt8] in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            nlh.pointee.nlmsg_seq = sequence
            nlh.pointee.nlmsg_flags = RT.request | RT.ack
            encode(into: nlh)
            return Array(raw[0..<Int(nlh.pointee.nlmsg_len)])
        }
    }

    private var interfaceNames: [String] {
        switch self {
        case .setLinkUp(let name), .getLink(let name): return [name]
        case .addDefaultRouteToDevice: return []
        }
    }

    private func encode(into nlh: UnsafeMutablePointer<nlmsghdr>) {
        switch self {
        case .setLinkUp(let name):
            nlh.pointee.nlmsg_type = RT.newLink
            let header = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)!.assumingMemoryBound(to: UInt8.self)
            // ifi_flags (offset 8) and ifi_change (offset 12): set IFF_UP only.
            header[8] = RT.iffUp
            header[12] = RT.iffUp
            mnl_attr_put_strz(nlh, RT.iflaIfname, name)
        case .addDefaultRouteToDevice(let ipv6, let index):
            nlh.pointee.nlmsg_type = RT.newRoute
            nlh.pointee.nlmsg_flags |= RT.create | RT.excl
            let header = mnl_nlmsg_put_extra_header(nlh, 12)!.assumingMemoryBound(to: UInt8.self)
            header[0] = ipv6 ? RT.afInet6 : RT.afInet  // rtm_family; dst_len, src_len, tos 0
            header[4] = RT.tableMain        // rtm_table
            header[5] = RT.protocolStatic   // rtm_protocol
            header[6] = ipv6 ? 0 : RT.scopeLink  // rtm_scope: link (no gateway) for IPv4, as ip(8) sends
            header[7] = RT.unicast          // rtm_type
            mnl_attr_put_u32(nlh, RT.rtaOif, UInt32(bitPattern: index))
            // Without a preferred source, IPv4 picks none for a link-scope route
            // through lo (127.0.0.1 is host scope): connections would leave from
            // 0.0.0.0 and the relay's replies would not find them. IPv6 picks ::1.
            if !ipv6 { mnl_attr_put(nlh, RT.rtaPrefsrc, 4, [UInt8]([127, 0, 0, 1])) }
        case .getLink(let name):
            nlh.pointee.nlmsg_type = RT.getLink
            _ = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)
            mnl_attr_put_strz(nlh, RT.iflaIfname, name)
        }
    }
}

/// rtnetlink numbers from <linux/rtnetlink.h> and <linux/if_link.h>: most
/// are macros or anonymous enums the importer does not turn into usable constants.
enum RT {
    static let request: UInt16 = 0x1, ack: UInt16 = 0x4, excl: UInt16 = 0x200, create: UInt16 = 0x400
    static let newLink: UInt16 = 16, getLink: UInt16 = 18
    static let newRoute: UInt16 = 24
    static let ifinfomsgSize = 16
    static let iflaIfname: UInt16 = 3
    static let rtaOif: UInt16 = 4, rtaPrefsrc: UInt16 = 7
    static let afInet: UInt8 = 2, afInet6: UInt8 = 10, iffUp: UInt8 = 1, scopeLink: UInt8 = 253
    static let tableMain: UInt8 = 254, protocolStatic: UInt8 = 4, unicast: UInt8 = 1
}
