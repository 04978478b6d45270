import Foundation

/// A numeric table read from a comma-separated file with a header row.
///
/// - Cells follow RFC 4180 (see `CSVScanner`): a quoted cell may hold commas, line breaks
///   and doubled quotes (`""`); unquoted cells are trimmed of spaces. A quote that is never
///   closed is `CSVError.unterminatedQuote`, text after a closing quote `.textAfterQuote`.
/// - The first non-blank line names the columns; a UTF-8 byte-order mark is stripped.
///   Names must be unique.
/// - Every later line holds one cell per column: a number (`nan`, `inf`, `-inf` in any
///   case are numbers too), or nothing. An empty cell means "not logged in this row", as
///   in a training log that writes train and validation losses on different rows; it reads
///   as `nil`, distinct from a logged `nan`.
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

    /// One array per column; `nil` for an empty cell.
    private let columns: [[Double?]]
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
        var columns: [[Double?]] = []
        var badCells: [Int: (line: Int, text: String)] = [:]
        var rows = 0
        var failure: CSVError? = nil

        // A byte-level scan: this runs over every cell of files with millions of rows.
        body.withUnsafeBufferPointer { buffer in
            var scanner = CSVScanner(buffer: buffer)
            var cells: [CSVScanner.Cell] = []
            while !scanner.atEnd {
                let line: Int
                do throws(CSVScanner.QuoteProblem) {
                    line = try scanner.record(into: &cells)
                } catch {
                    let name = header.flatMap { error.field <= $0.count ? $0[error.field - 1] : nil }
                    failure =
                        error.unterminated
                        ? .unterminatedQuote(path: source, line: error.line, field: error.field, column: name)
                        : .textAfterQuote(path: source, line: error.line, field: error.field, column: name)
                    return
                }
                if cells.count == 1, !cells[0].quoted, cells[0].range.isEmpty { continue }  // a blank line

                guard let names = header else {
                    let names = cells.map { scanner.text($0) }
                    var seen = Set<String>()
                    if let duplicate = names.first(where: { !seen.insert($0).inserted }) {
                        failure = .duplicateColumn(path: source, name: duplicate)
                        return
                    }
                    header = names
                    columns = Array(repeating: [], count: names.count)
                    continue
                }
                guard cells.count == names.count else {
                    failure = .raggedRow(path: source, line: line, cells: cells.count, expected: names.count)
                    return
                }
                for (c, cell) in cells.enumerated() {
                    if cell.range.isEmpty {
                        columns[c].append(nil)  // not logged in this row
                    } else if !cell.escapes, let value = scanner.number(cell.range) {
                        columns[c].append(value)
                    } else {
                        columns[c].append(.nan)
                        if badCells[c] == nil { badCells[c] = (line, scanner.text(cell)) }
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

    /// The cells of the column called `name`, one per row: `nil` where the cell is empty
    /// (nothing was logged in that row), otherwise its number (`.nan` and `±.infinity`
    /// where the file says `nan` or `inf`).
    /// - Throws: `CSVError.missingColumn` (listing the available names) or
    ///   `CSVError.nonNumeric` for the column's first cell that is not a number.
    public func column(_ name: String) throws(CSVError) -> [Double?] {
        guard let index = header.firstIndex(of: name) else {
            throw CSVError.missingColumn(path: source, name: name, available: header)
        }
        if let bad = badCells[index] {
            throw CSVError.nonNumeric(path: source, line: bad.line, column: name, text: bad.text)
        }
        return columns[index]
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
