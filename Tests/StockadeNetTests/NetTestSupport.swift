import Foundation
import Glibc
@testable import StockadeNet

/// Root tests only run as root; everything they touch lives in namespaces they make.
let isRoot = getuid() == 0

/// Runs a command line tool and returns (status, stdout+stderr). Tests only: the product
/// never shells out.
@discardableResult
func runTool(_ arguments: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A network namespace made by a test (`ip netns add stk-t-<random>`), with no link to
/// the machine's network. `remove()` deletes it; tests call it in `defer`.
struct TestNamespace {
    let name: String
    var path: String { "/run/netns/\(name)" }

    init(_ role: String) throws {
        name = "stk-t-\(role)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let result = runTool(["ip", "netns", "add", name])
        guard result.status == 0 else { throw TestFailure("ip netns add \(name): \(result.output)") }
        runTool(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    /// A tool run inside the namespace.
    @discardableResult
    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        runTool(["ip", "netns", "exec", name] + arguments)
    }

    func remove() { runTool(["ip", "netns", "delete", name]) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A unique short id for kernel object names.
func uniqueNetID() -> SandboxNetID {
    SandboxNetID("t" + String(UInt32.random(in: 0...0xFFFFFF), radix: 36))!
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
