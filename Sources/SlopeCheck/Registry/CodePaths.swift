import SlopeLayers

/// The built-in layers' other code paths, each a case of the default gate, so that every
/// path training can take is one `slope verify` checked (`make coverage` measures it).
///
/// The 17 kind examples (`LayerExample`) take one path each; these take the rest: the dense
/// layer's C kernel at one output, one input, narrow and wide column blocks, and OpenBLAS;
/// the convolution's small products (one output position, k < 4) with unequal stride and
/// padding; non-square pooling windows; a broadcast scalar on either side of Mul and Add;
/// BatchNorm and Dropout in inference and with a fixed mask; a `Graph` that uses values
/// twice; a `Sequential` with a general (non-unary) stage, and a network with its loss.
/// Sizes stay small: the exhaustive gate over all of them takes a fraction of a second.
enum CodePaths {
    static let cases: [CheckCase] = [
        dense("Affine/one-output", "C kernel, one output column: dot products, wide backward blocks", n: 3, in: 11, out: 1),
        dense("Affine/one-input", "C kernel, one input feature, one block and a tail", n: 4, in: 1, out: 9),
        dense("Affine/wide", "C kernel, 45 columns: groups of four blocks, then two overlapping", n: 3, in: 5, out: 45),
        dense("Affine/wide-3", "C kernel, 36 columns: a group of three blocks, then two", n: 2, in: 2, out: 36),
        dense("Affine/wide-1", "C kernel, 40 columns: four blocks, then one", n: 2, in: 3, out: 40),
        dense("Affine/BLAS", "32·32·32 multiply-adds: OpenBLAS", n: 32, in: 32, out: 32),
        convolution(
            "Conv2D/one-position", "a single output position: the small products' one-column paths",
            x: [1, 2, 3, 3], filters: 2, kernel: (3, 3), stride: (1, 1), padding: (0, 0)),
        convolution(
            "Conv2D/uneven", "kernel 2×3, stride (1, 2), padding (0, 2): unequal in each direction, small products",
            x: [1, 2, 4, 5], filters: 2, kernel: (2, 3), stride: (1, 2), padding: (0, 2)),
        convolution(
            "Conv2D/narrow", "two output positions (k < 4 in the weight gradient's product)",
            x: [1, 1, 2, 4], filters: 3, kernel: (2, 2), stride: (1, 2), padding: (0, 0)),
        .layer("MaxPool2D/3×2", summary: "a non-square window, overlapping rows") { seed in
            (MaxPool2D(kernel: (3, 2), stride: (1, 2)), [uniform([2, 2, 5, 4], seed)])
        },
        .layer("AvgPool2D/3×2", summary: "a non-square window, overlapping rows") { seed in
            (AvgPool2D(kernel: (3, 2), stride: (1, 2)), [uniform([2, 2, 5, 4], seed)])
        },
        .layer("Mul/scalar-y", summary: "x ⊙ s: the second input a broadcast scalar") { seed in
            (Mul(), [uniform([3, 4], seed), uniform([], seed &+ 1)])
        },
        .layer("Mul/scalar-x", summary: "s ⊙ y: the first input a broadcast scalar of shape [1]") { seed in
            (Mul(), [uniform([1], seed), uniform([3, 4], seed &+ 1)])
        },
        .layer("Add/scalar-y", summary: "x + s: the second input a broadcast scalar") { seed in
            (Add(), [uniform([3, 4], seed), uniform([], seed &+ 1)])
        },
        .layer("BatchNorm/inference", summary: "running statistics from three training batches") { seed in
            let layer = BatchNorm(features: 4)
            for step in 0..<3 { _ = try layer.forward(uniform([6, 4], seed &+ UInt64(step) &+ 7)) }
            layer.isTraining = false
            perturb(layer.parameters, seed)
            return (layer, [uniform([5, 4], seed)])
        },
        .layer("Dropout/inference", summary: "the identity outside training") { seed in
            let layer = Dropout(rate: 0.4, seed: seed)
            layer.isTraining = false
            return (layer, [uniform([4, 6], seed)])
        },
        .layer("Dropout/fixed-mask", summary: "a mask given at init, as a fixture gives it") { seed in
            var rng = SeededGenerator(seed: seed ^ 0xD0)
            var mask = Tensor.zeros([4, 6])
            for i in 0..<mask.count { mask.data[i] = rng.nextUnit() < 0.6 ? 1 : 0 }
            return (Dropout(rate: 0.4, mask: mask), [uniform([4, 6], seed)])
        },
        .layer("Graph", summary: "two named inputs; a and an Affine's output each used twice; a constant") { seed in
            var rng = SeededGenerator(seed: seed ^ 0x6A)
            let graph = Graph()
            let a = graph.input("a"), b = graph.input("b")
            let h = graph.apply(Affine(inFeatures: 4, outFeatures: 4, using: &rng), a)
            let product = graph.apply(Mul(), graph.apply(Tanh(), h), h)
            let mixed = graph.apply(Add(), graph.apply(Mul(), a, b), product)
            graph.output = graph.apply(Mul(), graph.constant(Tensor(scalar: 0.75)), graph.apply(Add(), mixed, a))
            perturb(graph.parameters, seed)
            return (graph, [uniform([3, 4], seed), uniform([3, 4], seed &+ 1)])
        },
        .layer("Sequential", summary: "Affine → a one-input Graph (a general stage) → Sigmoid") { seed in
            var rng = SeededGenerator(seed: seed ^ 0x5E)
            let square = Graph()
            let v = square.input("v")
            square.output = square.apply(Mul(), v, square.apply(Tanh(), v))
            let network = Sequential([Affine(inFeatures: 3, outFeatures: 5, using: &rng), square, Sigmoid()])
            perturb(network.parameters, seed)
            return (network, [uniform([4, 3], seed)])
        },
        .network("Sequential+SoftmaxWithLoss", summary: "Affine → Tanh → Affine, the loss at one-hot targets") { seed in
            var rng = SeededGenerator(seed: seed ^ 0x5F)
            let network = Sequential(
                [
                    Affine(inFeatures: 4, outFeatures: 6, using: &rng), Tanh(),
                    Affine(inFeatures: 6, outFeatures: 3, using: &rng),
                ], loss: SoftmaxWithLoss())
            perturb(network.parameters, seed)
            var target = Tensor.zeros([5, 3])
            for row in 0..<5 { target[row, Int(rng.next() % 3)] = 1 }
            return (network, uniform([5, 4], seed), target)
        },
    ]

