import Foundation

/// A numeric table read from a comma-separated file with a header row.
///
/// - The first non-blank line names the columns; a UTF-8 byte-order mark is stripped and
///   names are trimmed of spaces and surrounding double quotes. Names must be unique.
/// - Every later line holds one number per column. `nan`, `inf`, `-inf` (any case) are
///   accepted; an empty cell reads as NaN (a gap in a chart). Quoted cells with embedded
///   commas are not supported.
/// - CRLF line ends, a trailing newline and blank lines are tolerated.
/// - Every row must have as many cells as the header (`CSVError.raggedRow`).
/// - A cell that is not a number is reported when its column is asked for
///   (`CSVError.nonNumeric` with line, column and text), so text columns that are never
///   used do not stop the file from loading.
/// - Files over `sizeLimit` are refused before reading.
public struct CSVTable: Sendable {
    /// The largest file read: 512 MiB.
    public static let sizeLimit = 512 * 1024 * 1024

    /// The path or name used in error messages.
    public let source: String
    /// Column names in file order.
    public let header: [String]
    /// Number of data rows.
    public let rowCount: Int

    private let columns: [[Double]]
    /// The first non-numeric cell of each column that has one.
    private let badCells: [Int: (line: Int, text: String)]

    /// Reads the file at `path`.
    public init(contentsOfFile path: String) throws(CSVError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CSVError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw CSVError.isDirectory(path: path) }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? NSNumber {
            if size.intValue > Self.sizeLimit {
                throw CSVError.tooLarge(path: path, bytes: size.intValue, limit: Self.sizeLimit)
            }
            // An empty regular file is not read at all: Data(contentsOf:) of one leaks its
            // 4 KiB buffer in FoundationEssentials (Swift 6.3; found by `make sanitize`).
            // Pipes also report size 0, so they are still read.
            if size.intValue == 0, attributes?[.type] as? FileAttributeType == .typeRegular {
                throw CSVError.emptyFile(path: path)
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CSVError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        guard data.count <= Self.sizeLimit else {
            throw CSVError.tooLarge(path: path, bytes: data.count, limit: Self.sizeLimit)
        }
        try self.init(bytes: [UInt8](data), source: path)
    }

    /// Reads the file at `url`.
    public init(contentsOf url: URL) throws(CSVError) {
        try self.init(contentsOfFile: url.path)
    }

    /// Parses CSV text; `source` names it in errors.
    public init(parsing text: String, source: String = "<text>") throws(CSVError) {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    /// Parses raw bytes; `source` names them in errors.
    public init(bytes: [UInt8], source: String) throws(CSVError) {
        self.source = source
        var body = bytes[...]  // indices stay file offsets
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let bad = Self.firstNonTextByte(body) {
            let line = body[..<bad].count(where: { $0 == UInt8(ascii: "\n") }) + 1
            throw CSVError.notText(path: source, offset: bad, line: line)
        }
        var header: [String]? = nil
        var columns: [[Double]] = []
        var badCells: [Int: (line: Int, text: String)] = [:]
        var rows = 0
        var failure: CSVError? = nil
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","),
            newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

        // A byte-level scan: this runs over every cell of files with millions of rows.
        body.withUnsafeBufferPointer { buffer in
            var lineNumber = 0
            var lineStart = 0
            var cellRanges: [Range<Int>] = []
            while lineStart <= buffer.count, failure == nil {
                lineNumber += 1
                var lineEnd = lineStart
                while lineEnd < buffer.count, buffer[lineEnd] != newline { lineEnd += 1 }
                defer { lineStart = lineEnd + 1 }
                var end = lineEnd
                if end > lineStart, buffer[end - 1] == carriageReturn { end -= 1 }

                // Split into trimmed cells.
                cellRanges.removeAll(keepingCapacity: true)
                var cellStart = lineStart
                var blank = true
                for i in lineStart...end where i == end || buffer[i] == comma {
                    var a = cellStart, b = i
                    while a < b, buffer[a] == space || buffer[a] == tab { a += 1 }
                    while b > a, buffer[b - 1] == space || buffer[b - 1] == tab { b -= 1 }
                    if a < b || i < end { blank = false }
                    cellRanges.append(a..<b)
                    cellStart = i + 1
                }
                if blank { continue }
                func text(_ r: Range<Int>) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: buffer[r]), as: UTF8.self)
                }

                guard let names = header else {
                    let names = cellRanges.map { Self.headerName(text($0)) }
                    var seen = Set<String>()
                    if let duplicate = names.first(where: { !seen.insert($0).inserted }) {
                        failure = .duplicateColumn(path: source, name: duplicate)
                        return
                    }
                    header = names
                    columns = Array(repeating: [], count: names.count)
                    continue
                }
                guard cellRanges.count == names.count else {
                    failure = .raggedRow(path: source, line: lineNumber, cells: cellRanges.count, expected: names.count)
                    return
                }
                for (c, r) in cellRanges.enumerated() {
                    if r.isEmpty {
                        columns[c].append(.nan)
                    } else if let value = Double(text(r)) {
                        columns[c].append(value)
                    } else {
                        columns[c].append(.nan)
                        if badCells[c] == nil { badCells[c] = (lineNumber, text(r)) }
                    }
                }
                rows += 1
            }
        }
        if let failure { throw failure }
        guard let header else { throw CSVError.emptyFile(path: source) }
        self.header = header
        self.columns = columns
        self.badCells = badCells
        self.rowCount = rows
    }

    /// Whether the header has a column called `name`.
    public func hasColumn(_ name: String) -> Bool { header.contains(name) }

    /// The values of the column called `name`, one per row.
    /// - Throws: `CSVError.missingColumn` (listing the available names) or
    ///   `CSVError.nonNumeric` for the column's first cell that is not a number.
    public func column(_ name: String) throws(CSVError) -> [Double] {
        guard let index = header.firstIndex(of: name) else {
            throw CSVError.missingColumn(path: source, name: name, available: header)
        }
        if let bad = badCells[index] {
            throw CSVError.nonNumeric(path: source, line: bad.line, column: name, text: bad.text)
        }
        return columns[index]
    }

    private static func headerName(_ cell: String) -> String {
        var name = cell
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        return name
    }

    /// The index (byte offset in the file) of the first byte that makes `bytes` not UTF-8
    /// text (an invalid sequence or a NUL), or `nil` when it is text.
    private static func firstNonTextByte(_ bytes: ArraySlice<UInt8>) -> Int? {
        if let nul = bytes.firstIndex(of: 0) {
            return firstInvalidUTF8(bytes[..<nul]) ?? nul
        }
        return firstInvalidUTF8(bytes)
    }

    private static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return bytes.startIndex + offset
            }
        }
    }
}
