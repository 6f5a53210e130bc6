/// The first bytes a client sends on a redirected TCP connection, judged
/// before a single byte leaves for the destination.
///
/// The relay reads the client's opening bytes (at most `maximumBytes`),
/// asks `FirstFlight.inspect` what they claim, and only then checks the
/// claimed name against the allowlist and the name↔address binding. The
/// inspector itself knows nothing about policy: it parses untrusted bytes
/// into a claim, and refuses what is not well formed.

/// Which protocol a port is expected to carry.
public enum FirstFlightProtocol: String, Sendable, Equatable {
    /// TLS: the name is the ClientHello's SNI (`server_name`, host_name type).
    case tls
    /// HTTP/1.x: the name is the `Host:` header (port stripped).
    case http
}

/// Why the opening bytes were refused before any policy check.
public enum FirstFlightRefusal: String, Sendable, Equatable {
    /// A well-formed ClientHello without a server_name.
    case noSNI = "no_sni"
    /// Bytes that are not a well-formed ClientHello / HTTP/1.x request head,
    /// or that exceed `FirstFlight.maximumBytes` before being complete.
    case malformed = "malformed"
}

/// What the opening bytes claim.
public enum FirstFlightVerdict: Sendable, Equatable {
    /// Not complete yet: read more (the caller bounds bytes and time).
    case needMore
    /// The claimed destination name: ASCII, lowercased, without a trailing dot.
    case named(String)
    /// An Encrypted ClientHello (the `encrypted_client_hello` extension):
    /// only the outer SNI, lowercased, is visible.
    ///
    /// GREASE ECH (a random ECH extension that Chrome and other BoringSSL
    /// clients send on every connection when they have no ECH config) is
    /// indistinguishable from real ECH by design, so it lands here too; its
    /// outer name is then the real server name. Real ECH's outer name is the
    /// ECH config's public name (e.g. the CDN's), not the site reached.
    case encryptedHello(outerName: String)
    case refused(FirstFlightRefusal)
}

public enum FirstFlight {
    /// The most opening bytes the relay buffers before deciding. A ClientHello
    /// with a post-quantum key share is ~1.8 KB; 16 KiB is one full TLS record.
    public static let maximumBytes = 16 * 1024 + 5

    /// Judges the opening bytes of a connection expected to carry `proto`.
    /// Pure: no allocation beyond the result, no policy.
    ///
    /// Give it everything read so far, from the connection's first byte: it
    /// keeps no state between calls. Each strict prefix of a complete, valid
    /// first flight is `.needMore`; bytes after the ClientHello's last record
    /// or the request head's empty line are not looked at. The readers are
    /// TLSClientHelloReader and HTTPRequestHeadReader; every name returned
    /// passed FirstFlightName (a host name, lowercased, no trailing dot).
    public static func inspect(_ bytes: [UInt8], expecting proto: FirstFlightProtocol) -> FirstFlightVerdict {
        switch proto {
        case .tls: TLSClientHelloReader.read(bytes, maximumBytes: maximumBytes)
        case .http: HTTPRequestHeadReader.read(bytes, maximumBytes: maximumBytes)
        }
    }
}
