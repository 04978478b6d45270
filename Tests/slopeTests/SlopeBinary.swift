import Foundation

/// Runs the built `slope` executable (it sits next to the test bundle) and captures its output.
struct SlopeBinary {
    typealias Result = ChildProcess.Result

    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("slope")
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var badInputs: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("BadInputs")
    }

    /// Runs `slope` with `arguments` in `directory`, waiting at most `timeout` seconds
    /// (then the child is killed and this throws a `ChildTimeout` naming the command).
    static func run(_ arguments: [String], in directory: URL? = nil, timeout: Double = 120) throws -> Result {
        try ChildProcess.run(url, arguments, in: directory, timeout: timeout)
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("slope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every file under `directory`, relative paths, sorted.
    static func files(in directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.allObjects as? [String] ?? []).sorted()
    }
}
