import Testing
@testable import StockadeReport

/// Masked paths listed in sandbox.start appear in the report (MaskVisibilityTests covers the planner side).
@Suite("Masks made visible in the report")
struct ReportMaskTests {
    @Test func reportShowsMaskedPathsUnderTheirOwnHeading() {
        let log = #"""
        {"v":1,"ts":"2026-01-01T00:00:00Z","sandbox":"s1","seq":1,"type":"sandbox.start","actor":"a","command":["make","test"],"masked":{"count":3,"paths":["certs/key.pem",".env"],"unmask":["*.crt"],"unmasked_count":1,"unmasked":["certs/ca.crt"]}}
        {"v":1,"ts":"2026-01-01T00:00:01Z","sandbox":"s1","seq":2,"type":"sandbox.end","actor":"a","exit_reason":"exit","exit_status":0,"duration_ms":5}
        """#
        let report = EventReport.read(log)
        #expect(report.runs[0].masks?.count == 3)
        let md = ReportRenderer.render(report, format: .markdown)
        #expect(md.contains("Masked paths (read as empty"), "\(md)")
        #expect(md.contains("`certs/key.pem`"))
        #expect(md.contains("… and 1 more"))
        #expect(md.contains("Masks lifted for this run by unmask *.crt") || md.contains("Masks lifted for this run by unmask \\*.crt"), "\(md)")
        #expect(md.contains("`certs/ca.crt`"))
        let table = ReportRenderer.render(report, format: .table)
        #expect(table.contains("Masked paths") && table.contains("certs/key.pem"), "\(table)")
    }
}
