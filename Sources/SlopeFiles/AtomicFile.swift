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
        try write(to: url) { file in data.withUnsafeBytes { file.write($0) } }
    }

    /// Writes the file at `url` piece by piece: `produce` writes into a `Writer`, which
    /// buffers up to `Writer.bufferSize` bytes before handing them to the system, so a large
    /// file (a history of a million rows) never has to be held in memory whole. The file
    /// appears at `url` only after `produce` returns and every byte is on disk; a crash in
    /// between leaves at most the dot-prefixed `.tmp` file.
    public static func write(to url: URL, _ produce: (inout Writer) -> Void) throws(WriteError) {
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
        var writer = Writer(fd: fd)
        produce(&writer)
        writer.flush()
        var failure = writer.failure
        if failure == nil, fsync(fd) != 0 { failure = lastError() }
        if close(fd) != 0, failure == nil { failure = lastError() }
        if failure == nil, rename(temporary, url.path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw WriteError(path: url.path, reason: .system(failure))
        }
    }

    /// Where `write(to:_:)`'s `produce` writes: text (it is a `TextOutputStream`, so
    /// `print(…, to: &writer)` works too) or raw bytes. The first failure of the system is
    /// kept and every later write is skipped; `write(to:_:)` throws it.
    public struct Writer: TextOutputStream {
        /// Bytes gathered before one write(2).
        public static let bufferSize = 1 << 16

        fileprivate let fd: Int32
        fileprivate var failure: String?
        private var buffer: [UInt8] = []

        fileprivate init(fd: Int32) {
            self.fd = fd
            buffer.reserveCapacity(Self.bufferSize)
        }

        public mutating func write(_ string: String) {
            var string = string
            string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }

        public mutating func write(_ bytes: UnsafeRawBufferPointer) {
            if buffer.count + bytes.count > Self.bufferSize { flush() }
            if bytes.count >= Self.bufferSize {  // a large piece goes straight to the file
                if failure == nil { failure = Self.writeAll(bytes, to: fd) }
            } else {
                buffer.append(contentsOf: bytes)
            }
        }

        /// Hands the buffered bytes to the system.
        fileprivate mutating func flush() {
            if !buffer.isEmpty && failure == nil { failure = buffer.withUnsafeBytes { Self.writeAll($0, to: fd) } }
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes every byte (again after a partial write or EINTR); the system's reason if it fails.
        private static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> String? {
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno != EINTR { return AtomicFile.lastError() }
                } else {
                    offset += written
                }
            }
            return nil
        }
    }

    fileprivate static func lastError() -> String { String(cString: strerror(errno)) }

    public static func write(_ text: String, to url: URL) throws(WriteError) {
        try write(to: url) { $0.write(text) }
    }
}
