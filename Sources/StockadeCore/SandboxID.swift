import CStockadeSys

/// 10 lowercase hex digits (40 bits) from getrandom(2): short enough for
/// interface names (`stk<id>h` must fit IFNAMSIZ), random enough that
/// concurrent sandboxes do not collide.
public enum SandboxID {
    public static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 5)
        _ = stk_random_bytes(&bytes, 5)
        let hex = Array("0123456789abcdef")
        return String(bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }
}
