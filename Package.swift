// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The shipped code does without the implicitly imported regex and
/// concurrency modules, so the binary does not carry them (about 0.8 MB of
/// code that page faults would map in at every start; docs/performance.md).
let leanSettings: [SwiftSetting] = strictSettings + [
    .unsafeFlags([
        "-Xfrontend", "-disable-implicit-string-processing-module-import",
        "-Xfrontend", "-disable-implicit-concurrency-module-import",
    ]),
]

let package = Package(
    name: "Stockade",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sandbox-run", targets: ["sandbox-run"]),
        .library(name: "StockadeCore", targets: ["StockadeCore"]),
        .library(name: "StockadeProfile", targets: ["StockadeProfile"]),
    ],
    dependencies: [],
    targets: [
        // System libraries (Debian: libseccomp-dev, libcap-dev, libnftnl-dev, libmnl-dev, libyaml-dev, nettle-dev).
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        // libyaml reads profiles (Debian: libyaml-dev); StockadeProfile builds its node tree from the events.
        .systemLibrary(name: "CYaml", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // nettle's SHA-256 for the hash chain and profile digests (Debian: nettle-dev). No
        // pkgConfig: its `-lnettle` would pick the shared object; the module map links
        // the static archive instead.
        .systemLibrary(name: "CNettle", providers: [.apt(["nettle-dev"])]),

        // The only code that runs between clone and execve. Pure C, no allocation.
        .target(name: "CSandboxChild"),
        // Parent-side syscall shims the Swift overlay does not expose (pidfd, seccomp notify, signalfd).
        .target(name: "CStockadeSys"),

        // Seccomp policy model, syscall names, and the libseccomp compiler (no root); compiled
        // filters are cached on disk (SeccompFilterCache, through StockadeSystem).
        .target(name: "StockadeSeccomp", dependencies: ["CSeccomp", "StockadeSystem", "CStockadeSys"], swiftSettings: leanSettings),
        // Event model, JSON lines encoding, sinks, schema.
        .target(name: "StockadeEvents", dependencies: ["CNettle", "CStockadeSys", "StockadeSystem"], swiftSettings: leanSettings),
        // cgroup v2 / v1 (hybrid) limits, stats and cleanup.
        .target(name: "StockadeCgroups", dependencies: ["StockadeSystem"], swiftSettings: leanSettings),
        // Addresses and the rule grammar (pure, no C): IP addresses, CIDR prefixes,
        // address classes, DNS names, allow rules, ECH entries, upstreams.
        .target(name: "StockadeAddress", swiftSettings: leanSettings),
        // Egress firewall: DNS wire format and proxy, rtnetlink, nftables, NFLOG.
        .target(name: "StockadeNet", dependencies: ["CNftnl", "CMnl", "CStockadeSys", "StockadeEvents", "StockadeAddress"], swiftSettings: leanSettings),
        .target(
            name: "StockadeProfile",
            dependencies: [
                "StockadeSeccomp", "StockadeEvents", "CYaml",
                // The one parser of allow rules, upstreams and ranges (DomainRule, DNSEndpoint, CIDR).
                "StockadeAddress",
                "StockadeSystem",
            ],
            swiftSettings: leanSettings
        ),
        // Offline reading of finished event logs: `report`, `report --suggest`.
        // Needs no supervisor code, only the event model and the rule grammar.
        .target(name: "StockadeReport", dependencies: ["StockadeEvents", "StockadeProfile"], swiftSettings: leanSettings),
        .target(
            name: "StockadeCore",
            dependencies: [
                "StockadeProfile", "StockadeSeccomp", "StockadeEvents", "StockadeCgroups", "StockadeNet", "StockadeAddress",
                "CSeccomp", "CCap", "CSandboxChild", "CStockadeSys",
                "StockadeSystem",
            ],
            swiftSettings: leanSettings
        ),
        // Command-line specs, parser, help, man page and completions (pure; no Foundation).
        .target(name: "StockadeCLI", swiftSettings: leanSettings),
        .executableTarget(
            name: "sandbox-run",
            dependencies: ["StockadeCore", "StockadeProfile", "StockadeReport", "StockadeCLI", "StockadeSeccomp", "StockadeSystem"],
            // Release builds (the Makefile's RELEASE_FLAGS) link the Swift
            // runtime and libstdc++ statically and pack relocations with lld.
            // A fully static executable is not possible: Debian ships libmnl
            // (which libnftnl needs) only as a shared library.
            swiftSettings: leanSettings
        ),
        // Test helpers shared by several test targets (a seeded PRNG, polling, cgroup layouts).
        .target(name: "StockadeTestSupport", dependencies: ["StockadeCgroups"], path: "Tests/StockadeTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "StockadeSeccompTests", dependencies: ["StockadeSeccomp"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeEventsTests", dependencies: ["StockadeEvents", "StockadeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeCgroupsTests", dependencies: ["StockadeCgroups", "StockadeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeNetTests", dependencies: ["StockadeNet", "StockadeAddress", "StockadeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeAddressTests", dependencies: ["StockadeAddress", "StockadeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeProfileTests", dependencies: ["StockadeProfile", "StockadeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeCLITests", dependencies: ["StockadeCLI"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeCoreTests", dependencies: ["StockadeCore", "StockadeProfile", "StockadeNet", "StockadeAddress", "StockadeTestSupport", "StockadeSystem"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeReportTests", dependencies: ["StockadeReport", "StockadeProfile", "StockadeEvents"], swiftSettings: strictSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["StockadeEvents", "StockadeSeccomp", "StockadeProfile", "StockadeTestSupport"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        // The one seam for whole-file reads and writes and directory listing (plain libc):
        // the modules that read or write whole files or list directories use it.
        .target(name: "StockadeSystem", swiftSettings: leanSettings),
        .testTarget(name: "StockadeSystemTests", dependencies: ["StockadeSystem"], swiftSettings: strictSettings),
    ]
)
