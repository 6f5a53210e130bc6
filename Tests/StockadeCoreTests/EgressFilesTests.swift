import Glibc
import StockadeSystem
import Testing
@testable import StockadeCore

/// Writing the egress files (resolv.conf, hosts) without swapping a file a
/// concurrent start recorded, and refusing to bind one nobody checked.
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

    /// The plan's bind sources and the files written are decided apart; if
    /// they disagree the start fails rather than bind an unchecked file.
    @Test func aPlannedSourceThatWasNotWrittenFailsTheStart() throws {
        let written = ["/run/stockade/net/resolv.conf": FileIdentity(device: 1, inode: 2),
                       "/run/stockade/net/hosts": FileIdentity(device: 1, inode: 3)]
        try EgressFiles.requireChecked(Array(written.keys), written: written)
        try EgressFiles.requireChecked([], written: [:])
        do {
            try EgressFiles.requireChecked(["/tmp/stockade-0/net/resolv.conf"], written: written)
            Issue.record("an unchecked bind source was accepted")
        } catch {
            #expect(error.code == .egressFilesDirectory)
            #expect(error.step == "egress_files")
        }
    }

    /// The plan records exactly the sources it binds over /etc, so the
    /// start can check each against what was written.
    @Test func thePlanRecordsTheEgressBindSourcesItMounts() throws {
        let planner = Planner(fs: PlannerTests.fs)
        let filtered = try planner.plan(PlannerTests.spec { $0.network = .filtered; $0.egress.dnsUpstreams = ["192.0.2.53"] })
        let bound = filtered.mounts.compactMap { step -> String? in
            guard case .bind(let source, let destination, _, _, _) = step,
                  destination == "/etc/resolv.conf" || destination == "/etc/hosts" else { return nil }
            return source
        }
        #expect(bound.count == 2)
        #expect(Set(filtered.egressFileSources) == Set(bound))
        #expect(try planner.plan(PlannerTests.spec()).egressFileSources.isEmpty)
    }
}
