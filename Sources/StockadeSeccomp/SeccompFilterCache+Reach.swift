import Glibc

extension SeccompFilterCache {
    /// Why users other than root could not read the entry at `entryPath`:
    /// the first directory on its path (from `/`) without search permission
    /// for others, or the entry itself without read permission for them (a
    /// `/var/cache/stockade` made 0750 before `prepare` ran, say). nil when
    /// any rootless run can read it. `prepare` asks, since the trust walk
    /// checks only that nobody else can write: rootless runs would get
    /// EACCES and compile every time while prepare said "stored".
    public static func barrierForOthers(entryPath: String) -> String? {
        let components = entryPath.split(separator: "/").map(String.init)
        var directories = ["/"]
        for component in components.dropLast() { directories.append((directories.count == 1 ? "" : directories.last!) + "/" + component) }
        var st = stat()
        for directory in directories {
            guard lstat(directory, &st) == 0 else { return "\(directory): \(String(cString: strerror(errno)))" }
            if st.st_mode & 0o001 == 0 { return "\(directory) is not searchable by others (mode \(String(st.st_mode & 0o7777, radix: 8)))" }
        }
        guard lstat(entryPath, &st) == 0 else { return "\(entryPath): \(String(cString: strerror(errno)))" }
        if st.st_mode & 0o004 == 0 { return "\(entryPath) is not readable by others (mode \(String(st.st_mode & 0o7777, radix: 8)))" }
        return nil
    }
}
