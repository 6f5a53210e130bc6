#if canImport(Glibc)
import Glibc
#endif
import StockadeCLI
import StockadeCore
import StockadeProfile
import StockadeSeccomp
import StockadeSystem

/// `sandbox-run prepare [PROFILE...]`
enum PrepareVerb {
    static let spec = VerbSpec(
        name: "prepare",
        summary: "compile profiles' seccomp filters into the shared cache (root)",
        abstract: "Compile the seccomp filters of PROFILEs into the shared cache, so that later runs skip the compile.",
        discussion: """
        Compiling a filter takes about 3 ms of every start. Root keeps compiled
        filters in \(SeccompFilterCache.standardDirectory), owned by root and
        readable by everyone; rootless runs read root's entries there but never
        write one (a cache the caller could write, its workload could fill with
        an allow-all filter). A root run stores its filter on its own; prepare
        does it ahead of time, for rootless users of a machine where root never
        runs a sandbox. `make install` runs it for the shipped profiles. It
        fails unless everyone can search each directory down to an entry and
        read the entry (a cache directory made 0750 is trusted, but rootless
        runs could not read it).

        Entries belong to one build of sandbox-run and of libseccomp: run it
        again after upgrading either. Without PROFILE: every profile in the
        search path (/etc/stockade/profiles, the shipped ones). Needs root; under
        sudo, profiles are read with the caller's identity, as a run reads them.

        Examples:
          sudo sandbox-run prepare
          sudo sandbox-run prepare agent ./profiles/my-agent.yaml
        """,
        positionals: [PositionalSpec("PROFILE", .repeated, help: "A profile name or a path to a YAML file; default: every profile found.")]
    )

    static func run(_ a: ParsedArguments) -> Int32 {
        guard geteuid() == 0 else {
            writeStderr("sandbox-run: prepare: only root writes the shared seccomp cache (\(SeccompFilterCache.standardDirectory)); rootless runs read it. Run it as root.\n")
            return 1
        }
        let cache = SeccompFilterCache.standard()
        guard cache.fingerprint != nil else {
            writeStderr("sandbox-run: prepare: this build of sandbox-run or libseccomp has no GNU build ID, so its filters are never cached\n")
            return 1
        }
        // Under sudo the profiles are found and read as the caller, as a run
        // reads them: prepare must not read what the caller could not.
        let caller = SudoCaller.current()
        let searchPaths = ProfileSearch.paths()
        var names = a.positionals
        if names.isEmpty {
            let found = profilesFound(in: searchPaths, as: caller)
            // Without the caller's identity nothing was listed: say so,
            // rather than "no profiles found".
            guard found.identityErrno == 0 else {
                writeStderr("sandbox-run: prepare: cannot take the sudo caller's identity to list profiles: \(String(cString: strerror(found.identityErrno)))\n")
                return 1
            }
            names = found.names
        }
        guard !names.isEmpty else {
            writeStderr("sandbox-run: prepare: no profiles found in \(searchPaths.joined(separator: ":"))\n")
            return 1
        }
        var failures = 0
        for name in names {
            do throws(PrepareError) {
                let policy: SeccompPolicy
                do { policy = try SudoCaller.loadProfile(name, caller: caller).effectiveSeccompPolicy } catch { throw .profile(error) }
                let result: (filter: CompiledSeccompFilter, source: SeccompFilterCache.Source)
                do { result = try cache.lookUpOrCompile(policy) } catch { throw .compile(error) }
                // compile() treats the cache as optional; prepare exists to fill it.
                guard result.source != .compiled else { throw .notStored(cache.directory) }
                // Stored is not enough: rootless runs, the users of the
                // shared cache, must be able to reach and read the entry.
                if let barrier = SeccompFilterCache.barrierForOthers(entryPath: cache.entryPath(for: policy)) {
                    throw .unreadableByOthers(barrier)
                }
                let how = result.source == .cached ? "already cached" : "stored"
                print("\(name): \(result.filter.instructionCount) instructions, \(how): \(cache.entryPath(for: policy))")
            } catch {
                // A profile error names its file (and line) itself.
                if case .profile = error { writeStderr("sandbox-run: prepare: \(error)\n") } else { writeStderr("sandbox-run: prepare: \(name): \(error)\n") }
                failures += 1
            }
        }
        return failures == 0 ? 0 : 1
    }

    enum PrepareError: Error, CustomStringConvertible {
        case profile(ProfileError)
        case compile(SeccompError)
        case notStored(String)
        case unreadableByOthers(String)

        var description: String {
            switch self {
            case .profile(let e): "\(e)"
            case .compile(let e): "seccomp: \(e)"
            case .notStored(let directory): "not stored in \(directory): it or a directory above it is not root's, is writable by others or is reached through a symlink, or the write failed"
            case .unreadableByOthers(let barrier): "rootless runs cannot read the cached filter: \(barrier)"
            }
        }
    }

    /// Names of the `.yaml` files in the search path, the first of each
    /// name; listed as `caller` under sudo. `identityErrno`: nonzero when
    /// the caller's identity could not be taken (nothing listed).
    static func profilesFound(in searchPaths: [String], as caller: SudoCaller?) -> (names: [String], identityErrno: Int32) {
        nonisolated(unsafe) var names: [String] = []
        let list = {
            for directory in searchPaths {
                for entry in Directory.entries(atPath: directory) ?? [] where entry.name.hasSuffix(".yaml") && !entry.isDirectory {
                    let name = String(entry.name.dropLast(5))
                    if !names.contains(name) { names.append(name) }
                }
            }
        }
        // The identity thread fills `names` while this thread waits in join.
        if let caller {
            let r = caller.asCaller(list)
            if r != 0 { return ([], -r) }
        } else {
            list()
        }
        return (names, 0)
    }
}
