#if canImport(Glibc)
import Glibc
#endif
import CSandboxChild
import StockadeSystem

/// Switches the integration tests use to climb one wall with the other out
/// of the way. Honoured only by debug builds (`swift build`, what `swift
/// test` runs); in a release build — what ships — `apply` is empty, so no
/// environment variable can weaken a real sandbox.
enum TestOnlyHooks {
    /// `SRC:DEST`: an extra writable bind of SRC at DEST, added to the mount
    /// view after planning and so absent from the Landlock ruleset — a mount
    /// view deliberately wider than the plan.
    static let extraBindVariable = "STOCKADE_TEST_EXTRA_BIND_WITHOUT_LANDLOCK_RULE"
    /// `N`: behave as if the kernel's Landlock ABI were at most N (0: none).
    static let landlockABIVariable = "STOCKADE_TEST_LANDLOCK_ABI_AT_MOST"

    static func apply(plan: inout Plan, features: inout KernelFeatures) {
        #if DEBUG
        if let raw = getenv(extraBindVariable) {
            let text = String(cString: raw)
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0].hasPrefix("/"), parts[1].hasPrefix("/") {
                writeStderr("sandbox-run: TEST BUILD: \(extraBindVariable): binding \(parts[0]) at \(parts[1]) outside the Landlock ruleset\n")
                plan.mounts.append(.bind(source: parts[0], destination: parts[1], readOnly: false, isFile: false, device: false))
            }
        }
        if let raw = getenv(landlockABIVariable), let n = Int(String(cString: raw)), n >= 0 {
            writeStderr("sandbox-run: TEST BUILD: \(landlockABIVariable): Landlock ABI at most \(n)\n")
            features.landlockABI = min(features.landlockABI, n)
        }
        #endif
    }

    /// Set: the child's `setsid` fails (init is made a process-group
    /// leader first), so a test sees which step a failure there reports.
    static let setsidFailsVariable = "STOCKADE_TEST_CHILD_SETSID_FAILS"

    static func apply(child cfg: inout stk_child_config) {
        #if DEBUG
        if getenv(setsidFailsVariable) != nil {
            writeStderr("sandbox-run: TEST BUILD: \(setsidFailsVariable): the sandbox init's setsid will fail\n")
            cfg.test_setsid_fails = 1
        }
        #endif
    }
}
