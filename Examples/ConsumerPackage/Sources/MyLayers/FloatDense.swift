/// A dense layer in the user's own Float types, as code ported from a Float framework is:
/// y = x·W + b on flat row-major `[Float]` arrays, with its vector–Jacobian product
/// dx = ū·Wᵀ, dW = xᵀ·ū, db = Σ_rows ū. Nothing of Slope's is needed to write it.
public struct FloatDense: Sendable {
    public let rows: Int, inputs: Int, outputs: Int

    public init(rows: Int, inputs: Int, outputs: Int) {
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
    }

    /// y = x·W + b for v = [x, W, b].
    public func forward(_ v: [[Float]]) -> [Float] {
        let (x, w, b) = (v[0], v[1], v[2])
        var y = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for c in 0..<outputs {
                var sum = b[c]
                for k in 0..<inputs { sum += x[r * inputs + k] * w[k * outputs + c] }
                y[r * outputs + c] = sum
            }
        }
        return y
    }

    /// [dx, dW, db] for v = [x, W, b] and the upstream u.
    public func vjp(_ v: [[Float]], _ u: [Float]) -> [[Float]] {
        let (x, w) = (v[0], v[1])
        var dx = [Float](repeating: 0, count: rows * inputs)
        var dw = [Float](repeating: 0, count: inputs * outputs)
        var db = [Float](repeating: 0, count: outputs)
        for r in 0..<rows {
            for c in 0..<outputs {
                let g = u[r * outputs + c]
                db[c] += g
                for k in 0..<inputs {
                    dx[r * inputs + k] += g * w[k * outputs + c]
                    dw[k * outputs + c] += x[r * inputs + k] * g
                }
            }
        }
        return [dx, dw, db]
    }
}
