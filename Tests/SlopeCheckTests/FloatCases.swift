import Foundation
import SlopeLayers

@testable import SlopeCheck

/// The elementary functions a test formula needs, for Float and Double alike: one generic
/// formula gives a Float function and its Double twin.
protocol TestReal: BinaryFloatingPoint {
    static func tanh(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
}

extension Float: TestReal {
    static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    static func log(_ x: Float) -> Float { Foundation.log(x) }
    static func sin(_ x: Float) -> Float { Foundation.sin(x) }
    static func cos(_ x: Float) -> Float { Foundation.cos(x) }
}

extension Double: TestReal {
    static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func log(_ x: Double) -> Double { Foundation.log(x) }
    static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    static func cos(_ x: Double) -> Double { Foundation.cos(x) }
}

/// A function written once, generically, with its vjp: `forward(inputs, shapes)` and
/// `vjp(inputs, upstream, shapes)` on flat arrays, each with its formula in the case's name.
struct FloatCase: CustomStringConvertible {
    var name: String
    var shapes: [[Int]]
    var offset: Double = 0
    var description: String { name }

    let forwardFloat: ([[Float]], [[Int]]) -> [Float]
    let vjpFloat: ([[Float]], [Float], [[Int]]) -> [[Float]]
    let forwardDouble: ([[Double]], [[Int]]) -> [Double]
    let vjpDouble: ([[Double]], [Double], [[Int]]) -> [[Double]]

    /// An element-wise function f with derivative f′.
    static func elementwise(
        _ name: String, shape: [Int] = [3, 4], offset: Double = 0, _ f: @escaping (Double) -> Double,
        _ df: @escaping (Double) -> Double, _ ff: @escaping (Float) -> Float,
        _ dff: @escaping (Float) -> Float
    ) -> FloatCase {
        FloatCase(
            name: name, shapes: [shape], offset: offset, forwardFloat: { x, _ in x[0].map(ff) },
            vjpFloat: { x, u, _ in [zip(x[0], u).map { dff($0) * $1 }] }, forwardDouble: { x, _ in x[0].map(f) },
            vjpDouble: { x, u, _ in [zip(x[0], u).map { df($0) * $1 }] })
    }

    static func generic<T: TestReal>(_ name: String, _ type: T.Type) -> (f: (T) -> T, df: (T) -> T) {
        switch name {
        case "tanh": return ({ T.tanh($0) }, { 1 - T.tanh($0) * T.tanh($0) })
        case "sigmoid":
            return (
                { 1 / (1 + T.exp(-$0)) },
                {
                    let s = 1 / (1 + T.exp(-$0)); return s * (1 - s)
                }
            )
        case "softplus": return ({ T.log(1 + T.exp($0)) }, { 1 / (1 + T.exp(-$0)) })
        case "sin(3x)": return ({ T.sin(3 * $0) }, { 3 * T.cos(3 * $0) })
        case "exp(x/2)": return ({ T.exp($0 / 2) }, { T.exp($0 / 2) / 2 })
        default:  // GELU, tanh approximation: ½x(1 + tanh(k(x + 0.044715x³))), k = √(2/π)
            let k = T(0.7978845608028654)
            return (
                { x in x / 2 * (1 + T.tanh(k * (x + T(0.044715) * x * x * x))) },
                { x in
                    let t = T.tanh(k * (x + T(0.044715) * x * x * x))
                    return (1 + t) / 2 + x / 2 * (1 - t * t) * k * (1 + 3 * T(0.044715) * x * x)
                }
            )
        }
    }

    static func activation(_ name: String, offset: Double = 0) -> FloatCase {
        let (f, df) = generic(name, Double.self)
        let (ff, dff) = generic(name, Float.self)
        return elementwise(
            offset == 0 ? name : "\(name) at +\(formatNumber(offset))", offset: offset, f, df, ff, dff)
    }

