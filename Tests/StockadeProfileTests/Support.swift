import Foundation
import StockadeProfile
import Testing

/// Directory holding the shipped profiles, found from this file's path.
let shippedProfilesDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("profiles").path
}()

/// A scratch directory removed when the value is released.
final class TempDir {
    let path: String

    init() {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/stockade-profile-tests-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let full = "\(path)/\(name)"
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Decodes and returns the error, or nil when decoding succeeded.
func decodeError(_ yaml: String, path: String = "p.yaml") -> ProfileError? {
    do {
        _ = try ProfileLoader.decode(yaml: yaml, path: path)
        return nil
    } catch {
        return error
    }
}

func loadError(_ loader: ProfileLoader, _ reference: String) -> ProfileError? {
    do {
        _ = try loader.load(reference)
        return nil
    } catch {
        return error
    }
}
