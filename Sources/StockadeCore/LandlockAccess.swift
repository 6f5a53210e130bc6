/// Landlock filesystem access rights: the `LANDLOCK_ACCESS_FS_*` bits of
/// include/uapi/linux/landlock.h, with the ABI version that introduced each.
public struct LandlockAccess: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let execute = LandlockAccess(rawValue: 1 << 0)
    public static let writeFile = LandlockAccess(rawValue: 1 << 1)
    public static let readFile = LandlockAccess(rawValue: 1 << 2)
    public static let readDir = LandlockAccess(rawValue: 1 << 3)
    public static let removeDir = LandlockAccess(rawValue: 1 << 4)
    public static let removeFile = LandlockAccess(rawValue: 1 << 5)
    public static let makeChar = LandlockAccess(rawValue: 1 << 6)
    public static let makeDir = LandlockAccess(rawValue: 1 << 7)
    public static let makeReg = LandlockAccess(rawValue: 1 << 8)
    public static let makeSock = LandlockAccess(rawValue: 1 << 9)
    public static let makeFifo = LandlockAccess(rawValue: 1 << 10)
    public static let makeBlock = LandlockAccess(rawValue: 1 << 11)
    public static let makeSym = LandlockAccess(rawValue: 1 << 12)
    /// ABI 2: link or rename a file into another directory.
    public static let refer = LandlockAccess(rawValue: 1 << 13)
    /// ABI 3: truncate(2), ftruncate(2), open with O_TRUNC.
    public static let truncate = LandlockAccess(rawValue: 1 << 14)
    /// ABI 5: ioctl(2) on character and block devices.
    public static let ioctlDev = LandlockAccess(rawValue: 1 << 15)

    /// The only rights a rule on a non-directory may carry (landlock(7)).
    public static let fileRights: LandlockAccess = [.execute, .writeFile, .readFile, .truncate, .ioctlDev]

    /// A read-only mount: read, list, execute.
    public static let readExecute: LandlockAccess = [.execute, .readFile, .readDir]

    /// A writable mount of ordinary files: everything but making device
    /// nodes (every writable mount is nodev) and device ioctls.
    public static let readWrite: LandlockAccess = [
        .execute, .writeFile, .readFile, .readDir, .removeDir, .removeFile, .makeDir, .makeReg,
        .makeSock, .makeFifo, .makeSym, .refer, .truncate,
    ]

    /// Names as in the kernel's constants, lowercased, in bit order.
    public static let names: [(LandlockAccess, String)] = [
        (.execute, "execute"), (.writeFile, "write_file"), (.readFile, "read_file"), (.readDir, "read_dir"),
        (.removeDir, "remove_dir"), (.removeFile, "remove_file"), (.makeChar, "make_char"), (.makeDir, "make_dir"),
        (.makeReg, "make_reg"), (.makeSock, "make_sock"), (.makeFifo, "make_fifo"), (.makeBlock, "make_block"),
        (.makeSym, "make_sym"), (.refer, "refer"), (.truncate, "truncate"), (.ioctlDev, "ioctl_dev"),
    ]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// The rights a ruleset handles on a kernel with Landlock ABI `abi`
    /// (empty for 0). ABI 4 added network rights and ABI 6 scopes; 7 only
    /// audit controls: none of those change the filesystem set.
    public static func handled(abi: Int) -> LandlockAccess {
        guard abi >= 1 else { return [] }
        var set = LandlockAccess(rawValue: (1 << 13) - 1)
        if abi >= 2 { set.insert(.refer) }
        if abi >= 3 { set.insert(.truncate) }
        if abi >= 5 { set.insert(.ioctlDev) }
        return set
    }
}

/// Landlock scopes (`LANDLOCK_SCOPE_*`, ABI 6): IPC the sandbox may not
/// reach outside its own domain.
public struct LandlockScope: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// connect/send to abstract unix sockets bound outside the domain.
    public static let abstractUnixSocket = LandlockScope(rawValue: 1 << 0)
    /// kill(2) and friends towards processes outside the domain.
    public static let signal = LandlockScope(rawValue: 1 << 1)

    public static let names: [(LandlockScope, String)] = [(.abstractUnixSocket, "abstract_unix_socket"), (.signal, "signal")]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    public static func handled(abi: Int) -> LandlockScope {
        abi >= 6 ? [.abstractUnixSocket, .signal] : []
    }
}
