#if canImport(Glibc)
import Glibc
#endif

/// Where shipped profiles are found: $STOCKADE_PROFILE_PATH (colon-separated),
/// /etc/stockade/profiles, PREFIX/share/stockade/profiles next to the binary,
/// and the source tree's profiles/ for a binary run from .build/.
public enum ProfileSearch {
    public static func paths() -> [String] {
        var out: [String] = []
        if let env = getenv("STOCKADE_PROFILE_PATH") {
            out += String(cString: env).split(separator: ":").map(String.init)
        }
        out.append("/etc/stockade/profiles")
        if let exe = executableDirectory() {
            out.append(exe + "/../share/stockade/profiles")
            out.append(exe + "/../../profiles")
            out.append(exe + "/../../../profiles")
        }
        return out
    }

    static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, Int(PATH_MAX))
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