    /// y = x·W + b for x [4, 3], W [3, 2], b [2]; dx = ū·Wᵀ, dW = xᵀ·ū, db = Σ_rows ū.
    static var affine: FloatCase {
        func forward<T: TestReal>(_ v: [[T]], _: [[Int]]) -> [T] {
            let (x, w, b) = (v[0], v[1], v[2])
            var y = [T](repeating: 0, count: 8)
            for r in 0..<4 {
                for c in 0..<2 {
                    var sum = b[c]
                    for k in 0..<3 { sum += x[r * 3 + k] * w[k * 2 + c] }
                    y[r * 2 + c] = sum
                }
            }
            return y
        }
        func vjp<T: TestReal>(_ v: [[T]], _ u: [T], _: [[Int]]) -> [[T]] {
            let (x, w) = (v[0], v[1])
            var dx = [T](repeating: 0, count: 12)
            var dw = [T](repeating: 0, count: 6)
            var db = [T](repeating: 0, count: 2)
            for r in 0..<4 {
                for c in 0..<2 {
                    let g = u[r * 2 + c]
                    db[c] += g
                    for k in 0..<3 {
                        dx[r * 3 + k] += g * w[k * 2 + c]
                        dw[k * 2 + c] += x[r * 3 + k] * g
                    }
                }
            }
            return [dx, dw, db]
        }
        return FloatCase(
            name: "x·W + b", shapes: [[4, 3], [3, 2], [2]], forwardFloat: forward, vjpFloat: vjp,
            forwardDouble: forward, vjpDouble: vjp)
    }

    /// Softmax over rows of [3, 4]: y = e^(x − max)/Σe^(x − max); dx = y ⊙ (ū − Σ ū ⊙ y) per row.
    static func softmax(offset: Double = 0) -> FloatCase {
        func forward<T: TestReal>(_ v: [[T]], _: [[Int]]) -> [T] {
            (0..<3).flatMap { r -> [T] in
                let row = Array(v[0][(r * 4)..<(r * 4 + 4)])
                let m = row.max() ?? 0
                let e = row.map { T.exp($0 - m) }
                let s = e.reduce(0, +)
                return e.map { $0 / s }
            }
        }
        func vjp<T: TestReal>(_ v: [[T]], _ u: [T], _ shapes: [[Int]]) -> [[T]] {
            let y = forward(v, shapes)
            return [
                (0..<3).flatMap { r -> [T] in
                    let dot = (0..<4).reduce(T(0)) { $0 + u[r * 4 + $1] * y[r * 4 + $1] }
                    return (0..<4).map { y[r * 4 + $0] * (u[r * 4 + $0] - dot) }
                }
            ]
        }
        return FloatCase(
            name: offset == 0 ? "softmax" : "softmax at +\(formatNumber(offset))", shapes: [[3, 4]], offset: offset,
            forwardFloat: forward, vjpFloat: vjp, forwardDouble: forward, vjpDouble: vjp)
    }

    static var all: [FloatCase] {
        ["tanh", "sigmoid", "softplus", "gelu", "sin(3x)", "exp(x/2)"].map { activation($0) } + [
            affine, softmax(), softmax(offset: 100), activation("tanh", offset: 10),
        ]
    }

    func inputs(seed: UInt64) -> [Tensor] {
        var rng = SeededGenerator(seed: seed &+ 4242)
        return shapes.map { Tensor.uniform($0, in: -2..<2, using: &rng) + offset }
    }

    /// The Float closures, with every gradient scaled by `factor` (1.01: a 1% bug).
    func float(factor: Float = 1) -> (([[Float]]) throws -> [Float], ([[Float]], [Float]) throws -> [[Float]]) {
        let (shapes, f, vjp) = (shapes, forwardFloat, vjpFloat)
        return ({ x in f(x, shapes) }, { x, u in vjp(x, u, shapes).map { $0.map { $0 * factor } } })
    }

    /// The Double twin, as tensor closures (flat output), gradients scaled by `factor`.
    func twin(factor: Double = 1) -> (([Tensor]) throws -> Tensor, ([Tensor], Tensor) throws -> [Tensor]) {
        let (shapes, f, vjp) = (shapes, forwardDouble, vjpDouble)
        return (
            { x in
                let y = f(x.map(\.data), shapes)
                return Tensor(shape: [y.count], data: y)
            },
            { x, u in
                zip(vjp(x.map(\.data), u.data, shapes), x).map { Tensor(shape: $1.shape, data: $0.map { $0 * factor }) }
            }
        )
    }
}
