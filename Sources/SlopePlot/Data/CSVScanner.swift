import Foundation

/// Splits CSV bytes into records and cells (RFC 4180), for `CSVTable`.
///
/// - Cells are separated by commas, records by LF or CRLF.
/// - A cell whose first non-blank byte is `"` is quoted: it runs to the next lone `"`, may
///   hold commas, line breaks and doubled quotes (`""` reads as one `"`), and only spaces
///   or tabs may follow it before the next comma or line end.
/// - Unquoted cells are trimmed of spaces and tabs; a `"` inside one is kept as it is.
///
/// Cells are ranges into the buffer, so the common case (a number) is never copied.
struct CSVScanner {
    /// One cell: its bytes (inside the quotes, for a quoted cell).
    struct Cell {
        var range: Range<Int>
        var quoted: Bool
        /// Whether the quoted text holds a doubled quote (`""`) to be read as one.
        var escapes: Bool
    }

    /// A quoted cell that is never closed, or is followed by more text before its comma.
    struct QuoteProblem: Error {
        var unterminated: Bool
        /// The line of the opening quote (unterminated) or of the stray text.
        var line: Int
        /// 1-based position of the cell in its record.
        var field: Int
    }

    let buffer: UnsafeBufferPointer<UInt8>
    /// The next byte to read; past the end once the last record is read.
    private var position = 0
    /// The line `position` is on (1 = the first line).
    private var line = 1

    init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    var atEnd: Bool { position > buffer.count }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), comma = UInt8(ascii: ","),
        newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")

    /// Reads the next record's cells into `cells` and returns the line it starts on.
    mutating func record(into cells: inout [Cell]) throws(QuoteProblem) -> Int {
        cells.removeAll(keepingCapacity: true)
        let start = line
        let n = buffer.count
        while true {
            var a = position
            while a < n, buffer[a] == Self.space || buffer[a] == Self.tab { a += 1 }
            if a < n, buffer[a] == Self.quote {
                let opened = line, field = cells.count + 1
                var q = a + 1, escapes = false
                while true {
                    guard q < n else { throw QuoteProblem(unterminated: true, line: opened, field: field) }
                    let byte = buffer[q]
                    if byte == Self.quote {
                        if q + 1 < n, buffer[q + 1] == Self.quote {
                            escapes = true
                            q += 2
                            continue
                        }
                        break
                    }
                    if byte == Self.newline { line += 1 }
                    q += 1
                }
                cells.append(Cell(range: (a + 1)..<q, quoted: true, escapes: escapes))
                var r = q + 1
                while r < n, buffer[r] == Self.space || buffer[r] == Self.tab { r += 1 }
                if r < n, buffer[r] == Self.comma {
                    position = r + 1
                    continue
                }
                if r < n, buffer[r] == Self.carriageReturn, r + 1 == n || buffer[r + 1] == Self.newline { r += 1 }
                if r == n {
                    position = n + 1
                    return start
                }
                guard buffer[r] == Self.newline else {
                    throw QuoteProblem(unterminated: false, line: line, field: field)
                }
                position = r + 1
                line += 1
                return start
            }
            var e = a
            while e < n, buffer[e] != Self.comma, buffer[e] != Self.newline { e += 1 }
            var t = e
            if t > a, buffer[t - 1] == Self.carriageReturn, e == n || buffer[e] == Self.newline { t -= 1 }
            while t > a, buffer[t - 1] == Self.space || buffer[t - 1] == Self.tab { t -= 1 }
            cells.append(Cell(range: a..<t, quoted: false, escapes: false))
            if e < n, buffer[e] == Self.comma {
                position = e + 1
                continue
            }
            if e == n {
                position = n + 1
            } else {
                position = e + 1
                line += 1
            }
            return start
        }
    }

    /// The cell's text, a doubled quote read as one.
    func text(_ cell: Cell) -> String {
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[cell.range]), as: UTF8.self)
        return cell.escapes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }

    /// The number the bytes spell (`Double(String)`'s syntax: `nan`, `inf` in any case), or `nil`.
    @inline(__always)
    func number(_ range: Range<Int>) -> Double? {
        Double(String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self))
    }
}
