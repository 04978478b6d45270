import SlopeLayers

/// One axis of a footprint: output axis `output` of element i's footprint is restricted to
/// the coordinates within `radius` of element i's coordinate on input axis `input`.
public struct AxisLink: Sendable, Codable, Equatable {
    public var input: Int
    public var output: Int
    public var radius: Int

    public init(input: Int, output: Int, radius: Int = 0) {
        self.input = input
        self.output = output
        self.radius = radius
    }
}

/// A layer that says which outputs each element of a tensor can move. The declaration is only
/// a hint: it replaces the probes' proposal and is proven by the same passes and spot checks,
/// so a wrong one costs a fallback to one element at a time, never a wrong verdict.
public protocol DeclaresFootprints: Layer {
    /// The links of `tensor`'s footprint (input axis → output axis within a radius), or nil to
    /// let the probes find them.
    func footprint(of tensor: ProbedTensorID, shape: [Int], outputShape: [Int]) -> [AxisLink]?
}

/// Which outputs each element of a tensor can move: its footprint.
///
/// For element i with multi-index (i₀, i₁, …), the footprint F(i) is every output o with
/// |o[b] − i[a]| ≤ r for each link (a → b, r); output axes without a link are unrestricted.
/// Elementwise is every axis linked to itself with r = 0; batch rows is (0 → 0, 0); a
/// parameter reaching one output column is (its axis → the output's last axis, 0); a
/// stride-1 convolution's input adds (h → h, 1), (w → w, 1).
///
/// Elements of one colour have disjoint footprints: the colour of i is its coordinate on every
/// input axis without a link, and i[a] mod (2r + 1) on every linked axis a (mod the axis
/// length when that is shorter). Two elements of a colour agree on every free axis, so they
/// differ on a linked one, by a multiple of 2r + 1: their windows on that output axis are
/// disjoint. Each output therefore has at most one owner in a colour.
public struct Footprint: Sendable, Codable, Equatable, CustomStringConvertible {
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var links: [AxisLink]

    /// Why these links cannot describe a footprint (axes out of range or of unequal length, an
    /// axis linked twice), or nil when they can.
    var malformation: String? {
        var inputs = Set<Int>(), outputs = Set<Int>()
        for link in links {
            guard inputShape.indices.contains(link.input), outputShape.indices.contains(link.output) else {
                return "link \(link.input) → \(link.output) names an axis the shapes \(inputShape) → \(outputShape) do not have"
            }
            guard inputShape[link.input] == outputShape[link.output], link.radius >= 0 else {
                return
                    "link \(link.input) → \(link.output) joins axes of lengths \(inputShape[link.input]) and \(outputShape[link.output])"
            }
            guard inputs.insert(link.input).inserted, outputs.insert(link.output).inserted else {
                return "an axis is linked twice"
            }
        }
        return nil
    }

    /// Per input axis: the link on it, if any.
    private var linkOfInput: [Int?] {
        var result = [Int?](repeating: nil, count: inputShape.count)
        for (k, link) in links.enumerated() { result[link.input] = k }
        return result
    }

    /// The number of values the colour digit of input axis a takes.
    private func radix(_ axis: Int, _ linkOfInput: [Int?]) -> Int {
        guard let k = linkOfInput[axis] else { return inputShape[axis] }
        return min(2 * links[k].radius + 1, inputShape[axis])
    }

    /// The number of colours (grouped pass pairs) the tensor needs.
    public var colours: Int {
        let linked = linkOfInput
        return inputShape.indices.reduce(1) { $0 * radix($1, linked) }
    }

