#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StockadeEvents

enum Hashing {
    /// Lowercase hex SHA-256 of exactly these bytes.
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hex(bytes)
    }

    /// `path` made absolute against the working directory and normalized
    /// (`.`, `..` and repeated slashes removed, lexically), so `sources`
    /// identify files independent of how they were named.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FilePath.join(FilePath.currentDirectory(), path)
        return FilePath.normalize(full)
    }
}

