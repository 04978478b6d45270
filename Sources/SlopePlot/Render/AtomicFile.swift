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
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary, options: [.withoutOverwriting])
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw PlotError.cannotWrite(path: path, reason: "the directory is not writable (\(reason(error)))")
        }
        guard rename(temporary.path, path) == 0 else {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw PlotError.cannotWrite(path: path, reason: message)
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }
}
