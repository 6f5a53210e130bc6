/// Decodable shapes of the OCI `linux.seccomp` object. Unknown keys are
/// rejected (a typo such as `errnoret` must not silently change a policy);
/// keys that do not change anything for a native-only, capability-less
/// sandbox (`architectures`, `archMap`, `flags`, listener settings, comments)
/// are accepted and ignored.
struct OCIFile: Decodable {
    var defaultAction: String
    var defaultErrnoRet: UInt32?
    var syscalls: [OCISyscall]?

    static let keys = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags",
                       "listenerPath", "listenerMetadata"]

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try AnyKey.check(c, allowed: Self.keys)
        defaultAction = try c.decode(String.self, forKey: AnyKey("defaultAction"))
        defaultErrnoRet = try c.decodeIfPresent(UInt32.self, forKey: AnyKey("defaultErrnoRet"))
        _ = try c.decodeIfPresent([String].self, forKey: AnyKey("architectures"))
        syscalls = try c.decodeIfPresent([OCISyscall].self, forKey: AnyKey("syscalls"))
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is UInt32.Type, is UInt64.Type: return "a non-negative integer"
        case is [String].Type: return "a list of strings"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") || name.hasPrefix("OCI") { return "an object" }
            return name
        }
    }
}

struct OCISyscall: Decodable {
    var names: [String]?
    var name: String?
    var action: String
    var errnoRet: UInt32?
    var args: [OCIArg]?
    var includes: OCIFilter?
    var excludes: OCIFilter?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try AnyKey.check(c, allowed: ["names", "name", "action", "errnoRet", "args", "includes", "excludes", "comment"])
        names = try c.decodeIfPresent([String].self, forKey: AnyKey("names"))
        name = try c.decodeIfPresent(String.self, forKey: AnyKey("name"))
        action = try c.decode(String.self, forKey: AnyKey("action"))
        errnoRet = try c.decodeIfPresent(UInt32.self, forKey: AnyKey("errnoRet"))
        args = try c.decodeIfPresent([OCIArg].self, forKey: AnyKey("args"))
        includes = try c.decodeIfPresent(OCIFilter.self, forKey: AnyKey("includes"))
        excludes = try c.decodeIfPresent(OCIFilter.self, forKey: AnyKey("excludes"))
        _ = try c.decodeIfPresent(String.self, forKey: AnyKey("comment"))
    }
}

struct OCIArg: Decodable {
    var index: UInt32
    var value: UInt64
    var valueTwo: UInt64?
    var op: String

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try AnyKey.check(c, allowed: ["index", "value", "valueTwo", "op"])
        index = try c.decode(UInt32.self, forKey: AnyKey("index"))
        value = try Self.unsigned(c, "value") ?? 0
        valueTwo = try Self.unsigned(c, "valueTwo")
        op = try c.decode(String.self, forKey: AnyKey("op"))
    }

    /// corelibs-foundation reports a negative number read as UInt64 as
    /// "not valid JSON"; reading it as Int64 first gives a precise error.
    static func unsigned(_ c: KeyedDecodingContainer<AnyKey>, _ key: String) throws -> UInt64? {
        let codingKey = AnyKey(key)
        guard c.contains(codingKey), try !c.decodeNil(forKey: codingKey) else { return nil }
        if let signed = try? c.decode(Int64.self, forKey: codingKey) {
            guard signed >= 0 else {
                throw OCIValueError(path: AnyKey.render(c.codingPath + [codingKey]),
                                    message: "expected a non-negative integer, got \(signed)")
            }
            return UInt64(signed)
        }
        return try c.decode(UInt64.self, forKey: codingKey)
    }
}

struct OCIFilter: Decodable {
    var caps: [String]?
    var arches: [String]?
    var minKernel: String?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try AnyKey.check(c, allowed: ["caps", "arches", "minKernel"])
        caps = try c.decodeIfPresent([String].self, forKey: AnyKey("caps"))
        arches = try c.decodeIfPresent([String].self, forKey: AnyKey("arches"))
        minKernel = try c.decodeIfPresent(String.self, forKey: AnyKey("minKernel"))
    }
}

/// A value the decoder accepted as JSON but that cannot be an argument value.
struct OCIValueError: Error {
    var path: String
    var message: String
}

/// Thrown from `init(from:)` so the importer can report `unknown_key` with the JSON path.
struct OCIUnknownKey: Error {
    var key: String
    var path: String
    var allowed: [String]
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    /// Rejects keys outside `allowed`, naming the first one in a stable order.
    static func check(_ container: KeyedDecodingContainer<AnyKey>, allowed: [String]) throws {
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }.sorted()
        guard let key = unknown.first else { return }
        throw OCIUnknownKey(key: key, path: render(container.codingPath + [AnyKey(key)]), allowed: allowed)
    }

    /// `syscalls[3].args[0].op` from a coding path.
    static func render(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}