    private static func dense(_ name: String, _ summary: String, n: Int, in inCount: Int, out: Int) -> CheckCase {
        .layer(name, summary: summary) { seed in
            var rng = SeededGenerator(seed: seed ^ 0xAF)
            let layer = Affine(inFeatures: inCount, outFeatures: out, using: &rng)
            perturb(layer.parameters, seed)
            return (layer, [uniform([n, inCount], seed)])
        }
    }

    private static func convolution(
        _ name: String, _ summary: String, x shape: [Int], filters: Int, kernel: (Int, Int), stride: (Int, Int),
        padding: (Int, Int)
    ) -> CheckCase {
        .layer(name, summary: summary) { seed in
            var rng = SeededGenerator(seed: seed ^ 0xC2)
            let layer = Conv2D(
                inChannels: shape[1], outChannels: filters, kernel: kernel, stride: stride, padding: padding, using: &rng)
            perturb(layer.parameters, seed)
            return (layer, [uniform(shape, seed)])
        }
    }

    /// Inputs uniform in [−2, 2), drawn from the case's seed (and the shape, so two inputs differ).
    private static func uniform(_ shape: [Int], _ seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(shape.reduce(7, &*)))
        return .uniform(shape, in: -2..<2, using: &rng)
    }

    /// Moves every parameter off its initial value (zero biases, unit scales), so a backward
    /// that ignores one cannot pass by luck.
    private static func perturb(_ parameters: [Parameter], _ seed: UInt64) {
        var rng = SeededGenerator(seed: seed ^ 0xB1A5)
        for parameter in parameters { parameter.moveOffInitialValues(using: &rng) }
    }
}
