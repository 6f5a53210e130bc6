/// An address and port: a DNS upstream or listener, or a client seen by the proxy.
public struct DNSEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}

extension DNSEndpoint {
    /// Parses an upstream as written in profiles and on the command line:
    /// `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`; port 53 when absent.
    ///
    /// The one parser for upstreams: `NetworkSyntax` (profiles, `check`, the
    /// CLI) and the runtime all call it, so they cannot disagree.
    public init?(parsing text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  let address = IPv6Address(String(text[text.index(after: text.startIndex)..<close])) else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { self.init(address: .v6(address), port: 53); return }
            guard rest.hasPrefix(":"), let port = Self.port(rest.dropFirst()) else { return nil }
            self.init(address: .v6(address), port: port)
            return
        }
        if let address = IPv6Address(text) { self.init(address: .v6(address), port: 53); return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv4Address(String(parts[0])) else { return nil }
        if parts.count == 1 { self.init(address: .v4(address), port: 53); return }
        guard let port = Self.port(parts[1]) else { return nil }
        self.init(address: .v4(address), port: port)
    }

    private static func port(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let p = UInt16(text), p > 0 else { return nil }
        return p
    }
}
