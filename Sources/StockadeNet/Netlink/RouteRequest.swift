internal import CMnl

/// Where the peer end of a new veth pair goes.
public enum LinkNamespace: Hashable, Sendable {
    /// The network namespace of this process (`IFLA_NET_NS_PID`).
    case pid(Int32)
    /// The namespace this open descriptor refers to (`IFLA_NET_NS_FD`), e.g. an open
    /// `/proc/PID/ns/net` or `/run/netns/NAME`.
    case fileDescriptor(Int32)
}

/// One rtnetlink request, as a value: printable like ip(8), encodable to the exact bytes
/// sent, so sequences of link setup can be checked without privileges.
public enum RouteRequest: Hashable, Sendable, CustomStringConvertible {
    /// `ip link add HOST type veth peer name PEER [netns …]`.
    case createVethPair(host: String, peer: String, peerNamespace: LinkNamespace?)
    /// `ip addr add ADDRESS/PREFIX dev #INDEX` (IPv4, host order).
    case addIPv4Address(interfaceIndex: Int32, address: UInt32, prefixLength: UInt8)
    /// `ip link set NAME up`.
    case setLinkUp(name: String)
    /// `ip route add default via GATEWAY` (IPv4, host order).
    case addDefaultRoute(gateway: UInt32)
    /// `ip link del NAME` (for a veth, removes both ends).
    case deleteLink(name: String)
    /// `ip link show NAME`: the reply carries the interface index.
    case getLink(name: String)

    public var description: String {
        switch self {
        case .createVethPair(let host, let peer, let namespace):
            let target: String
            switch namespace {
            case nil: target = ""
            case .pid(let pid)?: target = " netns pid \(pid)"
            case .fileDescriptor(let fd)?: target = " netns fd \(fd)"
            }
            return "link add \(host) type veth peer name \(peer)\(target)"
        case .addIPv4Address(let index, let address, let prefix):
            return "addr add \(IPv4Subnet.dotted(address))/\(prefix) dev #\(index)"
        case .setLinkUp(let name): return "link set \(name) up"
        case .addDefaultRoute(let gateway): return "route add default via \(IPv4Subnet.dotted(gateway))"
        case .deleteLink(let name): return "link del \(name)"
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
        case .createVethPair(let host, let peer, _): return [host, peer]
        case .setLinkUp(let name), .deleteLink(let name), .getLink(let name): return [name]
        case .addIPv4Address, .addDefaultRoute: return []
        }
    }

    private func encode(into nlh: UnsafeMutablePointer<nlmsghdr>) {
        switch self {
        case .createVethPair(let host, let peer, let namespace):
            nlh.pointee.nlmsg_type = RT.newLink
            nlh.pointee.nlmsg_flags |= RT.create | RT.excl
            _ = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)  // zeroed: AF_UNSPEC, index 0
            mnl_attr_put_strz(nlh, RT.iflaIfname, host)
            let linkInfo = mnl_attr_nest_start(nlh, RT.iflaLinkinfo)
            mnl_attr_put_strz(nlh, RT.iflaInfoKind, "veth")
            let data = mnl_attr_nest_start(nlh, RT.iflaInfoData)
            // VETH_INFO_PEER holds a whole ifinfomsg followed by the peer's attributes.
            let peerInfo = mnl_attr_nest_start(nlh, RT.vethInfoPeer)
            _ = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)
            mnl_attr_put_strz(nlh, RT.iflaIfname, peer)
            switch namespace {
            case .pid(let pid)?: mnl_attr_put_u32(nlh, RT.iflaNetNsPid, UInt32(bitPattern: pid))
            case .fileDescriptor(let fd)?: mnl_attr_put_u32(nlh, RT.iflaNetNsFd, UInt32(bitPattern: fd))
            case nil: break
            }
            mnl_attr_nest_end(nlh, peerInfo)
            mnl_attr_nest_end(nlh, data)
            mnl_attr_nest_end(nlh, linkInfo)
        case .addIPv4Address(let index, let address, let prefix):
            nlh.pointee.nlmsg_type = RT.newAddr
            nlh.pointee.nlmsg_flags |= RT.create | RT.excl
            let header = mnl_nlmsg_put_extra_header(nlh, 8)!.assumingMemoryBound(to: UInt8.self)
            header[0] = RT.afInet          // ifa_family
            header[1] = prefix             // ifa_prefixlen
            // ifa_flags 0, ifa_scope RT_SCOPE_UNIVERSE (0)
            withUnsafeBytes(of: UInt32(bitPattern: index)) { for i in 0..<4 { header[4 + i] = $0[i] } }
            let bytes = IPv4Subnet.bytes(of: address)
            // IFA_LOCAL is the address itself; IFA_ADDRESS the same on a broadcast link.
            mnl_attr_put(nlh, RT.ifaLocal, 4, bytes)
            mnl_attr_put(nlh, RT.ifaAddress, 4, bytes)
        case .setLinkUp(let name):
            nlh.pointee.nlmsg_type = RT.newLink
            let header = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)!.assumingMemoryBound(to: UInt8.self)
            // ifi_flags (offset 8) and ifi_change (offset 12): set IFF_UP only.
            header[8] = RT.iffUp
            header[12] = RT.iffUp
            mnl_attr_put_strz(nlh, RT.iflaIfname, name)
        case .addDefaultRoute(let gateway):
            nlh.pointee.nlmsg_type = RT.newRoute
            nlh.pointee.nlmsg_flags |= RT.create | RT.excl
            let header = mnl_nlmsg_put_extra_header(nlh, 12)!.assumingMemoryBound(to: UInt8.self)
            header[0] = RT.afInet           // rtm_family; dst_len, src_len, tos 0
            header[4] = RT.tableMain        // rtm_table
            header[5] = RT.protocolStatic   // rtm_protocol
            header[6] = 0                   // rtm_scope: RT_SCOPE_UNIVERSE
            header[7] = RT.unicast          // rtm_type
            mnl_attr_put(nlh, RT.rtaGateway, 4, IPv4Subnet.bytes(of: gateway))
        case .deleteLink(let name):
            nlh.pointee.nlmsg_type = RT.delLink
            _ = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)
            mnl_attr_put_strz(nlh, RT.iflaIfname, name)
        case .getLink(let name):
            nlh.pointee.nlmsg_type = RT.getLink
            _ = mnl_nlmsg_put_extra_header(nlh, RT.ifinfomsgSize)
            mnl_attr_put_strz(nlh, RT.iflaIfname, name)
        }
    }
}

/// rtnetlink numbers from <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>: most
/// are macros or anonymous enums the importer does not turn into usable constants.
enum RT {
    static let request: UInt16 = 0x1, ack: UInt16 = 0x4, excl: UInt16 = 0x200, create: UInt16 = 0x400
    static let newLink: UInt16 = 16, delLink: UInt16 = 17, getLink: UInt16 = 18
    static let newAddr: UInt16 = 20, newRoute: UInt16 = 24
    static let ifinfomsgSize = 16
    static let iflaIfname: UInt16 = 3, iflaLinkinfo: UInt16 = 18, iflaNetNsPid: UInt16 = 19, iflaNetNsFd: UInt16 = 28
    static let iflaInfoKind: UInt16 = 1, iflaInfoData: UInt16 = 2, vethInfoPeer: UInt16 = 1
    static let ifaAddress: UInt16 = 1, ifaLocal: UInt16 = 2
    static let rtaGateway: UInt16 = 5
    static let afInet: UInt8 = 2, iffUp: UInt8 = 1
    static let tableMain: UInt8 = 254, protocolStatic: UInt8 = 4, unicast: UInt8 = 1
}
