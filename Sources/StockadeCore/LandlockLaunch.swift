import CSandboxChild
import StockadeEvents
import StockadeSystem

/// The Landlock enforcement as the supervisor uses it: the C config the
/// child installs, the fields of `sandbox.start`, and the loud degradation.
extension LandlockEnforcement {
    /// Copies the masked rules into the child's configuration.
    func fill(_ cfg: inout stk_child_config, arena: CArena) {
        cfg.landlock_abi = Int32(abi)
        guard abi >= 1 else { return }
        cfg.landlock_handled_fs = handled.rawValue
        cfg.landlock_scoped = scopes.rawValue
        let rules = self.rules.map { stk_landlock_rule(path: arena.string($0.path), access: $0.access.rawValue) }
        cfg.landlock_rules = arena.array(rules)
        cfg.landlock_rule_count = rules.count
    }

    /// `policy.landlock` of `sandbox.start`: what is enforced, not what was asked.
    var eventFields: JSONObject {
        [
            "abi": .int(Int64(abi)),
            "fs_rights": .array(handled.names.map { .string($0) }),
            "scopes": .array(scopes.names.map { .string($0) }),
            "rules": .int(Int64(rules.count)),
            "complete": .bool(complete),
            "required": .bool(required),
        ]
    }

    /// A shortfall is a warning (event and stderr), or — when the policy
    /// requires the whole ruleset — the setup error to fail closed with.
    func check(events: EventLog) -> SetupError? {
        guard let (code, message) = shortfall else { return nil }
        if required {
            return SetupError(step: "landlock", code: code, message: message + " (--require-landlock)")
        }
        events.emit(.warning(code: code.rawValue, message: message))
        writeStderr("sandbox-run: warning: \(message)\n")
        return nil
    }
}

extension LandlockPlan {
    /// `--dry-run`: the ruleset as planned, before any kernel masks it.
    var json: JSONValue {
        .object([
            "required": .bool(required),
            "scopes": .array(scopes.names.map { .string($0) }),
            "rules": .array(rules.map { r in
                .object(["path": .string(r.path), "file": .bool(!r.isDirectory), "access": .array(r.access.names.map { .string($0) })])
            }),
        ])
    }
}
