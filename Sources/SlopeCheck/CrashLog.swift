import Foundation

/// What a dead worker printed, read for the report: the runtime's message ("Fatal error: Index
/// out of range", with its file and line), and from the Swift backtracer's JSON crash report
/// (`SWIFT_BACKTRACE=…,format=json`, set for every worker) the first frame of the crashed
/// thread that lies in the checked code, and whether the stack overflowed.
package struct CrashLog: Equatable {
    package var message: String?
    package var frame: String?
    /// The frame has no file and line (the binary carries no debug information for it).
    package var frameWithoutLine = false
    package var stackOverflow = false
    package var outOfMemory = false
    /// The backtracer's JSON line, which the parent does not pass through to the terminal.
    package static let reportMarker = "\"kind\": \"crashReport\""

    /// The backtracer's settings for a worker: the crashed thread only, as one JSON line.
    package static let backtraceSettings =
        "enable=yes,interactive=no,color=no,threads=crashed,images=none,sanitize=no,format=json,output-to=stderr"

    /// Modules whose frames are the checker's or the language's, never the checked code.
    static let machinery: Set<String> = [
        "SlopeCheck", "SlopeGate", "SlopeTesting", "SlopeFiles", "ArgumentParser", "Testing", "XCTest",
        "Foundation", "FoundationEssentials", "FoundationInternationalization", "Dispatch", "_Concurrency",
        "Synchronization", "Glibc", "Darwin",
    ]

    package init(output: String) {
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("slope-worker: stack overflow") {
                stackOverflow = true
            } else if line.contains(Self.reportMarker) {
                read(report: String(line))
            } else if message == nil, let range = Self.runtimeMessage(in: line) {
                message = String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                // "File.swift:692: Fatal error: …": the file and line come first.
                let prefix = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                if prefix.hasSuffix(":") { message! += " (at \(prefix.dropLast()))" }
            }
        }
        if let message, message.contains("failed to allocate") || message.contains("Could not allocate memory") {
            outOfMemory = true
        }
    }

    private static func runtimeMessage(in line: Substring) -> Range<Substring.Index>? {
        for marker in ["Fatal error", "Precondition failed", "Assertion failed", "Could not allocate memory"] {
            if let range = line.range(of: marker) { return range }
        }
        return nil
    }

    /// The crashed thread's frames: the first in checked code, and a stack overflow when the
    /// fault lies next to the stack pointer (the guard page) or one frame repeats many times.
    private mutating func read(report line: String) {
        guard let start = line.firstIndex(of: "{"),
            let object = try? JSONSerialization.jsonObject(with: Data(line[start...].utf8)) as? [String: Any],
            let threads = object["threads"] as? [[String: Any]],
            let crashed = threads.first(where: { ($0["crashed"] as? Bool) == true }) ?? threads.first
        else { return }
        let frames = (crashed["frames"] as? [[String: Any]]) ?? []
        if let fault = (object["faultAddress"] as? String).flatMap(Self.address),
            let registers = crashed["registers"] as? [String: String],
            let sp = (registers["rsp"] ?? registers["sp"]).flatMap(Self.address),
            fault <= sp &+ 4096, sp &- fault < 1 << 16
        {
            stackOverflow = true
        }
        let symbols = frames.compactMap { $0["symbol"] as? String }
        if symbols.count >= 16, Set(symbols.suffix(12)).count <= 2 { stackOverflow = true }

        // The frame nearest the crash in checked code (the user's modules, or Slope's layers,
        // which are checked code too), passing over the tensor helpers a layer calls.
        let candidates = frames.filter { frame in
            guard let symbol = frame["symbol"] as? String, let module = Self.module(ofMangled: symbol) else { return false }
            return !Self.machinery.contains(module)
        }
        let chosen =
            candidates.first { frame in
                let description = (frame["description"] as? String) ?? ""
                let module = Self.module(ofMangled: (frame["symbol"] as? String) ?? "")
                return !(module == "SlopeLayers" && description.contains("Tensor."))
            } ?? candidates.first
        guard let chosen else { return }
        var text = (chosen["description"] as? String) ?? (chosen["symbol"] as? String) ?? "?"
        if let plus = text.range(of: " + ", options: .backwards) { text = String(text[..<plus.lowerBound]) }
        if let location = chosen["sourceLocation"] as? [String: Any], let file = location["file"] as? String,
            let line = location["line"] as? Int, line > 0
        {
            text += " at \(file):\(line)"
            if let column = location["column"] as? Int, column > 0 { text += ":\(column)" }
        } else {
            if let image = chosen["image"] as? String { text += " in \(image)" }
            frameWithoutLine = true
        }
        frame = text
    }

    /// The module of a mangled Swift symbol: `$s3exp6MyConvV…` → "exp"; the standard library's
    /// own (`$ss…`, `$sS…`) and C symbols → nil.
    package static func module(ofMangled symbol: String) -> String? {
        guard symbol.hasPrefix("$s") else { return nil }
        var rest = symbol.dropFirst(2)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let length = Int(digits), length > 0 else { return nil }
        rest = rest.dropFirst(digits.count)
        guard rest.count >= length else { return nil }
        return String(rest.prefix(length))
    }

    package static func address(_ text: String) -> UInt64? {
        UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }
}
