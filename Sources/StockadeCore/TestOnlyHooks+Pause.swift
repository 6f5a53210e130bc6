#if canImport(Glibc)
import Glibc
#endif
import StockadeSystem

extension TestOnlyHooks {
    /// `PATH`: just before the binds are opened (after every check that
    /// records what a bind must reach), create `PATH.paused` and wait until
    /// `PATH.go` exists, so a test can swap a bind source in between.
    static let pauseBeforeBindsVariable = "STOCKADE_TEST_PAUSE_BEFORE_BINDS"
    /// `PATH`: rootless runs only, just after the supervisor opened the bind
    /// sources and before the child clones them by path, pause as above, so
    /// a test can swap a source past the supervisor's check and reach the
    /// child's own (filesystem.c, clone_tree: `ESTALE`).
    static let pauseAfterBindsOpenedVariable = "STOCKADE_TEST_PAUSE_AFTER_BINDS_OPENED"

    /// Debug builds only; in a release build this does nothing.
    static func pauseBeforeBinds() {
        pause(variable: pauseBeforeBindsVariable, at: "before the binds")
    }

    /// Debug builds only, rootless runs only; in a release build this does
    /// nothing.
    static func pauseAfterBindsOpened(rootless: Bool) {
        guard rootless else { return }
        pause(variable: pauseAfterBindsOpenedVariable, at: "after opening the bind sources")
    }

    private static func pause(variable: String, at moment: String) {
        #if DEBUG
        guard let raw = getenv(variable) else { return }
        let path = String(cString: raw)
        guard path.hasPrefix("/") else { return }
        writeStderr("sandbox-run: TEST BUILD: \(variable): pausing \(moment)\n")
        let fd = open(path + ".paused", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
        // At most a minute: a test that never says go must not leave this behind.
        for _ in 0..<6000 {
            if access(path + ".go", F_OK) == 0 { return }
            usleep(10_000)
        }
        #endif
    }
}
