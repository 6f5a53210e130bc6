// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Stockade",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sandbox-run", targets: ["sandbox-run"]),
        .library(name: "StockadeCore", targets: ["StockadeCore"]),
        .library(name: "StockadeProfile", targets: ["StockadeProfile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (Debian: libseccomp-dev, libcap-dev).
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev"])]),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),

        // The only code that runs between clone and execve. Pure C, no allocation.
        .target(name: "CSandboxChild"),
        // Parent-side syscall shims the Swift overlay does not expose (pidfd, seccomp notify, signalfd).
        .target(name: "CStockadeSys"),

        // Seccomp policy model, syscall names, and the libseccomp compiler (pure, no root).
        .target(name: "StockadeSeccomp", dependencies: ["CSeccomp"], swiftSettings: strictSettings),
        // Event model, JSON lines encoding, sinks, schema.
        .target(name: "StockadeEvents", swiftSettings: strictSettings),
        // cgroup v2 / v1 (hybrid) limits, stats and cleanup.
        .target(name: "StockadeCgroups", swiftSettings: strictSettings),
        // Egress firewall: DNS wire format and proxy, rtnetlink, nftables, NFLOG.
        .target(name: "StockadeNet", dependencies: ["CNftnl", "CMnl", "CStockadeSys", "StockadeEvents"], swiftSettings: strictSettings),
        .target(
            name: "StockadeProfile",
            dependencies: [
                "StockadeSeccomp", "StockadeEvents",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StockadeCore",
            dependencies: [
                "StockadeProfile", "StockadeSeccomp", "StockadeEvents", "StockadeCgroups", "StockadeNet",
                "CSeccomp", "CCap", "CSandboxChild", "CStockadeSys",
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sandbox-run",
            dependencies: [
                "StockadeCore", "StockadeProfile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds link the Swift runtime statically
            // (`--static-swift-stdlib`, the Makefile's RELEASE_FLAGS). A fully
            // static executable would start faster, but Debian ships libmnl
            // (which libnftnl needs) only as a shared library.
            swiftSettings: strictSettings
        ),
        .testTarget(name: "StockadeSeccompTests", dependencies: ["StockadeSeccomp"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeEventsTests", dependencies: ["StockadeEvents"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeCgroupsTests", dependencies: ["StockadeCgroups"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeNetTests", dependencies: ["StockadeNet"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeProfileTests", dependencies: ["StockadeProfile"], swiftSettings: strictSettings),
        .testTarget(name: "StockadeCoreTests", dependencies: ["StockadeCore", "StockadeProfile"], swiftSettings: strictSettings),
        .testTarget(name: "IntegrationTests", dependencies: ["StockadeEvents"], exclude: ["Fixtures"], swiftSettings: strictSettings),
    ]
)
