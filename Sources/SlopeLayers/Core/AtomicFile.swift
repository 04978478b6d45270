import Foundation

/// Writes files so that a crash never leaves half of one: the bytes go to a temporary
/// file in the same directory, which is then renamed over the destination.
public enum AtomicFile {
    /// Why a file could not be written, naming the path.
    public struct WriteError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// Writes `data` to the file at `path` (see `write(_:to:)` for URLs).
    public static func write(_ data: Data, to path: String) throws(WriteError) {
        try write(data, to: URL(fileURLWithPath: path))
    }

    public static func write(_ data: Data, to url: URL) throws(WriteError) {
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw WriteError(path: url.path, reason: "the directory \(directory.path) does not exist")
        }
        guard isDirectory.boolValue else {
            throw WriteError(path: url.path, reason: "\(directory.path) is not a directory")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WriteError(path: url.path, reason: "it is a directory")
        }
        // Created exclusively with open(2) (not FileManager.createFile, which writes through
        // a temporary of its own): a crash leaves at most this dot-prefixed `.tmp` file.
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        ).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw WriteError(path: url.path, reason: "the directory \(directory.path) is not writable (\(lastError()))")
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
        if failure == nil, rename(temporary, url.path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw WriteError(path: url.path, reason: failure)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    public static func write(_ text: String, to url: URL) throws(WriteError) {
        try write(Data(text.utf8), to: url)
    }
}
