import Foundation

/// JSON for tools: the whole run, seeds, method and tolerances included (so it can be replayed).
/// Non-finite numbers are written as the strings "nan", "inf" and "-inf".
public enum JSONReport {
    public static func render(_ run: VerifyRun) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(run)
    }

    /// Reads a report written by `render` (for `--replay` and tools written in Swift).
    public static func read(_ data: Data) throws -> VerifyRun {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(VerifyRun.self, from: data)
    }
}
