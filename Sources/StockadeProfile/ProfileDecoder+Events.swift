import StockadeEvents

/// `events:` — `rate_limits:` per event type.
///
/// ```yaml
/// events:
///   rate_limits:
///     dns.query: { per_second: 5, burst: 200 }
///     net.denied:
///       per_second: 2
///       burst: 100
///     syscall.denied: unlimited
/// ```
extension ProfileDecoder {
    func events(_ section: YAMLReader.Entry) throws(ProfileError) -> EventsSection {
        var events = EventsSection()
        for entry in try reader.mapping(section.value, section.field, allowed: ["rate_limits"]) {
            for limit in try reader.mapping(entry.value, entry.field, allowed: nil) {
                guard let type = EventType(rawValue: limit.key), EventsSection.cappableTypes.contains(type) else {
                    let known = EventsSection.cappableTypes.map(\.rawValue).joined(separator: ", ")
                    throw reader.error(.invalidValue, at: limit.keyNode, limit.field,
                                       "unknown or uncappable event type \(reader.quoted(limit.key)); expected one of: \(known)")
                }
                let setting = EventRateSetting(type: type.rawValue, limit: try rateLimit(limit))
                events.rateLimits.removeAll { $0.type == setting.type }
                events.rateLimits.append(setting)
            }
        }
        return events
    }

    /// `unlimited`, or a mapping with `per_second` (events a second, may be
    /// 0 for a plain total) and `burst` (how many may come at once).
    private func rateLimit(_ entry: YAMLReader.Entry) throws(ProfileError) -> EventRateLimit? {
        if case .mapping = entry.value {} else {
            let text = try reader.scalarText(entry.value, entry.field, what: "unlimited, or per_second and burst")
            guard text == "unlimited" else {
                throw reader.error(.invalidValue, at: entry.value, entry.field,
                                   "expected unlimited, or a mapping with per_second and burst, got \(reader.quoted(text))")
            }
            return nil
        }
        var perSecond: Double?
        var burst: Int?
        for pair in try reader.mapping(entry.value, entry.field, allowed: ["per_second", "burst"]) {
            if pair.key == "per_second" {
                let value = try reader.number(pair.value, pair.field, what: "events per second, like 5 or 0.5")
                guard value >= 0, value <= 1_000_000 else {
                    throw reader.error(.invalidValue, at: pair.value, pair.field, "expected 0 to 1000000 events per second, got \(value)")
                }
                perSecond = value
            } else {
                let value = try reader.integer(pair.value, pair.field, what: "a whole number of events")
                guard value >= 1, value <= 1_000_000 else {
                    throw reader.error(.invalidValue, at: pair.value, pair.field, "expected a burst of 1 to 1000000 events, got \(value)")
                }
                burst = value
            }
        }
        guard let perSecond, let burst else {
            throw reader.error(.invalidValue, at: entry.value, entry.field, "expected both per_second and burst")
        }
        return EventRateLimit(perSecond: perSecond, burst: burst)
    }
}
