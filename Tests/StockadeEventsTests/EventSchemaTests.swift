import Testing
@testable import StockadeEvents

@Suite struct EventSchemaTests {
    @Test(arguments: EventType.allCases)
    func acceptsAGoodExample(type: EventType) {
        #expect(EventSchema.validate(SampleEvents.line(type)) == [])
        // And with every optional field left out.
        var minimal = SampleEvents.line(type)
        for field in EventSchema.fields(for: type) where !field.required { minimal[field.name] = nil }
        #expect(EventSchema.validate(minimal) == [])
    }

    @Test func everyFieldNameIsUniqueAndNoTypeReusesACommonName() {
        for type in EventType.allCases {
            let names = EventSchema.allFields(for: type).map(\.name)
            #expect(Set(names).count == names.count, "\(type)")
        }
    }

    @Test func missingRequiredField() {
        var line = SampleEvents.line(.syscallDenied)
        line["nr"] = nil
        line["ts"] = nil
        #expect(EventSchema.validate(line) == [
            SchemaViolation(path: "ts", problem: .missingField),
            SchemaViolation(path: "nr", problem: .missingField),
        ])
    }

    @Test func unknownFieldsAtAnyDepth() {
        var line = SampleEvents.line(.sandboxStart)
        line["extra"] = 1
        var policy = line["policy"]!.objectValue!
        var seccomp = policy["seccomp"]!.objectValue!
        seccomp["bpf"] = "..."
        policy["seccomp"] = .object(seccomp)
        line["policy"] = .object(policy)
        #expect(Set(EventSchema.validate(line)) == [
            SchemaViolation(path: "extra", problem: .unknownField),
            SchemaViolation(path: "policy.seccomp.bpf", problem: .unknownField),
        ])
    }

    @Test func wrongKinds() {
        var line = SampleEvents.line(.sandboxEnd)
        line["exit_status"] = "0"
        line["duration_ms"] = true
        line["denials"] = ["syscalls": 1.5, "by_syscall": ["ptrace": "1"], "limits": 0]
        #expect(EventSchema.validate(line) == [
            SchemaViolation(path: "exit_status", problem: .wrongKind(expected: "int", actual: .string)),
            SchemaViolation(path: "duration_ms", problem: .wrongKind(expected: "number", actual: .bool)),
            SchemaViolation(path: "denials.syscalls", problem: .wrongKind(expected: "int", actual: .number)),
            SchemaViolation(path: "denials.by_syscall.ptrace", problem: .wrongKind(expected: "int", actual: .string)),
        ])
        var start = SampleEvents.line(.sandboxStart)
        start["command"] = ["ls", 1]
        start["policy"] = nil
        start["cwd"] = nil
        #expect(EventSchema.validate(start) == [
            SchemaViolation(path: "command[1]", problem: .wrongKind(expected: "string", actual: .int)),
            SchemaViolation(path: "cwd", problem: .missingField),
            SchemaViolation(path: "policy", problem: .missingField),
        ])
    }

    @Test func optionalMeansAbsentNotNull() {
        var line = SampleEvents.line(.sandboxError)
        line["errno"] = nil
        line["errno_name"] = .null
        #expect(EventSchema.validate(line) == [
            SchemaViolation(path: "errno_name", problem: .wrongKind(expected: "string", actual: .null)),
        ])
        var start = SampleEvents.line(.sandboxStart)
        var policy = start["policy"]!.objectValue!
        policy["workspace"] = .null  // explicitly "string or null"
        start["policy"] = .object(policy)
        #expect(EventSchema.validate(start) == [])
    }

    @Test func badValues() {
        var line = SampleEvents.line(.timeout)
        line["v"] = 2
        line["phase"] = "later"
        line["ts"] = "yesterday"
        line["seq"] = -1
        #expect(EventSchema.validate(line) == [
            SchemaViolation(path: "v", problem: .badValue("must be 1")),
            SchemaViolation(path: "phase", problem: .badValue("later is not one of term, kill")),
            SchemaViolation(path: "ts", problem: .badValue("not RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ)")),
            SchemaViolation(path: "seq", problem: .badValue("negative")),
        ])
    }

    @Test func unknownOrMissingType() {
        var line = SampleEvents.line(.timeout)
        line["type"] = "process.exit"
        let violations = EventSchema.validate(line)
        #expect(violations.first == SchemaViolation(path: "type", problem: .unknownType("process.exit")))
        #expect(violations.count == 1)  // type-specific fields cannot be judged
        line["type"] = 5
        #expect(EventSchema.validate(line).first == SchemaViolation(path: "type", problem: .unknownType("5")))
        line["type"] = nil
        #expect(EventSchema.validate(line) == [SchemaViolation(path: "type", problem: .missingField)])
    }

    @Test func validatesText() {
        #expect(EventSchema.validate(line: SampleEvents.all()[0]) == [])
        #expect(EventSchema.validate(line: "{nope").count == 1)
        #expect(EventSchema.validate(line: "[]").count == 1)
    }

    @Test func flattenedRows() {
        let rows = FlatField.flatten(EventSchema.fields(for: .sandboxStart)).map(\.path)
        #expect(rows.contains("profile.sources[].sha256"))
        #expect(rows.contains("policy.limits.kill_after_s"))
        #expect(rows.contains("kernel.features.cgroup"))
        #expect(FieldKind.array(.object([])).docName == "array of object")
        #expect(FieldKind.map(.int).docName == "map of int")
        #expect(FieldKind.oneOf(["a", "b"]).docName == "one of: a, b")
    }
}
