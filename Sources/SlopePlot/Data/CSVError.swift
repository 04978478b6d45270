/// Why a CSV file could not be read, or a column could not be taken from it. The text
/// names the file and, where it applies, the line (1 = the header) and the column.
public enum CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    /// Larger than `CSVTable.sizeLimit`.
    case tooLarge(path: String, bytes: Int, limit: Int)
    /// No bytes, or only a byte-order mark and white space.
    case emptyFile(path: String)
    /// Not UTF-8 text (invalid UTF-8 or NUL bytes): `offset` is the first bad byte.
    case notText(path: String, offset: Int, line: Int)
    case duplicateColumn(path: String, name: String)
    case missingColumn(path: String, name: String, available: [String])
    case nonNumeric(path: String, line: Int, column: String, text: String)
    case raggedRow(path: String, line: Int, cells: Int, expected: Int)
    /// A quoted cell with no closing quote: `line` is where it opens, `field` its position
    /// in the record (1 = first), `column` the header's name for it once the header is read.
    case unterminatedQuote(path: String, line: Int, field: Int, column: String?)
    /// Text between a quoted cell's closing quote and the next comma or line end.
    case textAfterQuote(path: String, line: Int, field: Int, column: String?)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): no such file"
        case .isDirectory(let path):
            return "\(path): is a directory, not a CSV file"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason))"
        case .tooLarge(let path, let bytes, let limit):
            return "\(path): file is \(bytes) bytes, more than the \(limit / (1024 * 1024)) MiB limit for CSV input"
        case .emptyFile(let path):
            return "\(path): file is empty (expected a header row such as \"step,loss\")"
        case .notText(let path, let offset, let line):
            return "\(path), line \(line): not UTF-8 text (binary data at byte \(offset)); expected a CSV file"
        case .duplicateColumn(let path, let name):
            return "\(path), line 1: column \"\(name)\" appears more than once in the header"
        case .missingColumn(let path, let name, let available):
            let list = available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(path): no column \"\(name)\" in the header; available columns: \(list)"
        case .nonNumeric(let path, let line, let column, let text):
            return "\(path), line \(line), column \"\(column)\": \"\(text)\" is not a number "
                + "(write nan, inf or -inf for missing or infinite values)"
        case .raggedRow(let path, let line, let cells, let expected):
            return "\(path), line \(line): has \(cells) cell\(cells == 1 ? "" : "s") but the header has \(expected)"
        case .unterminatedQuote(let path, let line, let field, let column):
            return "\(path), line \(line), \(Self.field(field, column)): the quoted cell opened here is never closed "
                + "(end it with \", and write a quote inside it as \"\")"
        case .textAfterQuote(let path, let line, let field, let column):
            return "\(path), line \(line), \(Self.field(field, column)): text follows the closing quote "
                + "(quote the whole cell, and write a quote inside it as \"\")"
        }
    }

    private static func field(_ field: Int, _ column: String?) -> String {
        "field \(field)" + (column.map { " (column \"\($0)\")" } ?? "")
    }
}
