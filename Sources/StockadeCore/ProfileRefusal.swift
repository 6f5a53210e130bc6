/// Why a run stops at its profile although the profile loads: the `code` of
/// that `sandbox.error` (step `profile`), beside the profile's own errors
/// (`ProfileError.Code`). docs/events.md ("Error codes") lists both.
public enum ProfileRefusal: String, Equatable, Sendable, CaseIterable {
    /// Under sudo, the caller may not read the profile file it named.
    case denied = "profile_denied"
    /// `--profile-sha256` names another policy than the profile's.
    case pinMismatch = "profile_pin_mismatch"
}
