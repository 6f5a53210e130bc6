import Glibc
import StockadeSystem
import Testing
@testable import StockadeCore

/// Writing the egress files (resolv.conf, hosts) without swapping a file a
/// concurrent start recorded, in the one place the plan binds them from.
@Suite struct EgressFilesTests {
    final class Directory {
        let path: String
        let fd: Int32
        init() {
            var t = Array("/tmp/stockade-egress-files-XXXXXX".utf8CString)
            path = String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
            fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        deinit {
            close(fd)
            for name in ["hosts", "resolv.conf", "target", ".hosts.\(getpid())", ".resolv.conf.\(getpid())"] {
                unlink(path + "/" + name)
            }
            rmdir(path)
        }
        func identity(_ name: String) -> FileIdentity? {
            var st = stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
            return FileIdentity(st)
        }
        func exists(_ name: String) -> Bool { identity(name) != nil }
    }

    /// Another start renamed its copy in first: this one adopts that file
    /// (its identity is the one the other start will bind) and leaves no
    /// temporary behind, instead of renaming over it.
    @Test func aRightFileAlreadyInPlaceIsAdoptedNotReplaced() throws {
        let d = Directory()
        #expect(FileIO.writeFile(d.path + "/hosts", EgressFiles.hostsText, flags: O_WRONLY | O_CREAT | O_EXCL) == 0)
        chmod(d.path + "/hosts", 0o644)
        let first = try #require(d.identity("hosts"))
        let got = try EgressFiles.replace(d.fd, "hosts", EgressFiles.hostsText, owner: getuid(), in: d.path)
        #expect(got == first)
        #expect(d.identity("hosts") == first)
        #expect(!d.exists(".hosts.\(getpid())"))
    }

    /// A symlink (or any wrong object) under the name is removed, not
    /// followed: its target keeps its bytes, the name gets a fresh file.
    @Test func aSymlinkInTheWayIsReplacedAndItsTargetUntouched() throws {
        let d = Directory()
        #expect(FileIO.writeFile(d.path + "/target", "keep\n", flags: O_WRONLY | O_CREAT | O_EXCL) == 0)
        #expect(symlink("target", d.path + "/resolv.conf") == 0)
        let got = try EgressFiles.replace(d.fd, "resolv.conf", EgressFiles.resolvConfText, owner: getuid(), in: d.path)
        #expect(d.identity("resolv.conf") == got)
        #expect(EgressFiles.inPlace(d.fd, "resolv.conf", EgressFiles.resolvConfText, owner: getuid()) == got)
        #expect(FileIO.readText(d.path + "/target", limit: 100) == "keep\n")
    }

    @Test func aFileWithOtherTextOrAHardLinkIsNotInPlace() throws {
        let d = Directory()
        #expect(FileIO.writeFile(d.path + "/hosts", "10.0.0.1 evil\n", flags: O_WRONLY | O_CREAT | O_EXCL) == 0)
        #expect(EgressFiles.inPlace(d.fd, "hosts", EgressFiles.hostsText, owner: getuid()) == nil)
        unlink(d.path + "/hosts")
        #expect(FileIO.writeFile(d.path + "/target", EgressFiles.hostsText, flags: O_WRONLY | O_CREAT | O_EXCL) == 0)
        #expect(link(d.path + "/target", d.path + "/hosts") == 0)
        #expect(EgressFiles.inPlace(d.fd, "hosts", EgressFiles.hostsText, owner: getuid()) == nil)
    }

    /// The plan records the one place the egress files come from, and its
    /// binds over /etc take their sources from that place.
    @Test func thePlanRecordsTheEgressFilesPlaceItMounts() throws {
        let planner = Planner(fs: PlannerTests.fs)
        let filtered = try planner.plan(PlannerTests.spec { $0.network = .filtered; $0.egress.dnsUpstreams = ["192.0.2.53"] })
        let bound = filtered.mounts.compactMap { step -> String? in
            guard case .bind(let source, let destination, _, _, _) = step,
                  destination == "/etc/resolv.conf" || destination == "/etc/hosts" else { return nil }
            return source
        }
        let place = try #require(filtered.egressFiles)
        #expect(place == EgressFiles.location(rootless: filtered.spec.rootless))
        #expect(Set(bound) == [place.path + "/resolv.conf", place.path + "/hosts"])
        #expect(try planner.plan(PlannerTests.spec()).egressFiles == nil)
    }

    /// What the runtime writes in a place is recorded under exactly the
    /// sources the mount steps bind from it: no bind goes unchecked.
    @Test func theFilesWrittenAreTheSourcesBound() throws {
        let d = Directory()
        let place = OwnedDirectory(base: d.path, components: ["net"], owner: getuid(), mode: 0o700, privateMode: false)
        defer {
            for name in ["resolv.conf", "hosts"] { unlink(place.path + "/" + name) }
            rmdir(place.path)
            withExtendedLifetime(d) {}
        }
        let written = try EgressFiles.write(place: place)
        let bound = EgressFiles.mountSteps(in: place).compactMap { step -> String? in
            if case .bind(let source, _, _, _, _) = step { source } else { nil }
        }
        #expect(Set(written.keys) == Set(bound))
        for (path, identity) in written {
            var st = stat()
            #expect(lstat(path, &st) == 0 && FileIdentity(st) == identity)
        }
    }
}
