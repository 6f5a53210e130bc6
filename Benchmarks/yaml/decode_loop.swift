import Glibc
import StockadeProfile

// Parse + decode the shipped profiles (directory in argv[1]) in a loop; prints µs per round.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
}
func read(_ path: String) -> String {
    guard let f = fopen(path, "r") else { fatalError(path) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true { let n = fread(&buf, 1, buf.count, f); if n <= 0 { break }; bytes += buf[0..<n] }
    fclose(f)
    return String(decoding: bytes, as: UTF8.self)
}
let names = ["default", "strict", "agent", "ci"]
let texts = names.map { read("\(CommandLine.arguments[1])/\($0).yaml") }
func bench(_ label: String, _ which: [Int]) {
    var samples: [Double] = []
    for round in 0..<3000 {
        let t0 = now()
        for i in which { _ = try! ProfileLoader.decode(yaml: texts[i], path: names[i] + ".yaml") }
        let t1 = now()
        if round >= 100 { samples.append(t1 - t0) }
    }
    samples.sort()
    print(label, "median", Int(samples[samples.count / 2]), "us  p10", Int(samples[samples.count / 10]), "us  min", Int(samples[0]), "us")
}
bench("all four:      ", [0, 1, 2, 3])
bench("agent+default: ", [2, 0])
