import StockadeEvents

/// Shapes of the OCI `linux.seccomp` object, read from a parsed JSON value.
/// Unknown keys are rejected (a typo such as `errnoret` must not silently
/// change a policy); keys that do not change anything for a native-only,
/// capability-less sandbox (`architectures`, `archMap`, `flags`, listener
/// settings, comments) are accepted and ignored. A `null` member counts as
/// absent, as it did for the optional fields of the earlier Codable reader.
struct OCIFile {
    var defaultAction: String
    var defaultErrnoRet: UInt32?
    var syscalls: [OCISyscall]?

    static let keys = ["defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags",
                       "listenerPath", "listenerMetadata"]

    init(_ value: JSONValue, _ at: OCIFields) throws(ProfileError) {
        let object = try at.object(value, keys: Self.keys)
        defaultAction = try at.child("defaultAction").string(object["defaultAction"])
        defaultErrnoRet = try at.child("defaultErrnoRet").optionalUInt32(object["defaultErrnoRet"])
        _ = try at.child("architectures").optionalStrings(object["architectures"])
        let syscallsField = at.child("syscalls")
        syscalls = try syscallsField.optionalList(object["syscalls"]) { (index, item) throws(ProfileError) in
            try OCISyscall(item, syscallsField.index(index))
        }
    }
}

struct OCISyscall {
    var names: [String]?
    var name: String?
    var action: String
    var errnoRet: UInt32?
    var args: [OCIArg]?
    var includes: OCIFilter?
    var excludes: OCIFilter?

    init(_ value: JSONValue, _ at: OCIFields) throws(ProfileError) {
        let object = try at.object(value, keys: ["names", "name", "action", "errnoRet", "args", "includes", "excludes", "comment"])
        names = try at.child("names").optionalStrings(object["names"])
        name = try at.child("name").optionalString(object["name"])
        action = try at.child("action").string(object["action"])
        errnoRet = try at.child("errnoRet").optionalUInt32(object["errnoRet"])
        let argsField = at.child("args")
        args = try argsField.optionalList(object["args"]) { (index, item) throws(ProfileError) in
            try OCIArg(item, argsField.index(index))
        }
        includes = try OCIFilter.optional(object["includes"], at.child("includes"))
        excludes = try OCIFilter.optional(object["excludes"], at.child("excludes"))
        _ = try at.child("comment").optionalString(object["comment"])
    }
}

struct OCIArg {
    var index: UInt32
    var value: UInt64
    var valueTwo: UInt64?
    var op: String

    init(_ json: JSONValue, _ at: OCIFields) throws(ProfileError) {
        let object = try at.object(json, keys: ["index", "value", "valueTwo", "op"])
        let indexField = at.child("index")
        guard let index = try indexField.optionalUInt32(object["index"]) else { throw indexField.missing() }
        self.index = index
        value = try at.child("value").optionalUInt64(object["value"]) ?? 0
        valueTwo = try at.child("valueTwo").optionalUInt64(object["valueTwo"])
        op = try at.child("op").string(object["op"])
    }
}

struct OCIFilter {
    var caps: [String]?
    var arches: [String]?
    var minKernel: String?

    static func optional(_ value: JSONValue?, _ at: OCIFields) throws(ProfileError) -> OCIFilter? {
        guard let value, value != .null else { return nil }
        let object = try at.object(value, keys: ["caps", "arches", "minKernel"])
        return OCIFilter(caps: try at.child("caps").optionalStrings(object["caps"]),
                         arches: try at.child("arches").optionalStrings(object["arches"]),
                         minKernel: try at.child("minKernel").optionalString(object["minKernel"]))
    }
}

/// Typed access to JSON members with the JSON path (`syscalls[3].args[0].op`)
/// every error names.
struct OCIFields {
    var file: String
    var path: String = ""

    func child(_ key: String) -> OCIFields {
        OCIFields(file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func index(_ index: Int) -> OCIFields {
        OCIFields(file: file, path: "\(path)[\(index)]")
    }

    func fail(_ code: ProfileError.Code, _ message: String) -> ProfileError {
        ProfileError(code: code, file: file, field: path, message: message)
    }

    func missing() -> ProfileError {
        fail(.invalidValue, "required key is missing")
    }

    /// The object, after rejecting keys outside `keys` (the first unknown one
    /// in sorted order, so the message is stable).
    func object(_ value: JSONValue, keys: [String]) throws(ProfileError) -> JSONObject {
        guard case .object(let object) = value else { throw fail(.wrongType, "expected an object") }
        if let key = object.keys.filter({ !keys.contains($0) }).sorted().first {
            throw child(key).fail(.unknownKey, "unknown key \"\(key)\"; expected one of: \(keys.joined(separator: ", "))")
        }
        return object
    }

    func string(_ value: JSONValue?) throws(ProfileError) -> String {
        guard let value else { throw missing() }
        guard let text = try optionalString(value) else { throw fail(.wrongType, "expected a string, got null") }
        return text
    }

    func optionalString(_ value: JSONValue?) throws(ProfileError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw fail(.wrongType, "expected a string")
        }
    }

    func optionalStrings(_ value: JSONValue?) throws(ProfileError) -> [String]? {
        try optionalList(value) { (index, item) throws(ProfileError) in
            guard case .string(let text) = item else {
                throw self.index(index).fail(.wrongType, "expected a string")
            }
            return text
        }
    }

    func optionalList<T>(_ value: JSONValue?, _ each: (Int, JSONValue) throws(ProfileError) -> T) throws(ProfileError) -> [T]? {
        switch value {
        case nil, .null?: return nil
        case .array(let items)?:
            var out: [T] = []
            for (index, item) in items.enumerated() { out.append(try each(index, item)) }
            return out
        default: throw fail(.wrongType, "expected a list")
        }
    }

    func optionalUInt64(_ value: JSONValue?) throws(ProfileError) -> UInt64? {
        switch value {
        case nil, .null?: return nil
        case .int(let number)?:
            guard number >= 0 else { throw fail(.invalidValue, "expected a non-negative integer, got \(number)") }
            return UInt64(number)
        case .uint(let number)?: return number
        case .double(let number)?:
            // 1e3 or 2.0 are integers written as floats; accept them when exact.
            guard number >= 0, number < 18_446_744_073_709_551_616.0, number == number.rounded(.towardZero) else {
                throw fail(.invalidValue, "expected a non-negative integer, got \(number)")
            }
            return UInt64(number)
        default: throw fail(.wrongType, "expected a non-negative integer")
        }
    }

    func optionalUInt32(_ value: JSONValue?) throws(ProfileError) -> UInt32? {
        guard let wide = try optionalUInt64(value) else { return nil }
        guard let narrow = UInt32(exactly: wide) else {
            throw fail(.invalidValue, "expected a non-negative integer below 2^32, got \(wide)")
        }
        return narrow
    }
}
