import Foundation

/// Writes files so that a crash never leaves half of one: the bytes go to a temporary
/// file in the same directory, which is then renamed over the destination.
public enum AtomicFile {
    /// Why a file could not be written, naming the path.
    public struct WriteError: Error, CustomStringConvertible, Equatable, Sendable {
        public enum Reason: Equatable, Sendable, CustomStringConvertible {
            /// The directory (named) does not exist.
            case missingDirectory(String)
            /// The parent path (named) is a file, not a directory.
            case notADirectory(String)
            /// The destination itself is a directory.
            case isADirectory
            /// The directory (named) refuses a new file: the system's reason.
            case notWritable(String, because: String)
            /// Writing, syncing or renaming failed: the system's reason.
            case system(String)

            public var description: String {
                switch self {
                case .missingDirectory(let directory): "the directory \(directory) does not exist"
                case .notADirectory(let directory): "\(directory) is not a directory"
                case .isADirectory: "it is a directory"
                case .notWritable(let directory, let reason): "the directory \(directory) is not writable (\(reason))"
                case .system(let reason): reason
                }
            }
        }
        public var path: String
        public var reason: Reason
        public var description: String { "cannot write \(path): \(reason)" }

        public init(path: String, reason: Reason) {
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
            throw WriteError(path: url.path, reason: .missingDirectory(directory.path))
        }
        guard isDirectory.boolValue else {
            throw WriteError(path: url.path, reason: .notADirectory(directory.path))
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WriteError(path: url.path, reason: .isADirectory)
        }
        // Created exclusively with open(2) (not FileManager.createFile, which writes through
        // a temporary of its own): a crash leaves at most this dot-prefixed `.tmp` file.
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        ).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw WriteError(path: url.path, reason: .notWritable(directory.path, because: lastError()))
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
            throw WriteError(path: url.path, reason: .system(failure))
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    public static func write(_ text: String, to url: URL) throws(WriteError) {
        try write(Data(text.utf8), to: url)
    }
}