    /// The colour of every element, in flat order.
    func colourOfEveryElement() -> [Int] {
        let linked = linkOfInput
        let count = Tensor.count(of: inputShape)
        var colours = [Int](repeating: 0, count: count)
        // One colour (elementwise, say): every element's is 0.
        guard self.colours > 1 else { return colours }
        let radices = inputShape.indices.map { radix($0, linked) }
        var index = [Int](repeating: 0, count: inputShape.count)
        for flat in 0..<count {
            var colour = 0
            for axis in inputShape.indices {
                let r = radices[axis]
                colour = colour * r + index[axis] % r
            }
            colours[flat] = colour
            // Advance the row-major multi-index.
            var axis = inputShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < inputShape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return colours
    }

    /// Every output's coordinate on each link's output axis (computed once per tensor).
    func linkedOutputCoordinates() -> [[Int32]] {
        let outStrides = Tensor.strides(of: outputShape)
        let count = Tensor.count(of: outputShape)
        return links.map { link in
            (0..<count).map { Int32(($0 / outStrides[link.output]) % outputShape[link.output]) }
        }
    }

    /// Finds, for every output, its owner among the elements of `colour` (or -1: no owner).
    /// `coordinates` is `linkedOutputCoordinates()`.
    func owners(ofColour colour: Int, coordinates: [[Int32]]? = nil) -> [Int32] {
        let linked = linkOfInput
        let inStrides = Tensor.strides(of: inputShape)
        let coordinates = coordinates ?? linkedOutputCoordinates()
        // The colour's digit on each input axis.
        var digits = [Int](repeating: 0, count: inputShape.count)
        var rest = colour
        for axis in inputShape.indices.reversed() {
            let r = radix(axis, linked)
            digits[axis] = rest % r
            rest /= r
        }
        var base = 0
        for axis in inputShape.indices where linked[axis] == nil { base += digits[axis] * inStrides[axis] }
        let count = Tensor.count(of: outputShape)
        // Per link, per output coordinate: the owner's offset along the link's input axis — the
        // one coordinate within the radius that has the colour's digit — or -1 when none has.
        let offsets: [[Int32]] = links.map { link in
            let (modulus, digit) = (radix(link.input, linked), digits[link.input])
            let (extent, radius) = (outputShape[link.output], link.radius)
            let (limit, stride) = (inputShape[link.input], inStrides[link.input])
            return [Int32](unsafeUninitializedCapacity: extent) { table, written in
                for coordinate in 0..<extent {
                    let lower = max(coordinate - radius, 0)
                    let candidate = lower + ((digit - lower) % modulus + modulus) % modulus
                    table[coordinate] = candidate <= coordinate + radius && candidate < limit ? Int32(candidate * stride) : -1
                }
                written = extent
            }
        }
        // Link by link over every output (each link's table and coordinates read through one
        // buffer, not an array of arrays per output): an output none of whose candidates exists
        // on some link has no owner (-1, which no sum of offsets from `base` ≥ 0 can be; a
        // tensor's elements, at most 2²⁷, fit in Int32).
        var owners = [Int32](repeating: Int32(base), count: count)
        owners.withUnsafeMutableBufferPointer { owners in
            for k in offsets.indices {
                offsets[k].withUnsafeBufferPointer { table in
                    coordinates[k].withUnsafeBufferPointer { coordinate in
                        for o in 0..<count where owners[o] >= 0 {
                            let offset = table[Int(coordinate[o])]
                            owners[o] = offset < 0 ? -1 : owners[o] &+ offset
                        }
                    }
                }
            }
        }
        return owners
    }

    /// Whether output `o` lies in the footprint of element `element` (for tests and spot checks).
    func contains(output o: Int, of element: Int) -> Bool {
        let index = Tensor.index(ofFlat: element, in: inputShape)
        let out = Tensor.index(ofFlat: o, in: outputShape)
        return links.allSatisfy { abs(out[$0.output] - index[$0.input]) <= $0.radius }
    }

    /// Every axis linked to itself with radius 0, between equal shapes: F(i) = {i}.
    public var isElementwise: Bool {
        inputShape == outputShape && links.count == inputShape.count
            && links.allSatisfy { $0.input == $0.output && $0.radius == 0 }
    }

    public var description: String {
        if links.isEmpty { return "no structure (every output)" }
        if isElementwise { return "elementwise" }
        let parts = links.map { link in
            link.radius == 0
                ? "axis \(link.input) → output axis \(link.output)"
                : "axis \(link.input) → output axis \(link.output) ± \(link.radius)"
        }
        return parts.joined(separator: ", ")
    }
}
