import Crypto
import Foundation

enum Hashing {
    /// Lowercase hex SHA-256 of exactly these bytes.
    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// `path` made absolute against the working directory and standardized,
    /// so `sources` identify files independent of how they were named.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (full as NSString).standardizingPath
    }
}
