import Foundation
import Testing

/// |a − b| ≤ max(atol, rtol·max(|a|, |b|)), after swift-numerics' isApproximatelyEqual.
func isClose(_ a: Double, _ b: Double, rtol: Double = 1e-12, atol: Double = 0) -> Bool {
    abs(a - b) <= max(atol, rtol * max(abs(a), abs(b)))
}

/// A fresh directory under the system temporary directory, for one test only.
func temporaryDirectory(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("slope-train-tests-\(safe)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
