/// Events as journal entries in systemd's native protocol
/// (systemd.journal-fields(7), "Native Journal Protocol"): one datagram of
/// `NAME=value\n` fields; a value containing a newline is written as
/// `NAME\n`, its length as a little-endian 64-bit integer, the bytes, `\n`.
///
/// Every entry carries the whole event line in `STOCKADE_EVENT`, so
/// `journalctl -o json` gives the same JSON the file sink would, plus
/// indexed fields to filter on (`journalctl STOCKADE_TYPE=syscall.denied`).
public enum JournalEncoding {
    /// `SYSLOG_IDENTIFIER`: what `journalctl -t` matches.
    public static let identifier = "sandbox-run"

    /// syslog priorities: errors 3 (err), warnings and denials 4 (warning), the rest 6 (info).
    public static func priority(of type: String) -> Int {
        switch type {
        case EventType.sandboxError.rawValue: return 3
        case EventType.sandboxWarning.rawValue, EventType.syscallDenied.rawValue, EventType.netDenied.rawValue,
             EventType.limitHit.rawValue, EventType.timeout.rawValue:
            return 4
        default: return 6
        }
    }

    /// Fields whose value, when present, is worth a place in `MESSAGE`.
    static let summaryKeys = [
        "exit_reason", "exit_status", "code", "message", "syscall", "errno", "limit", "signal",
        "phase", "name", "verdict", "destination", "pid",
    ]

    /// The one-line human text: the type, the sandbox, then notable fields.
    public static func message(type: String, sandbox: String, event: JSONObject) -> String {
        var parts = [type, "sandbox=\(sandbox)"]
        for key in summaryKeys {
            guard let value = event[key] else { continue }
            switch value {
            case .string(let s): parts.append("\(key)=\(s)")
            case .object, .array, .null: continue
            default: parts.append("\(key)=\(JSONEncoding.encode(value))")
            }
        }
        return parts.joined(separator: " ")
    }

    /// The datagram for one event line (without its trailing newline).
    /// Lines that are not JSON objects are still logged, under type `unknown`.
    public static func entry(line: String) -> [UInt8] {
        let object = (try? JSONParser().parseObject(line)) ?? [:]
        let type = object["type"]?.stringValue ?? "unknown"
        let sandbox = object["sandbox"]?.stringValue ?? ""
        let actor = object["actor"]?.stringValue ?? ""
        let seq = object["seq"].map { JSONEncoding.encode($0) } ?? ""
        return encode([
            ("MESSAGE", message(type: type, sandbox: sandbox, event: object)),
            ("PRIORITY", String(priority(of: type))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("STOCKADE_TYPE", type),
            ("STOCKADE_SANDBOX", sandbox),
            ("STOCKADE_SEQ", seq),
            ("STOCKADE_ACTOR", actor),
            ("STOCKADE_EVENT", line),
        ])
    }

    /// Serializes fields in order. Names must be journal field names
    /// (uppercase letters, digits, `_`); values are any bytes.
    public static func encode(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array(name.utf8)
            let bytes = Array(value.utf8)
            if bytes.contains(0x0A) {
                out.append(0x0A)
                var length = UInt64(bytes.count).littleEndian
                withUnsafeBytes(of: &length) { out += $0 }
                out += bytes
            } else {
                out.append(UInt8(ascii: "="))
                out += bytes
            }
            out.append(0x0A)
        }
        return out
    }
}
