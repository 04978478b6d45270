import Foundation

/// Writes files so that readers see either the old file or the complete new one.
enum AtomicFile {
    /// Writes `data` to a hidden temporary file beside `url`, then renames it over `url`.
    /// The temporary file is removed if anything fails.
    static func write(_ data: Data, to url: URL) throws(PlotError) {
        let path = url.path
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { throw PlotError.missingDirectory(path: path) }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PlotError.cannotWrite(path: path, reason: "it is a directory")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw PlotError.cannotWrite(path: path, reason: "cannot create a file in its directory (\(lastError()))")
        }
        var failure: String? = nil
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count, failure == nil {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno != EINTR { failure = lastError() }
                } else {
                    offset += written
                }
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = lastError() }
        if close(fd) != 0, failure == nil { failure = lastError() }
        if failure == nil, rename(temporary, path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw PlotError.cannotWrite(path: path, reason: failure)
        }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
