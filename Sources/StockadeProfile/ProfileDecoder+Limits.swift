/// `limits:` — sizes, counts, durations and rlimits.
extension ProfileDecoder {
    func limits(_ section: YAMLReader.Entry) throws(ProfileError) -> LimitsSection {
        var limits = LimitsSection()
        let keys = ["memory", "pids", "cpus", "timeout", "kill_after", "rlimits", "require"]
        for entry in try reader.mapping(section.value, section.field, allowed: keys) {
            switch entry.key {
            case "memory":
                let bytes = try size(entry.value, entry.field)
                guard bytes >= 1 << 20 else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "memory below 1m cannot run anything")
                }
                limits.memoryBytes = bytes
            case "pids":
                let pids = try reader.integer(entry.value, entry.field, what: "a whole number of tasks")
                guard pids >= 1 else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected at least 1 task, got \(pids)")
                }
                limits.pids = pids
            case "cpus":
                let cpus = try reader.number(entry.value, entry.field, what: "a number of CPUs like 1.5")
                guard cpus >= 0.01 else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected at least 0.01 CPUs, got \(cpus)")
                }
                limits.cpus = cpus
            case "timeout":
                let seconds = try duration(entry.value, entry.field)
                guard seconds > 0 else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "a timeout of 0 would never run the workload")
                }
                limits.timeoutSeconds = seconds
            case "kill_after":
                limits.killAfterSeconds = try duration(entry.value, entry.field)
            case "rlimits":
                limits.rlimits = try rlimits(entry)
            case "require":
                let text = try reader.scalarText(entry.value, entry.field, what: "true or false")
                guard text == "true" || text == "false" else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected true or false, got \(reader.quoted(text))")
                }
                limits.require = text == "true"
            default: break
            }
        }
        return limits
    }

    func size(_ node: YAMLNode, _ field: String) throws(ProfileError) -> UInt64 {
        let text = try reader.scalarText(node, field, what: "a size like 512m or 2g")
        guard let bytes = ByteSize.parse(text) else {
            throw reader.error(.invalidValue, at: node, field, "expected a size like 512m or 2g, got \(reader.quoted(text))")
        }
        return bytes
    }

    func duration(_ node: YAMLNode, _ field: String) throws(ProfileError) -> Double {
        let text = try reader.scalarText(node, field, what: "a duration like 90s or 20m")
        guard let seconds = DurationParser.parse(text) else {
            throw reader.error(.invalidValue, at: node, field, "expected a duration like 90s, 20m or 1h30m, got \(reader.quoted(text))")
        }
        return seconds
    }

    private func rlimits(_ section: YAMLReader.Entry) throws(ProfileError) -> [RlimitSetting] {
        var settings: [RlimitSetting] = []
        for entry in try reader.mapping(section.value, section.field, allowed: nil) {
            guard let resource = RlimitName.validate(entry.key) else {
                let known = RlimitName.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error(.unknownRlimit, at: entry.keyNode, entry.field,
                                   "unknown resource \(reader.quoted(entry.key)); expected one of: \(known)")
            }
            let soft: UInt64?
            let hard: UInt64?
            if case .mapping = entry.value {
                var s: UInt64?? = .none
                var h: UInt64?? = .none
                for pair in try reader.mapping(entry.value, entry.field, allowed: ["soft", "hard"]) {
                    let value = try rlimitValue(pair.value, pair.field, resource)
                    if pair.key == "soft" { s = .some(value) } else { h = .some(value) }
                }
                guard let sv = s, let hv = h else {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "expected both soft and hard")
                }
                soft = sv
                hard = hv
                if let hv, (sv ?? UInt64.max) > hv {
                    throw reader.error(.invalidValue, at: entry.value, entry.field, "the soft limit is above the hard limit")
                }
            } else {
                soft = try rlimitValue(entry.value, entry.field, resource)
                hard = soft
            }
            settings.append(RlimitSetting(name: resource.rawValue, soft: soft, hard: hard))
        }
        return settings
    }

    /// A count, a size (byte-valued resources only), or `unlimited` (nil).
    private func rlimitValue(_ node: YAMLNode, _ field: String, _ resource: RlimitName) throws(ProfileError) -> UInt64? {
        let what = resource.isByteSized ? "a size like 1g, a number, or unlimited" : "a number or unlimited"
        let text = try reader.scalarText(node, field, what: what)
        if ["unlimited", "infinity"].contains(text.lowercased()) { return nil }
        let value = resource.isByteSized ? ByteSize.parse(text) : UInt64(text)
        guard let value, value != UInt64.max else {
            throw reader.error(.invalidValue, at: node, field, "expected \(what), got \(reader.quoted(text))")
        }
        return value
    }
}
