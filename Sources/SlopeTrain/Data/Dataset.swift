import Foundation
import SlopeLayers

/// Inputs and targets, one example per row of the first axis: x `[N, …]`, y `[N, …]`.
public struct Dataset: Sendable, Equatable {
    public let x: Tensor
    public let y: Tensor

    public init(x: Tensor, y: Tensor) {
        precondition(x.rank >= 1 && y.rank >= 1 && x.shape[0] == y.shape[0], "dataset x \(x.shape), y \(y.shape)")
        self.x = x
        self.y = y
    }

    /// The number of examples N.
    public var count: Int { x.shape[0] }

    /// The examples at `indices`, in that order, as a batch.
    public func batch(_ indices: some Collection<Int>) -> (x: Tensor, y: Tensor) {
        (Dataset.rows(of: x, at: indices), Dataset.rows(of: y, at: indices))
    }

    static func rows(of tensor: Tensor, at indices: some Collection<Int>) -> Tensor {
        let width = tensor.count / max(tensor.shape[0], 1)
        var data = [Double]()
        data.reserveCapacity(indices.count * width)
        tensor.data.withUnsafeBufferPointer { source in
            for row in indices { data.append(contentsOf: source[(row * width)..<((row + 1) * width)]) }
        }
        var shape = tensor.shape
        shape[0] = indices.count
        return Tensor(shape: shape, data: data)
    }
}

extension Dataset {
    /// The seed experiment's sine curve: x = i/100 for i = 0…199 (0, 0.01, …, 1.99),
    /// y = 20·sin(2πx); both `[200, 1]`.
    public static func sine() -> Dataset {
        let x = (0..<200).map { Double($0) / 100 }
        let y = x.map { 20 * sin(2 * Double.pi * $0) }
        return Dataset(x: Tensor(shape: [200, 1], data: x), y: Tensor(shape: [200, 1], data: y))
    }

    /// The seed's chain-network toy set: inputs 1 and −1 with labels −1 and 1 (so f(x) = −x); `[2, 1]`.
    public static func chain() -> Dataset {
        Dataset(x: Tensor(shape: [2, 1], data: [1, -1]), y: Tensor(shape: [2, 1], data: [-1, 1]))
    }

    /// The cs231n spiral: `classes` arms of `pointsPerClass` points in the plane. For arm k and
    /// i = 0…n−1: r = i/(n−1), θ = 4k + 4·i/(n−1) + 0.2·𝒩(0, 1), point (r·sin θ, r·cos θ).
    /// x `[n·classes, 2]`, y one-hot `[n·classes, classes]`, rows grouped by class.
    public static func spiral(pointsPerClass: Int = 100, classes: Int = 3, seed: UInt64 = 0) -> Dataset {
        precondition(pointsPerClass >= 2 && classes >= 1, "spiral needs ≥ 2 points per class and ≥ 1 class")
        var generator = SeededGenerator(seed: seed)
        let n = pointsPerClass
        var x = [Double](), y = [Double](repeating: 0, count: n * classes * classes)
        x.reserveCapacity(n * classes * 2)
        for k in 0..<classes {
            for i in 0..<n {
                let r = Double(i) / Double(n - 1)
                let theta = Double(4 * k) + 4 * Double(i) / Double(n - 1) + 0.2 * generator.nextNormal()
                x.append(r * sin(theta))
                x.append(r * cos(theta))
                y[(k * n + i) * classes + k] = 1
            }
        }
        return Dataset(x: Tensor(shape: [n * classes, 2], data: x), y: Tensor(shape: [n * classes, classes], data: y))
    }
}
