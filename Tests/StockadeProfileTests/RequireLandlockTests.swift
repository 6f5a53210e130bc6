import StockadeProfile
import Testing

/// `filesystem.require_landlock`: decoded strictly, inherited along `extends:`,
/// on in the shipped strict profile.
@Suite("require_landlock")
struct RequireLandlockTests {
    @Test func decodesTrueAndFalse() throws {
        let on = try ProfileLoader.decode(yaml: "filesystem:\n  require_landlock: true\n", path: "p.yaml")
        #expect(on.profile.filesystem.requireLandlock == true)
        let off = try ProfileLoader.decode(yaml: "filesystem:\n  require_landlock: false\n", path: "p.yaml")
        #expect(off.profile.filesystem.requireLandlock == false)
        let unset = try ProfileLoader.decode(yaml: "filesystem:\n  workspace: rw\n", path: "p.yaml")
        #expect(unset.profile.filesystem.requireLandlock == nil)
    }

    @Test func rejectsOtherValuesWithTheLine() throws {
        let e = try #require(decodeError("name: x\nfilesystem:\n  require_landlock: maybe\n"))
        #expect(e.code == .invalidValue)
        #expect("\(e)".contains("p.yaml:3"))
    }

    @Test func strictRequiresItAndChildrenInherit() throws {
        let loader = ProfileLoader(searchPaths: [shippedProfilesDirectory])
        #expect(try loader.load("strict").filesystem.requireLandlock == true)
        #expect(try loader.load("default").filesystem.requireLandlock == nil)
        let dir = TempDir()
        let child = dir.write("child.yaml", "extends: strict\nname: child\n")
        #expect(try loader.load(child).filesystem.requireLandlock == true)
        let relaxed = dir.write("relaxed.yaml", "extends: strict\nname: relaxed\nfilesystem:\n  require_landlock: false\n")
        #expect(try loader.load(relaxed).filesystem.requireLandlock == false)
    }
}
