import Foundation

/// The directory a command writes into: created when missing, refused up front (before
/// any work) when it is a file or not writable, so a long run never fails at the end.
struct OutputDirectory {
    let url: URL

    struct Problem: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "output directory \(path): \(reason)" }
    }

    init(_ path: String) throws {
        url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Problem(path: path, reason: "is a file, not a directory") }
        } else {
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw Problem(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))")
            }
        }
        guard access(url.path, W_OK) == 0 else { throw Problem(path: path, reason: "is not writable") }
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
