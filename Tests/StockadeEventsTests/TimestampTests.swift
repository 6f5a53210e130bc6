import Testing
@testable import StockadeEvents

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), Int32(0), "1970-01-01T00:00:00.000000Z"),
        (951_782_400, 0, "2000-02-29T00:00:00.000000Z"),
        (1_230_767_999, 999_999_999, "2008-12-31T23:59:59.999999Z"),
        (1_230_768_000, 1_000, "2009-01-01T00:00:00.000001Z"),
        (2_147_483_647, 500_000_000, "2038-01-19T03:14:07.500000Z"),
        (1_798_088_571, 123_456_789, "2026-12-24T05:02:51.123456Z"),
        (4_107_456_000, 0, "2100-02-28T00:00:00.000000Z"),
        (4_107_542_400, 0, "2100-03-01T00:00:00.000000Z"),
        (-1, 0, "1969-12-31T23:59:59.000000Z"),
        (253_402_300_799, 999, "9999-12-31T23:59:59.000000Z"),
    ])
    func knownEpochs(seconds: Int64, nanos: Int32, expected: String) {
        let ts = Timestamp(seconds: seconds, nanoseconds: nanos)
        #expect(ts.rfc3339 == expected)
        #expect(Timestamp.isCanonicalRFC3339(expected))
    }

    @Test func nowIsCanonicalAndRecent() {
        let now = Timestamp.now()
        #expect(Timestamp.isCanonicalRFC3339(now.rfc3339))
        #expect(now.seconds > 1_700_000_000)
        #expect(now.nanoseconds >= 0 && now.nanoseconds < 1_000_000_000)
        #expect(Timestamp(seconds: 1, nanoseconds: 5) < Timestamp(seconds: 1, nanoseconds: 6))
    }

    @Test func canonicalShapeIsStrict() {
        for bad in ["", "2026-11-22T05:02:51Z", "2026-11-22T05:02:51.123456+00:00",
                    "2026-11-22 05:02:51.123456Z", "2026-13-22T05:02:51.123456Z",
                    "2026-11-22T25:02:51.123456Z", "2026-11-22T05:02:51.12345xZ",
                    "2026-11-00T05:02:51.123456Z"] {
            #expect(!Timestamp.isCanonicalRFC3339(bad), "\(bad)")
        }
    }
}
