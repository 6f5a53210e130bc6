import Foundation
import StockadeEvents
import StockadeTestSupport
import Testing

@Suite("SHA-256 (FIPS 180-4)")
struct SHA256Tests {
    /// The NIST example vectors (FIPS 180-4 examples / the SHA-2 "short" and "long" messages).
    @Test func nistVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let long = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(SHA256.hex(Array(long.utf8)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64 bytes) and
    /// split updates must agree with one-shot hashing.
    @Test func incrementalMatchesOneShot() {
        var rng = SplitMix64(seed: 99)
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var hasher = SHA256()
            let cut = length / 3
            hasher.update(bytes[..<cut])
            hasher.update(bytes[cut...])
            #expect(hasher.finalize() == SHA256.hash(bytes), "length \(length)")
        }
    }

    /// Random inputs against the system's `sha256sum`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum"), "needs /usr/bin/sha256sum"))
    func matchesSha256sum() throws {
        var rng = SplitMix64(seed: 2024)
        let dir = NSTemporaryDirectory() + "stockade-sha256-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for round in 0..<24 {
            let length = round < 12 ? round * 11 : Int.random(in: 0...5000, using: &rng)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let path = dir + "/in\(round)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let expected = String(decoding: output, as: UTF8.self).prefix(64)
            #expect(SHA256.hex(bytes) == String(expected), "length \(length)")
        }
    }
}
