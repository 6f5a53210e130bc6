import StockadeProfile

extension SudoCaller {
    /// Loads a profile, and every file its `extends:` names, with the sudo
    /// caller's file-system identity when there is a caller: a profile can
    /// then pull in only what the caller may read. Plain root and rootless
    /// runs load as themselves.
    public static func loadProfile(_ reference: String, caller: SudoCaller?) throws(ProfileError) -> Profile {
        let loader = ProfileLoader(searchPaths: ProfileSearch.paths())
        guard let caller else { return try loader.load(reference) }
        // Set by the identity thread while this thread waits in join.
        nonisolated(unsafe) var result: Result<Profile, ProfileError>?
        let r = caller.asCaller {
            do throws(ProfileError) { result = .success(try loader.load(reference)) } catch { result = .failure(error) }
        }
        guard r == 0, let result else {
            throw ProfileError(code: .unreadable, file: reference, message: "cannot take the sudo caller's identity to read the profile")
        }
        return try result.get()
    }
}
