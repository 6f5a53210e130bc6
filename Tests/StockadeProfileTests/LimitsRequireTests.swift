import StockadeProfile
import Testing

@Suite("limits.require")
struct LimitsRequireTests {
    @Test func decodesAndRejectsNonBooleans() throws {
        let p = try ProfileLoader.decode(yaml: "limits:\n  memory: 1g\n  require: true\n", path: "p.yaml")
        #expect(p.profile.limits.require == true)
        let q = try ProfileLoader.decode(yaml: "limits:\n  require: false\n", path: "p.yaml")
        #expect(q.profile.limits.require == false)
        #expect(decodeError("limits:\n  require: maybe\n") != nil)
    }

    @Test func shippedCIAndStrictRequireLimits() throws {
        let loader = ProfileLoader(searchPaths: [shippedProfilesDirectory])
        #expect(try loader.load("ci").limits.require == true)
        #expect(try loader.load("strict").limits.require == true)
        #expect(try loader.load("default").limits.require != true)
    }
}
