import Foundation
import StockadeProfile
import StockadeSeccomp
import Testing

@Suite("Shipped profiles")
struct ShippedProfilesTests {
    let loader = ProfileLoader(searchPaths: [shippedProfilesDirectory])

    @Test(arguments: ["default", "strict", "agent", "ci"])
    func loads(name: String) throws {
        let profile = try loader.load(name)
        #expect(profile.name == name)
        #expect(profile.network.mode == NetworkMode.none)
        #expect(profile.filesystem.readOnly.starts(with: ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64"]))
        #expect(profile.filesystem.hide.contains("/etc/shadow"))
        #expect(profile.env.set.contains(EnvAssignment(name: "HOME", value: "/tmp")))
        #expect(profile.seccomp.policy?.defaultAction == .deny(errno: 1))
        #expect(profile.sources.allSatisfy { $0.sha256.count == 64 })
    }
}
