import Foundation
import Testing
import StockadeSeccomp

/// Not a test: Benchmarks/seccomp/run.sh sets STOCKADE_WRITE_BENCH_BPF to a
/// path, and this writes the default-like policy's program (errno mode)
/// there and prints the median compile time over 50 runs.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STOCKADE_WRITE_BENCH_BPF"] != nil,
                "benchmark support; run Benchmarks/seccomp/run.sh"))
struct BenchmarkSupport {
    @Test func writeBenchmarkBPF() throws {
        let path = try #require(ProcessInfo.processInfo.environment["STOCKADE_WRITE_BENCH_BPF"])
        let policy = TestPolicies.defaultLike()
        let hardening = SeccompHardening(denyMode: .errno)
        var times: [Double] = []
        var filter: CompiledSeccompFilter?
        for _ in 0..<50 {
            let start = DispatchTime.now().uptimeNanoseconds
            filter = try SeccompCompiler.compile(policy, hardening: hardening)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        let compiled = try #require(filter)
        try Data(compiled.bpf).write(to: URL(fileURLWithPath: path))
        print("compile: \(policy.rules.count) rules, median \(String(format: "%.2f", times[25])) ms, min \(String(format: "%.2f", times[0])) ms (50 runs, debug build)")
        let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stockade-bench-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: cacheDirectory) }
        let cache = SeccompFilterCache(directory: cacheDirectory)
        _ = try cache.compile(policy, hardening: hardening)
        var hits: [Double] = []
        for _ in 0..<50 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try cache.compile(policy, hardening: hardening)
            hits.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        hits.sort()
        print("compile: cache hit median \(String(format: "%.3f", hits[25])) ms (50 runs, debug build)")
        print("bpf: \(compiled.instructionCount) instructions, \(compiled.allowedCount) syscalls allowed, digest \(compiled.digest)")
    }
}
