import Foundation

/// Finds DejaVu Sans on this machine, once per process.
enum FontLocator {
    /// Places DejaVu Sans is installed by common Linux distributions and macOS packages.
    static let knownPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/opt/homebrew/share/fonts/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
    ]

    /// `$SLOPE_FONT` if it names a readable file, else the first readable known path,
    /// else what `fc-match "DejaVu Sans"` reports (if it is a readable .ttf/.otf); `nil`
    /// when nothing is found.
    static let dejaVuSans: String? = {
        let files = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SLOPE_FONT"], files.isReadableFile(atPath: env) {
            return env
        }
        if let known = knownPaths.first(where: files.isReadableFile(atPath:)) { return known }
        return fcMatch()
    }()

    private static func fcMatch() -> String? {
        let candidates = ["/usr/bin/fc-match", "/usr/local/bin/fc-match", "/opt/homebrew/bin/fc-match"]
        guard let tool = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-f", "%{file}", "DejaVu Sans"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let path = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            path.hasSuffix(".ttf") || path.hasSuffix(".otf"),
            FileManager.default.isReadableFile(atPath: path)
        else { return nil }
        return path
    }
}
