/// Element-wise product of two inputs.
///
/// Forward: z = x ⊙ y (equal shapes, or one of them a one-element scalar that is broadcast).
/// Backward: ∂L/∂x = dout ⊙ y, ∂L/∂y = dout ⊙ x (a broadcast scalar gets Σ of its terms).
public final class Mul: Layer {
    public let kindName = "Mul"
    public var arity: Int { 2 }
    private var x: Tensor?
    private var y: Tensor?
    private var outputShape: [Int] = []

    public init() {}

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        try requireArity(inputs)
        let (x, y) = (inputs[0], inputs[1])
        outputShape = try broadcastShape(x, y, layer: kindName)
        self.x = x
        self.y = y
        return broadcastCombine(x, y, *)
    }

    public func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let x = try cached(x), y = try cached(y)
        try requireUpstream(upstream, matches: outputShape)
        let dx = reduceToShape(broadcastCombine(upstream, y, *), x.shape)
        let dy = reduceToShape(broadcastCombine(upstream, x, *), y.shape)
        return [dx, dy]
    }
}

/// Element-wise sum of two inputs.
///
/// Forward: z = x + y (equal shapes, or a broadcast one-element scalar).
/// Backward: ∂L/∂x = dout, ∂L/∂y = dout (a broadcast scalar gets Σ dout).
public final class Add: Layer {
    public let kindName = "Add"
    public var arity: Int { 2 }
    private var shapes: [[Int]]?
    private var outputShape: [Int] = []

    public init() {}

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        try requireArity(inputs)
        outputShape = try broadcastShape(inputs[0], inputs[1], layer: kindName)
        shapes = [inputs[0].shape, inputs[1].shape]
        return broadcastCombine(inputs[0], inputs[1], +)
    }

    public func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let shapes = try cached(shapes)
        try requireUpstream(upstream, matches: outputShape)
        return shapes.map { reduceToShape(upstream, $0) }
    }
}

/// The shape of a two-input element-wise result: equal shapes, or a scalar broadcast.
func broadcastShape(_ x: Tensor, _ y: Tensor, layer: String) throws(LayerError) -> [Int] {
    if x.shape == y.shape { return x.shape }
    if y.count == 1 && y.rank <= x.rank { return x.shape }
    if x.count == 1 && x.rank <= y.rank { return y.shape }
    throw .shapeMismatch(layer: layer, expected: "equal shapes or a one-element scalar", actual: [x.shape, y.shape])
}

func broadcastCombine(_ x: Tensor, _ y: Tensor, _ op: (Double, Double) -> Double) -> Tensor {
    if x.shape == y.shape { return x.zipMap(y, op) }
    if y.count == 1 && y.rank <= x.rank { let s = y.data[0]; return x.map { op($0, s) } }
    let s = x.data[0]
    return y.map { op(s, $0) }
}

/// Sums a gradient back to the shape of a broadcast input.
func reduceToShape(_ gradient: Tensor, _ shape: [Int]) -> Tensor {
    if gradient.shape == shape { return gradient }
    return Tensor(shape: shape, data: [gradient.sum()])
}
