import Testing
@testable import StockadeNet

/// The HTTP/1.x request-head reader.
@Suite struct FirstFlightHTTPTests {
    static let curl = "GET /simple/ HTTP/1.1\r\nHost: pypi.org\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"

    @Test func realRequestsNameTheirHost() {
        #expect(inspectHTTP(http(Self.curl)) == .named("pypi.org"))
        let wget = "GET / HTTP/1.1\r\nUser-Agent: Wget/1.21.4\r\nAccept: */*\r\nAccept-Encoding: identity\r\nHost: Registry.NPMjs.org:8080\r\nConnection: Keep-Alive\r\n\r\n"
        #expect(inspectHTTP(http(wget)) == .named("registry.npmjs.org"))
        #expect(inspectHTTP(http("POST /x HTTP/1.0\r\nhOsT:\texample.com.  \r\nContent-Length: 3\r\n\r\nabc")) == .named("example.com"))
        #expect(inspectHTTP(http("OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n")) == .named("example.com"))
    }

    @Test func everyPrefixNeedsMore() {
        if let problem = checkPrefixes(http(Self.curl), .http, .named("pypi.org")) { Issue.record("\(problem)") }
        let absolute = "GET http://Example.com:80/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n"
        if let problem = checkPrefixes(http(absolute), .http, .named("example.com")) { Issue.record("\(problem)") }
    }

    @Test func absoluteAndAuthorityTargetsMustAgreeWithHost() {
        #expect(inspectHTTP(http("GET https://example.com/ HTTP/1.1\r\nHost: example.com:443\r\n\r\n")) == .named("example.com"))
        #expect(inspectHTTP(http("GET http://other.org/ HTTP/1.1\r\nHost: example.com\r\n\r\n")) == .refused(.malformed))
        #expect(inspectHTTP(http("GET http://user@example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")) == .refused(.malformed))
        #expect(inspectHTTP(http("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")) == .named("example.com"))
        #expect(inspectHTTP(http("CONNECT other.org:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")) == .refused(.malformed))
        #expect(inspectHTTP(http("GET ftp://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")) == .refused(.malformed))
    }

    @Test func ambiguousHeadsAreMalformed() {
        let bad: [(String, String)] = [
            ("no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
            ("two Hosts", "GET / HTTP/1.1\r\nHost: example.com\r\nHOST: example.com\r\n\r\n"),
            ("empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n"),
            ("space before colon", "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n"),
            ("obs-fold", "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: b\r\n c\r\n\r\n"),
            ("folded Host", "GET / HTTP/1.1\r\nHost:\r\n example.com\r\n\r\n"),
            ("bare LF", "GET / HTTP/1.1\nHost: example.com\n\n"),
            ("bare LF in a header", "GET / HTTP/1.1\r\nX: a\nHost: other.org\r\nHost: example.com\r\n\r\n"),
            ("bare CR", "GET / HTTP/1.1\r\nX: a\rb\r\nHost: example.com\r\n\r\n"),
            ("NUL", "GET / HTTP/1.1\r\nHost: example.com\0.evil\r\n\r\n"),
            ("NUL elsewhere", "GET / HTTP/1.1\r\nX: \0\r\nHost: example.com\r\n\r\n"),
            ("IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
            ("IPv4 literal", "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n"),
            ("bad port", "GET / HTTP/1.1\r\nHost: example.com:99999\r\n\r\n"),
            ("empty port", "GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n"),
            ("two names", "GET / HTTP/1.1\r\nHost: example.com other.org\r\n\r\n"),
            ("comma list", "GET / HTTP/1.1\r\nHost: example.com,other.org\r\n\r\n"),
            ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: example.com\r\n\r\n"),
            ("two spaces", "GET  / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            ("lower-case version", "GET / http/1.1\r\nHost: example.com\r\n\r\n"),
            ("leading empty line", "\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            ("non-token method", "G(T / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            ("space in target", "GET /a b HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            ("no header colon", "GET / HTTP/1.1\r\nHost example.com\r\n\r\n"),
        ]
        for (what, text) in bad { #expect(inspectHTTP(http(text)) == .refused(.malformed), "\(what)") }
        #expect(inspectHTTP(RealClientHellos.curl) == .refused(.malformed), "a ClientHello on an HTTP port")
        #expect(inspectHTTP([0x16]) == .refused(.malformed), "refused at its first byte")
    }

    @Test func aHeadLongerThanTheLimitIsMalformed() {
        let filler = "X-Pad: " + String(repeating: "a", count: FirstFlight.maximumBytes) + "\r\n"
        let text = "GET / HTTP/1.1\r\nHost: example.com\r\n" + filler + "\r\n"
        #expect(inspectHTTP(http(text)) == .refused(.malformed))
        #expect(inspectHTTP(Array(http(text)[..<FirstFlight.maximumBytes])) == .refused(.malformed))
        #expect(inspectHTTP(Array(http(text)[..<(FirstFlight.maximumBytes - 1)])) == .needMore)
    }
}
