#if canImport(Glibc)
import Glibc
#endif

// 1 MiB of deterministic bytes; each implementation hashes it ROUNDS times,
// alternating, and the minimum and median per hash are printed.
let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
let rounds = Int(getenv("ROUNDS").map { String(cString: $0) } ?? "") ?? 40

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
}

precondition(HandSHA256.hash(input) == SHA256.hash(input), "implementations disagree")
var hand: [Double] = [], nettle: [Double] = []
var sink: UInt8 = 0
for _ in 0..<rounds {
    var t = now(); sink ^= HandSHA256.hash(input)[0]; hand.append(now() - t)
    t = now(); sink ^= SHA256.hash(input)[0]; nettle.append(now() - t)
}
/// Three decimals without Foundation's String(format:).
func ms(_ x: Double) -> String {
    let thousandths = Int((x * 1000).rounded())
    let frac = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}

func report(_ name: String, _ xs: [Double]) {
    let s = xs.sorted()
    let mibps = 1000 / s[s.count / 2]
    print("\(name): min \(ms(s[0])) ms, median \(ms(s[s.count / 2])) ms per MiB (\(Int(mibps)) MiB/s)")
}
report("hand-written Swift", hand)
report("nettle", nettle)
print("(checksum \(sink))")
