import StockadeSeccomp

/// Policies shared by the tests and the benchmark.
enum TestPolicies {
    /// Syscalls a container runtime's default profile typically denies.
    static let dangerous: Set<String> = [
        "mount", "umount2", "pivot_root", "reboot", "kexec_load", "kexec_file_load",
        "init_module", "finit_module", "delete_module", "bpf", "ptrace", "swapon", "swapoff",
        "iopl", "ioperm", "open_by_handle_at", "perf_event_open", "keyctl", "add_key",
        "request_key", "userfaultfd", "fsopen", "fsmount", "move_mount", "open_tree",
    ]

    /// Default deny (EPERM) and an allow rule for every other native
    /// syscall libseccomp knows: about 350 rules, the shape of a
    /// Docker-like default profile.
    static func defaultLike(socketFamilies: [Int32]? = nil) -> SeccompPolicy {
        let rules = SyscallTable.allNative()
            .filter { !dangerous.contains($0.name) }
            .map { SeccompRule(name: $0.name, action: .allow) }
        return SeccompPolicy(defaultAction: .deny(errno: 1), rules: rules, socketFamilies: socketFamilies)
    }
}
