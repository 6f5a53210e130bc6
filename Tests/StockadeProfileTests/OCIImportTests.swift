import Foundation
import StockadeProfile
import StockadeSeccomp
import Testing

@Suite("OCI / Docker seccomp import")
struct OCIImportTests {
    static let sample = #"""
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 1,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": null}],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "syscalls": [
        {"names": ["read", "write", "brand_new_syscall", "socketcall"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
        {"names": ["kcmp"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 1, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
         "comment": "s390 only", "includes": {"arches": ["s390", "s390x"]}},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["lseek"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 2, "value": 18446744073709551615, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"name": "getpid", "action": "SCMP_ACT_LOG"},
        {"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"}
      ]
    }
    """#

    @Test func mapsDockerStyleProfile() throws {
        let result = try OCISeccompImporter.importPolicy(json: Data(Self.sample.utf8), path: "/p/docker.json",
                                                         kernel: .init(major: 6, minor: 1))
        #expect(result.policy == SeccompPolicy(defaultAction: .deny(errno: 1), rules: [
            SeccompRule(name: "read", action: .allow),
            SeccompRule(name: "write", action: .allow),
            SeccompRule(name: "ptrace", action: .allow),
            SeccompRule(name: "clone", action: .allow,
                        conditions: [SeccompArgCondition(index: 0, op: .maskedEqual, value: 2_114_060_288)]),
            SeccompRule(name: "clone3", action: .deny(errno: 38)),
            SeccompRule(name: "arch_prctl", action: .allow),
            SeccompRule(name: "personality", action: .allow,
                        conditions: [SeccompArgCondition(index: 0, op: .equal, value: 4_294_967_295)]),
            SeccompRule(name: "lseek", action: .allow,
                        conditions: [SeccompArgCondition(index: 2, op: .maskedEqual, value: UInt64.max, valueTwo: 3)]),
            SeccompRule(name: "getpid", action: .allow),
            SeccompRule(name: "reboot", action: .killProcess),
        ]))
        #expect(result.skippedSyscalls == ["brand_new_syscall", "socketcall"])
        #expect(result.source.path == "/p/docker.json")
        #expect(result.source.sha256.count == 64)
    }

    @Test func minKernelIsCompared() throws {
        let old = try OCISeccompImporter.importPolicy(json: Data(Self.sample.utf8), path: "d.json", kernel: .init(major: 4, minor: 4))
        #expect(!old.policy.rules.contains { $0.name == "ptrace" })
        #expect(OCISeccompImporter.KernelVersion("5.10.0-27-amd64") == .init(major: 5, minor: 10))
        #expect(OCISeccompImporter.KernelVersion("x") == nil)
        #expect(OCISeccompImporter.KernelVersion.running() != nil)
    }

    struct BadJSON: Sendable, CustomTestStringConvertible {
        var json: String
        var code: ProfileError.Code
        var field: String
        var testDescription: String { field.isEmpty ? code.rawValue : field }
    }

    static let bad: [BadJSON] = [
        .init(json: "{", code: .syntax, field: ""),
        .init(json: "[]", code: .wrongType, field: ""),
        .init(json: #"{"syscalls": []}"#, code: .invalidValue, field: "defaultAction"),
        .init(json: #"{"defaultAction": "SCMP_ACT_TRACE"}"#, code: .unsupported, field: "defaultAction"),
        .init(json: #"{"defaultAction": "SCMP_ACT_NOPE"}"#, code: .invalidValue, field: "defaultAction"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRett": 1}"#, code: .unknownKey, field: "defaultErrnoRett"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": 5}]}"#,
              code: .wrongType, field: "syscalls[1].action"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["x"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": "SCMP_ACT_TRAP"}]}"#,
              code: .unsupported, field: "syscalls[2].action"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]}"#,
              code: .invalidValue, field: "syscalls[0].args[0].op"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
              code: .invalidValue, field: "syscalls[0].args[0].index"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}"#,
              code: .invalidValue, field: "syscalls[0].args[0].value"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"kernel": "4"}}]}"#,
              code: .unknownKey, field: "syscalls[0].includes.kernel"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]}"#,
              code: .invalidValue, field: "syscalls[0].includes.minKernel"),
        .init(json: #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}"#,
              code: .invalidValue, field: "syscalls[0].names"),
    ]

    @Test(arguments: bad)
    func rejects(_ example: BadJSON) {
        do {
            _ = try OCISeccompImporter.importPolicy(json: Data(example.json.utf8), path: "sec.json", kernel: .init(major: 6, minor: 0))
            Issue.record("accepted \(example.json)")
        } catch {
            #expect(error.code == example.code, "\(error)")
            #expect(error.field == example.field, "\(error)")
            #expect(error.file == "sec.json")
            #expect(error.line == 0)
        }
    }

    @Test func exactError() {
        let json = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_TRACE"}]}"#
        do {
            _ = try OCISeccompImporter.importPolicy(json: Data(json.utf8), path: "sec.json")
            Issue.record("accepted")
        } catch {
            #expect(error == ProfileError(code: .unsupported, file: "sec.json", field: "syscalls[0].action",
                                          message: "SCMP_ACT_TRACE is not supported; use SCMP_ACT_ERRNO, SCMP_ACT_ALLOW or SCMP_ACT_KILL"))
            #expect(error.description == "sec.json: syscalls[0].action: SCMP_ACT_TRACE is not supported; use SCMP_ACT_ERRNO, SCMP_ACT_ALLOW or SCMP_ACT_KILL")
        }
    }
}
