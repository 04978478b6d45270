import CKernels
import Foundation

/// An n-dimensional array of `Double` in row-major order, with value semantics.
///
/// `shape` lists the extent of each axis (`[]` is a scalar holding one datum);
/// `data` holds `shape.reduce(1, *)` numbers, last axis fastest. Double is the
/// checking precision: finite differences in Float lose half their digits.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public private(set) var shape: [Int]
    public var data: [Double]

    /// Builds a tensor; the data length must equal the product of the shape
    /// (a programmer error otherwise — use `init(validatingShape:data:)` for user data).
    public init(shape: [Int], data: [Double]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(
            Tensor.count(of: shape) == data.count,
            "shape \(shape) needs \(Tensor.count(of: shape)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// Builds a tensor from data read from outside (a file, a command line),
    /// throwing a `TensorError` that names the mismatch instead of trapping.
    public init(validatingShape shape: [Int], data: [Double]) throws(TensorError) {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw .negativeExtent(shape: shape, extent: bad)
        }
        let (count, overflow) = Tensor.checkedCount(of: shape)
        if overflow || count > Tensor.maximumElementCount {
            throw .tooLarge(shape: shape, limit: Tensor.maximumElementCount)
        }
        guard count == data.count else {
            throw .dataLengthMismatch(shape: shape, expected: count, actual: data.count)
        }
        self.shape = shape
        self.data = data
    }

    /// A tensor of `shape` with every element equal to `value`.
    public init(shape: [Int], repeating value: Double) {
        self.init(shape: shape, data: Array(repeating: value, count: Tensor.count(of: shape)))
    }

    /// A copy with its own storage: `data` is copied into a new buffer, so a write through
    /// the original's buffer (an `UnsafeMutableBufferPointer` kept by a layer, a C kernel)
    /// cannot reach it. A plain assignment shares the buffer until one side writes in Swift.
    public func copied() -> Tensor {
        var copy = self
        copy.data = data.withUnsafeBufferPointer { source in
            [Double](unsafeUninitializedCapacity: source.count) { out, written in
                _ = out.initialize(from: source)
                written = source.count
            }
        }
        return copy
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A scalar (shape `[]`).
    public init(scalar: Double) { self.init(shape: [], data: [scalar]) }

    /// A 2-D tensor from rows of equal length.
    public init(rows: [[Double]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(shape: [rows.count, columns], data: rows.flatMap { $0 })
    }

    /// Uniform random values in `range`, drawn from a seeded generator.
    public static func uniform(
        _ shape: [Int], in range: Range<Double> = -1..<1, using generator: inout SeededGenerator
    ) -> Tensor {
        let n = count(of: shape)
        var data = [Double](repeating: 0, count: n)
        generator.withStream { stream in
            data.withUnsafeMutableBufferPointer { out in
                for i in 0..<n { out[i] = stream.nextUniform(in: range) }
            }
        }
        return Tensor(shape: shape, data: data)
    }

    /// Standard normal values from a seeded generator, which moves on by one draw whatever the
    /// shape: that draw keys a SplitMix64 stream, whose outputs 2j + 1 and 2j + 2 make pair j
    /// by Box–Muller, with a logarithm, sine and cosine of Slope's own (within 4·10⁻¹⁵ of the
    /// exact values). Every element is computed apart from the others, so the C loop
    /// (`slope_normal_fill`) runs eight or four lanes at a time: 1.4 ns a value, where the polar
    /// method over the generator's own stream, one pair after another through the C library's
    /// `log`, took 5.0 ns (a small check's directions were a sixth of its time). Integer
    /// operations and exactly rounded arithmetic only, so the same bits on every machine;
    /// ``normalReference(_:key:)`` is the same formula in Swift, and a test holds the two together.
    public static func normal(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        let n = count(of: shape)
        let key = generator.next()
        let data = [Double](unsafeUninitializedCapacity: n) { out, written in
            slope_normal_fill(out.baseAddress, n, key)
            written = n
        }
        return Tensor(shape: shape, data: data)
    }

    /// `normal`'s values from `key`, one pair at a time, as its C loop computes them: the
    /// readable reference the fast loop is tested against, bit for bit.
    static func normalReference(_ n: Int, key: UInt64) -> [Double] {
        var values: [Double] = []
        var j: UInt64 = 0
        while values.count < n {
            let pair = normalPair(splitMix(key, output: 2 * j + 1), splitMix(key, output: 2 * j + 2))
            j += 1
            values.append(pair.0)
            if values.count < n { values.append(pair.1) }
        }
        return values
    }

    /// Output number `output` (from 1) of SplitMix64 seeded with `key`.
    static func splitMix(_ key: UInt64, output: UInt64) -> UInt64 {
        var z = key &+ output &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Box–Muller's pair from two random words: √(−2 log u)·(cos 2πw, sin 2πw) with u in (0, 1]
    /// and w in [0, 1) from their top 52 bits, the functions summed as `slope_normal_fill` does.
    static func normalPair(_ a: UInt64, _ b: UInt64) -> (Double, Double) {
        /// a·b + c, rounded once.
        func fma(_ a: Double, _ b: Double, _ c: Double) -> Double { c.addingProduct(a, b) }
        let u = 2 - Double(bitPattern: 0x3FF0_0000_0000_0000 | (a >> 12))
        let w = Double(bitPattern: 0x3FF0_0000_0000_0000 | (b >> 12)) - 1
        // log u = e·ln 2 + 2·atanh f, f = (m − 1)/(m + 1), m = u / 2ᵉ in [√½, √2).
        let e = Int64((u.bitPattern &+ (0x3FF0_0000_0000_0000 - 0x3FE6_A09E_667F_3BCD)) >> 52) - 1023
        let m = Double(bitPattern: u.bitPattern &- (UInt64(bitPattern: e) << 52))
        let f = (m - 1) / (m + 1)
        let f2 = f * f
        var p = 1.0 / 21
        for k in stride(from: 19.0, through: 3, by: -2) { p = fma(p, f2, 1 / k) }
        let ef = Double(e)
        let logU = fma(ef, 0x1.62e42fefa39efp-1, fma(ef, 0x1.abc9e3b39803fp-56, 2 * (f * f2 * p)) + 2 * f)
        let radius = (-2 * logU).squareRoot()
        // 2πw = q·π/2 + x, x in [−π/4, π/4]; the sine and cosine of x by their Taylor series.
        let q = (4 * w + 0.5).rounded(.down)
        let x = 6.283185307179586 * fma(q, -0.25, w)
        let x2 = x * x
        var s = -1.0 / 1_307_674_368_000
        let sineTerms: [Double] = [1 / 6_227_020_800, -1 / 39_916_800, 1 / 362_880, -1 / 5040, 1 / 120, -1 / 6]
        for k in sineTerms {
            s = fma(s, x2, k)
        }
        let sine = fma(x * x2, s, x)
        var c = -1.0 / 20_922_789_888_000
        let cosineTerms: [Double] = [1 / 87_178_291_200, -1 / 479_001_600, 1 / 3_628_800, -1 / 40320, 1 / 720, -1 / 24, 0.5]
        for k in cosineTerms {
            c = fma(c, x2, k)
        }
        let cosine = fma(-x2, c, 1)
        // cos(qπ/2 + x) and sin(qπ/2 + x) by the quadrant q mod 4.
        let (cosAngle, sinAngle): (Double, Double) =
            switch Int64(q) & 3 {
            case 0: (cosine, sine)
            case 1: (-sine, cosine)
            case 2: (-cosine, -sine)
            default: (sine, -cosine)
            }
        return (radius * cosAngle, radius * sinAngle)
    }

    /// The largest number of elements Slope will allocate for one tensor
    /// (2²⁷ doubles = 1 GiB); larger requests are refused with a clear error.
    public static let maximumElementCount = 1 << 27

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The only datum of a scalar or one-element tensor.
    public var scalar: Double {
        precondition(data.count == 1, "scalar of a tensor of shape \(shape)")
        return data[0]
    }

    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of `shape`, or nil when an extent is negative or the product
    /// overflows `Int` (for shapes read from files, where `count(of:)` would trap).
    public static func validCount(of shape: [Int]) -> Int? {
        guard shape.allSatisfy({ $0 >= 0 }) else { return nil }
        let (n, overflow) = checkedCount(of: shape)
        return overflow ? nil : n
    }

    static func checkedCount(of shape: [Int]) -> (Int, Bool) {
        var n = 1
        for extent in shape {
            let (product, overflow) = n.multipliedReportingOverflow(by: extent)
            if overflow { return (0, true) }
            n = product
        }
        return (n, false)
    }

    /// The same data seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Row-major strides of the shape.
    public var strides: [Int] { Tensor.strides(of: shape) }

    /// Row-major strides of `shape`: how far apart in storage neighbours along each axis are.
    public static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The multi-index of the element at flat position `flat`.
    public func index(ofFlat flat: Int) -> [Int] { Tensor.index(ofFlat: flat, in: shape) }

    /// The multi-index of flat position `flat` in row-major storage of `shape`.
    public static func index(ofFlat flat: Int, in shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    /// The element at a multi-index.
    public subscript(index: Int...) -> Double {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    // The same element by two, three or four indices without building an index array: the
    // readable references (plain loops over a formula) index every term this way.

    /// The element at `[i, j]` of a rank-2 tensor.
    public subscript(i: Int, j: Int) -> Double {
        get { data[offset(i, j)] }
        set { data[offset(i, j)] = newValue }
    }

    /// The element at `[i, j, k]` of a rank-3 tensor.
    public subscript(i: Int, j: Int, k: Int) -> Double {
        get { data[offset(i, j, k)] }
        set { data[offset(i, j, k)] = newValue }
    }

    /// The element at `[i, j, k, l]` of a rank-4 tensor.
    public subscript(i: Int, j: Int, k: Int, l: Int) -> Double {
        get { data[offset(i, j, k, l)] }
        set { data[offset(i, j, k, l)] = newValue }
    }

    @inline(__always) private func offset(_ i: Int, _ j: Int) -> Int {
        precondition(shape.count == 2, "index [\(i), \(j)] for shape \(shape)")
        return i * shape[1] + j
    }

    @inline(__always) private func offset(_ i: Int, _ j: Int, _ k: Int) -> Int {
        precondition(shape.count == 3, "index [\(i), \(j), \(k)] for shape \(shape)")
        return (i * shape[1] + j) * shape[2] + k
    }

    @inline(__always) private func offset(_ i: Int, _ j: Int, _ k: Int, _ l: Int) -> Int {
        precondition(shape.count == 4, "index [\(i), \(j), \(k), \(l)] for shape \(shape)")
        return ((i * shape[1] + j) * shape[2] + k) * shape[3] + l
    }

    func flatIndex(_ index: [Int]) -> Int { Tensor.flatIndex(index, in: shape) }

    /// The position of a multi-index in row-major storage of `shape` (the inverse of `index(ofFlat:)`).
    public static func flatIndex(_ index: [Int], in shape: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() { flat = flat * shape[axis] + i }
        return flat
    }

    /// Shape and the first few values, e.g. `Tensor[2, 3](0.1, 0.2, …)`.
    public var description: String {
        let shown = data.prefix(8).map { formatNumber($0) }.joined(separator: ", ")
        return "Tensor\(shape)(\(shown)\(data.count > 8 ? ", …" : ""))"
    }

    /// True when every element is finite (no NaN, no ±∞).
    public var isFinite: Bool { data.allSatisfy { $0.isFinite } }
}

/// Shape problems in tensors built from outside data.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    case negativeExtent(shape: [Int], extent: Int)
    case dataLengthMismatch(shape: [Int], expected: Int, actual: Int)
    case tooLarge(shape: [Int], limit: Int)

    public var description: String {
        switch self {
        case .negativeExtent(let shape, let extent):
            return "shape \(shape) has a negative extent \(extent)"
        case .dataLengthMismatch(let shape, let expected, let actual):
            return "shape \(shape) needs \(expected) values but the data has \(actual)"
        case .tooLarge(let shape, let limit):
            return "shape \(shape) would exceed the limit of \(limit) elements (1 GiB of doubles)"
        }
    }
}

/// A short, readable rendering of a number: `0.1`, `-3.25e-07`, `nan`.
/// `String(format: format, value)` for one number, through the C library's `snprintf`, which
/// Foundation's formatting ends in too (a test holds them to the same text): Foundation's path
/// cost about 5 µs a number, a tenth of a small check's own time, and `withVaList` still
/// allocated one.
package func cFormat(_ format: String, _ value: Double) -> String {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
        let written = slope_format_double(buffer.baseAddress, 64, format, value)
        guard written >= 0, written < 64 else { return String(format: format, value) }
        return String(cString: buffer.baseAddress!)
    }
}

package func formatNumber(_ x: Double, significantDigits: Int = 6) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    let magnitude = abs(x)
    if magnitude >= 1e-4 && magnitude < 1e6 {
        let text = cFormat("%.\(significantDigits)g", x)
        if !text.utf8.contains(UInt8(ascii: "e")) { return text }  // (Foundation's substring search cost more)
    }
    // Scientific, with trailing zeros of the mantissa dropped: 1e-05, 3.45e-07.
    let text = cFormat("%.\(max(0, significantDigits - 1))e", x)
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    if mantissa.contains(".") {
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    return mantissa + text[e...]
}
