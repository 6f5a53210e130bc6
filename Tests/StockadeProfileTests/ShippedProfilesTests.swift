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

@Suite("Shipped profile policy")
struct ShippedPolicyTests {
    let loader = ProfileLoader(searchPaths: [shippedProfilesDirectory])

    static let forbidden = [
        "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev",
        "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter",
        "io_uring_register", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "open_by_handle_at", "name_to_handle_at", "userfaultfd", "reboot", "swapon", "swapoff", "acct", "settimeofday",
        "clock_settime", "adjtimex", "clock_adjtime", "syslog", "lookup_dcookie", "quotactl", "fanotify_init",
        "personality", "vhangup", "kcmp", "pidfd_getfd",
    ]

    @Test(arguments: ["default", "strict", "agent", "ci"])
    func neverAllowsEscapeHatches(name: String) throws {
        let policy = try #require(try loader.load(name).seccomp.policy)
        let allowed = Set(policy.rules.filter { $0.action == .allow }.map(\.name))
        for syscall in Self.forbidden {
            #expect(!allowed.contains(syscall), "\(name) allows \(syscall)")
        }
    }

    @Test func defaultIsBroad() throws {
        let policy = try #require(try loader.load("default").seccomp.policy)
        #expect(policy.rules.count > 250)
        for syscall in ["clone", "clone3", "execve", "socket", "futex", "openat", "wait4", "pipe2", "epoll_wait", "statx"] {
            #expect(policy.rules.contains(SeccompRule(name: syscall, action: .allow)), "\(syscall)")
        }
        #expect(policy.socketFamilies == [1, 2, 10, 16])
    }

    @Test func strictIsSmall() throws {
        let profile = try loader.load("strict")
        let policy = try #require(profile.seccomp.policy)
        #expect(policy.rules.count < 100)
        #expect(policy.socketFamilies == [1])
        #expect(profile.filesystem.workspace == .readOnly)
        #expect(!profile.filesystem.readOnly.contains("/opt"))
    }

    @Test func agentAndCI() throws {
        let agent = try loader.load("agent")
        #expect(agent.filesystem.workspace == .readWrite)
        for glob in [".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", "id_ecdsa*", "id_dsa*",
                     ".git-credentials", ".netrc", ".npmrc", ".pypirc", ".git/config"] {
            #expect(agent.filesystem.mask.contains(glob), "\(glob)")
        }
        #expect(agent.env.secret.contains("GITHUB_TOKEN"))
        #expect(agent.sources.count == 2)
        let ci = try loader.load("ci")
        #expect(ci.limits.memoryBytes == 4 << 30)
        #expect(ci.limits.pids == 1024)
        #expect(ci.limits.timeoutSeconds == 1800)
        #expect(ci.filesystem.workspace == .readWrite)
        #expect(ci.env.pass.contains("PATH") && ci.env.pass.contains("CI"))
    }
}
