/// A JSON value, written exactly as Foundation's `JSONEncoder` writes it with
/// `[.prettyPrinted, .sortedKeys]`, a piece at a time into any text stream.
///
/// The checkpoint's format is that encoder's output; writing it here keeps JSONEncoder's
/// machinery (half a megabyte of code paged in, and the whole document built in memory
/// first) out of a training run that saves a checkpoint every few thousand epochs.
/// `CheckpointTests` compares the two on every kind of checkpoint.
///
/// The rules: two spaces of indentation per level; `"key" : value`; members and elements
/// one per line, separated by `,`; an empty object or array is its brackets around an empty
/// line; keys sorted by their UTF-8 bytes; in strings `"`, `\`, `/` and the control
/// characters escaped (`\n`, `\t`, `\r`, `\b`, `\f`, else `\u00XX`), everything else as is;
/// an integer in decimal; a double in its shortest round-trip form (Swift's `description`)
/// without a trailing `.0`. Only finite doubles can be written (a checkpoint holds no others).
enum PrettyJSON {
    case object([String: PrettyJSON])
    case array([PrettyJSON])
    case string(String)
    case integer(Int)
    case number(Double)

    /// The JSON text, without a final newline (as `JSONEncoder` gives it).
    func write(to output: inout some TextOutputStream, indent: Int = 0) {
        switch self {
        case .object(let members):
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            Self.writeLines(keys.count, open: "{", close: "}", indent: indent, to: &output) { index, output in
                Self.writeString(keys[index], to: &output)
                output.write(" : ")
                members[keys[index]]!.write(to: &output, indent: indent + 1)
            }
        case .array(let elements):
            Self.writeLines(elements.count, open: "[", close: "]", indent: indent, to: &output) { index, output in
                elements[index].write(to: &output, indent: indent + 1)
            }
        case .string(let text): Self.writeString(text, to: &output)
        case .integer(let value): output.write(String(value))
        case .number(let value):
            precondition(value.isFinite, "JSON has no \(value)")
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            output.write(text)
        }
    }

    /// `open`, then `count` items each on its own line one level in, then `close` on a line
    /// at `indent` (an empty line between the brackets when there are no items).
    private static func writeLines<Output: TextOutputStream>(
        _ count: Int, open: String, close: String, indent: Int, to output: inout Output,
        item: (Int, inout Output) -> Void
    ) {
        let inner = String(repeating: "  ", count: indent + 1)
        output.write(open + "\n")
        for index in 0..<count {
            if index > 0 { output.write(",\n") }
            output.write(inner)
            item(index, &output)
        }
        output.write("\n" + String(repeating: "  ", count: indent) + close)
    }

    private static func writeString(_ text: String, to output: inout some TextOutputStream) {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "/": escaped += "\\/"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case "\u{8}": escaped += "\\b"
            case "\u{c}": escaped += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        output.write(escaped + "\"")
    }
}
