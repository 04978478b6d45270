import Foundation
import SlopeLayers

/// One LSTM step: z = [x h]·W + b split into gates i, f, o (sigmoid) and g (tanh);
/// c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′). Inputs x [N, D], h [N, H], c [N, H]; outputs h′ and c′.
///
/// Backward, from ∂L/∂h′ and ∂L/∂c′: dc′ = ∂L/∂c′ + ∂L/∂h′ ⊙ o ⊙ (1 − tanh²c′), then
/// di = dc′ ⊙ g, df = dc′ ⊙ c, dg = dc′ ⊙ i, do = ∂L/∂h′ ⊙ tanh c′, dc = dc′ ⊙ f, through the
/// gates' derivatives into dz, and dW = [x h]ᵀ·dz, db = Σₙ dz, d[x h] = dz·Wᵀ.
public final class LSTMStep: MultiOutputLayer {
    public let kindName = "LSTMStep"
    public let arity = 3
    public let inputNames = ["x", "h", "c"]
    public let outputNames = ["h", "c"]
    public let W: Parameter
    public let b: Parameter
    /// The planted bug of the example gate: backward forgets the upstream of c′.
    let forgetsCellUpstream: Bool
    private var cache: (xh: [Double], c: [Double], i: [Double], f: [Double], o: [Double], g: [Double], tc: [Double])?
    private var n = 0

    public init(input d: Int, hidden: Int, forgetsCellUpstream: Bool = false, using rng: inout SeededGenerator) {
        W = Parameter("W", .uniform([d + hidden, 4 * hidden], in: -0.5..<0.5, using: &rng))
        b = Parameter("b", .uniform([4 * hidden], in: -0.5..<0.5, using: &rng))
        self.forgetsCellUpstream = forgetsCellUpstream
    }

    public var parameters: [Parameter] { [W, b] }
    var hidden: Int { b.value.count / 4 }

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> [Tensor] {
        let (x, h, c) = (inputs[0], inputs[1], inputs[2])
        n = x.shape[0]
        let (d, k) = (x.shape[1], hidden)
        var xh = [Double](repeating: 0, count: n * (d + k))
        for r in 0..<n {
            for j in 0..<d { xh[r * (d + k) + j] = x.data[r * d + j] }
            for j in 0..<k { xh[r * (d + k) + d + j] = h.data[r * k + j] }
        }
        var gates = (i: [Double](), f: [Double](), o: [Double](), g: [Double]())
        var next = (h: [Double](), c: [Double](), tc: [Double]())
        for r in 0..<n {
            for j in 0..<k {
                func z(_ gate: Int) -> Double {
                    var sum = b.value.data[gate * k + j]
                    for m in 0..<(d + k) { sum += xh[r * (d + k) + m] * W.value.data[m * 4 * k + gate * k + j] }
                    return sum
                }
                let (i, f, o, g) = (sigmoid(z(0)), sigmoid(z(1)), sigmoid(z(2)), tanh(z(3)))
                let cNext = f * c.data[r * k + j] + i * g
                gates.i.append(i)
                gates.f.append(f)
                gates.o.append(o)
                gates.g.append(g)
                next.c.append(cNext)
                next.tc.append(tanh(cNext))
                next.h.append(o * tanh(cNext))
            }
        }
        cache = (xh, c.data, gates.i, gates.f, gates.o, gates.g, next.tc)
        return [Tensor(shape: [n, k], data: next.h), Tensor(shape: [n, k], data: next.c)]
    }

    public func backward(_ upstreams: [Tensor]) throws(LayerError) -> [Tensor] {
        guard let cache else { throw .backwardBeforeForward(layer: kindName) }
        let (dh, dcNext) = (upstreams[0].data, upstreams[1].data)
        let k = hidden
        let d = cache.xh.count / n - k
        var dz = [Double](repeating: 0, count: n * 4 * k)
        var dc = [Double](repeating: 0, count: n * k)
        for r in 0..<n {
            for j in 0..<k {
                let e = r * k + j
                let (i, f, o, g, tc) = (cache.i[e], cache.f[e], cache.o[e], cache.g[e], cache.tc[e])
                let dcTotal = (forgetsCellUpstream ? 0 : dcNext[e]) + dh[e] * o * (1 - tc * tc)
                dz[r * 4 * k + j] = dcTotal * g * i * (1 - i)
                dz[r * 4 * k + k + j] = dcTotal * cache.c[e] * f * (1 - f)
                dz[r * 4 * k + 2 * k + j] = dh[e] * tc * o * (1 - o)
                dz[r * 4 * k + 3 * k + j] = dcTotal * i * (1 - g * g)
                dc[e] = dcTotal * f
            }
        }
        var dxh = [Double](repeating: 0, count: n * (d + k))
        for r in 0..<n {
            for m in 0..<(d + k) {
                for q in 0..<(4 * k) {
                    let gradient = dz[r * 4 * k + q]
                    W.gradient.data[m * 4 * k + q] += cache.xh[r * (d + k) + m] * gradient
                    dxh[r * (d + k) + m] += gradient * W.value.data[m * 4 * k + q]
                }
            }
            for q in 0..<(4 * k) { b.gradient.data[q] += dz[r * 4 * k + q] }
        }
        let dx = (0..<n).flatMap { r in dxh[(r * (d + k))..<(r * (d + k) + d)] }
        let dhPrevious = (0..<n).flatMap { r in dxh[(r * (d + k) + d)..<((r + 1) * (d + k))] }
        return [Tensor(shape: [n, d], data: dx), Tensor(shape: [n, k], data: dhPrevious), Tensor(shape: [n, k], data: dc)]
    }

    private func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
}
