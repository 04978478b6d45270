import CKernels

/// Logistic sigmoid.
///
/// Forward: y = 1 / (1 + e⁻ˣ) (finite for any input: σ(±1000) is 1 or 0).
/// Backward: ∂L/∂x = dout · y(1 − y), from the cached *output* y. Any shape.
///
/// The forward runs in C (`slope_sigmoid_on`): an exp of Slope's own eight lanes at a time
/// (AVX-512; within 1 ulp of libm's), glibc's vector exp four at a time (AVX2), or a scalar
/// loop; `ReadableSigmoid` is the same maths in plain Swift.
public final class Sigmoid: UnaryLayer, FastPathLayer {
    public let kindName = "Sigmoid"

    /// The forward's code paths (the backward is one C loop, the formula as written).
    public typealias Path = VectorPath
    public var availablePaths: [Path] { VectorPath.available(slope_vector_paths()) }
    // Unchecked exclusivity, as `Parameter`'s: accessed on every pass, never overlapping.
    @exclusivity(unchecked) public var forcedPath: Path?
    public func readableReference() -> any Layer { ReadableSigmoid() }
    @exclusivity(unchecked) private var y: Tensor?
    /// y and ∂L/∂x are written into reused tensors (see `ReusableTensors`).
    @exclusivity(unchecked) private var outputs = ReusableTensors()
    @exclusivity(unchecked) private var inputGradients = ReusableTensors()

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = outputs.fill(shape: x.shape) { py in
            x.data.withUnsafeBufferPointer { px in
                _ = slope_sigmoid_on(forcedPath?.rawValue ?? 0, px.baseAddress, py.baseAddress, px.count)
            }
        }
        self.y = y
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return inputGradients.fill(shape: y.shape) { dx in
            dout.data.withUnsafeBufferPointer { d in
                y.data.withUnsafeBufferPointer { s in
                    slope_sigmoid_backward(d.baseAddress, s.baseAddress, dx.baseAddress, dx.count)
                }
            }
        }
    }
}

/// Hyperbolic tangent.
///
/// Forward: y = tanh x. Backward: ∂L/∂x = dout · (1 − y²). Any shape.
///
/// The forward runs in C (`slope_tanh_on`): glibc's vector tanh (2.35 and later), eight or
/// four lanes at a time, or libm's scalar tanh; `ReadableTanh` is the same maths in plain Swift.
public final class Tanh: UnaryLayer, FastPathLayer {
    public let kindName = "Tanh"
    private var y: Tensor?

    /// y is written into a reused tensor (see `ReusableTensors`).
    private var outputs = ReusableTensors()

    public init() {}

    public typealias Path = VectorPath
    public var availablePaths: [Path] { VectorPath.available(slope_tanh_paths()) }
    public var forcedPath: Path?
    public func readableReference() -> any Layer { ReadableTanh() }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = outputs.fill(shape: x.shape) { py in
            x.data.withUnsafeBufferPointer { px in
                _ = slope_tanh_on(forcedPath?.rawValue ?? 0, px.baseAddress, py.baseAddress, px.count)
            }
        }
        self.y = y
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return dout.zipMap(y) { d, t in d * (1 - t * t) }
    }
}

/// The code paths of the element-wise C kernels: a scalar loop, or glibc's vector functions
/// four lanes at a time (AVX2) or eight (AVX-512).
public enum VectorPath: Int32, CaseIterable, CustomStringConvertible, Sendable {
    case scalar = 1, avx2 = 2, avx512 = 4

    public var description: String {
        switch self {
        case .scalar: "scalar"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }

    /// The paths in a `SLOPE_PATH_*` bit set.
    static func available(_ bits: Int32) -> [VectorPath] { allCases.filter { bits & $0.rawValue != 0 } }
}
