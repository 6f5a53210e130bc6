import Testing
@testable import StockadeAddress

@Suite struct DomainRuleTests {
    let list = try! DomainAllowlist(parsing: [
        "api.github.com", "*.githubusercontent.com", "internal.example.com:8443", "a.b.example.org:80,8080",
    ])

    @Test func exactMatchIgnoresASCIICaseOnly() {
        #expect(list.match(name("API.GitHub.COM"))?.description == "api.github.com")
        #expect(list.match(name("api.github.com."))?.ports == [80, 443])
        #expect(list.match(name("github.com")) == nil)
        #expect(list.match(name("xapi.github.com")) == nil)
        // Non-ASCII bytes never fold: "İ" is not "i".
        let dotted = try! DNSName(labels: [Array("apİ".utf8), Array("github".utf8), Array("com".utf8)])
        #expect(list.match(dotted) == nil)
    }

    @Test func wildcardMatchesAnyDepthButNotTheApex() {
        #expect(list.match(name("raw.githubusercontent.com")) != nil)
        #expect(list.match(name("a.b.c.githubusercontent.com")) != nil)
        #expect(list.match(name("githubusercontent.com")) == nil)
        #expect(list.match(name("evilgithubusercontent.com")) == nil)
    }

    @Test func labelContainingADotIsNotTwoLabels() throws {
        // ["api.github", "com"] must not match api.github.com.
        let trick = try DNSName(labels: [Array("api.github".utf8), Array("com".utf8)])
        #expect(list.match(trick) == nil)
        // ["githubusercontent.com"] as one label is not under the wildcard either.
        let oneLabel = try DNSName(labels: [Array("x".utf8), Array("githubusercontent.com".utf8)])
        #expect(list.match(oneLabel) == nil)
    }

    @Test func portsParseAndMerge() throws {
        #expect(list.match(name("internal.example.com"))?.ports == [8443])
        #expect(list.match(name("a.b.example.org"))?.ports == [80, 8080])
        let merged = try DomainAllowlist(parsing: ["x.example.com", "X.example.com:22"])
        #expect(merged.match(name("x.example.com"))?.ports == [22, 80, 443])
    }

    @Test func mostSpecificRuleWins() throws {
        let l = try DomainAllowlist(parsing: ["*.example.com", "*.api.example.com:8443", "v1.api.example.com:9000"])
        #expect(l.match(name("v1.api.example.com"))?.ports == [9000])
        #expect(l.match(name("v2.api.example.com"))?.ports == [8443])
        #expect(l.match(name("www.example.com"))?.ports == [80, 443])
    }

    @Test(arguments: [
        ("", DomainRuleError.empty("")),
        ("*", .misplacedWildcard("*")),
        ("*.com", .wildcardTooBroad("*.com")),
        ("a.*.com", .misplacedWildcard("a.*.com")),
        ("a..com", .emptyLabel("a..com")),
        ("ex ample.com", .invalidCharacter("ex ample.com", character: " ")),
        ("bücher.de", .nonASCII("bücher.de")),
        ("-a.com", .badHyphen("-a.com")),
        ("a.com:0", .invalidPort("a.com:0", port: "0")),
        ("a.com:65536", .invalidPort("a.com:65536", port: "65536")),
        ("a.com:", .invalidPort("a.com:", port: "")),
        ("a.com:+1", .invalidPort("a.com:+1", port: "+1")),
        ("10.0.0.1", .addressLiteral("10.0.0.1")),
        ("com", .singleLabel("com")),
        ("localhost.:80", .singleLabel("localhost.:80")),
        (String(repeating: "a", count: 64) + ".com", .labelTooLong(String(repeating: "a", count: 64) + ".com")),
    ])
    func rejectsBadEntries(entry: String, error: DomainRuleError) {
        #expect(throws: error) { try DomainRule(parsing: entry) }
    }

    @Test func describesRulesAsWritten() throws {
        #expect(try DomainRule(parsing: "*.Example.com:443,80").description == "*.example.com")
        #expect(try DomainRule(parsing: "x.example.com:8443").description == "x.example.com:8443")
        #expect(try DomainRule(parsing: "_dmarc.example.com.").description == "_dmarc.example.com")
    }
}
