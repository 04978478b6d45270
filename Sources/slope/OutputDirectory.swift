import Foundation

/// The directory a command writes into: created when missing, refused up front (before
/// any work) when it is a file or not writable, so a long run never fails at the end.
struct OutputDirectory {
    let url: URL
    /// True when this run created the directory (so a failed run can remove it again).
    private(set) var created = false

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
            created = true
        }
        guard access(url.path, W_OK) == 0 else { throw Problem(path: path, reason: "is not writable") }
        // access(2) says yes to root everywhere (and to anyone on some read-only mounts):
        // create and remove a file to be sure, before any work starts.
        let probe = url.appendingPathComponent(".slope-write-probe.\(getpid()).tmp").path
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Problem(path: path, reason: "is not writable (\(String(cString: strerror(errno))))")
        }
        close(fd)
        unlink(probe)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Removes the directory again if this run created it and left nothing in it.
    func removeIfCreatedAndEmpty() {
        guard created, (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty == true else { return }
        try? FileManager.default.removeItem(at: url)
    }
}
