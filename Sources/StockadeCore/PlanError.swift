/// Why a spec could not be turned into a plan. Carries the field or path at
/// fault so the CLI can say what to change.
public struct PlanError: Error, Equatable, CustomStringConvertible {
    /// Stable snake_case code, carried by the `sandbox.error` event.
    public var code: Code
    public var subject: String
    public var message: String

    public init(code: Code, subject: String, message: String) {
        self.code = code
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }
}
