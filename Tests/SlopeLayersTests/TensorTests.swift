import SlopeTestSupport
import Testing

@testable import SlopeLayers

@Suite struct TensorTests {
    let a = tensor([2, 2], [1, 2, 3, 4])
    let b = tensor([2, 2], [5, -6, 0.5, 8])

    @Test func elementWiseOperators() {
        #expect((a + b).data == [6, -4, 3.5, 12])
        #expect((a - b).data == [-4, 8, 2.5, -4])
        #expect((a * b).data == [5, -12, 1.5, 32])
        #expect((a / b).data == [0.2, -1.0 / 3, 6, 0.5])
        #expect((a * 2).data == [2, 4, 6, 8])
        #expect((3 * a).data == [3, 6, 9, 12])
        #expect((a + 1).data == [2, 3, 4, 5])
        #expect((a - 1).data == [0, 1, 2, 3])
        #expect((-a).data == [-1, -2, -3, -4])
        #expect((a + b).shape == [2, 2])
    }

    @Test func addInPlaceScaledAndPlusEquals() {
        var c = a
        c.add(b, scaledBy: 2)  // a + 2b
        #expect(c.data == [11, -10, 4, 20])
        c += a
        #expect(c.data == [12, -8, 7, 24])
        #expect(a.data == [1, 2, 3, 4], "value semantics: a is untouched")
    }

    @Test func addingRowBroadcastsTheBiasOverRows() {
        let x = tensor([3, 2], [1, 2, 3, 4, 5, 6])
        let y = x.addingRow(tensor([2], [10, -1]))
        #expect(y == tensor([3, 2], [11, 1, 13, 3, 15, 5]))
    }

    // x[i, j, k] = 12i + 4j + k for shape [2, 3, 4] (the data 0..<24).
    let cube = Tensor(shape: [2, 3, 4], data: (0..<24).map(Double.init))

    @Test func sumOverAxis0OfA3DTensor() {
        // Σᵢ (12i + 4j + k) = 2(4j + k) + 12
        let values: [Double] = (0..<12).map { (flat: Int) -> Double in
            let (j, k) = (flat / 4, flat % 4)
            return Double(2 * (4 * j + k) + 12)
        }
        let expected = Tensor(shape: [3, 4], data: values)
        #expect(cube.sum(axis: 0) == expected)
    }

    @Test func sumOverAxis1OfA3DTensor() {
        // Σⱼ (12i + 4j + k) = 3(12i + k) + 4·(0+1+2) = 36i + 3k + 12
        let values: [Double] = (0..<8).map { (flat: Int) -> Double in
            let (i, k) = (flat / 4, flat % 4)
            return Double(36 * i + 3 * k + 12)
        }
        let expected = Tensor(shape: [2, 4], data: values)
        #expect(cube.sum(axis: 1) == expected)
    }

    @Test func sumOverAxis2OfA3DTensor() {
        // Σₖ (12i + 4j + k) = 4(12i + 4j) + 6 = 48i + 16j + 6
        let values: [Double] = (0..<6).map { (flat: Int) -> Double in
            let (i, j) = (flat / 3, flat % 3)
            return Double(48 * i + 16 * j + 6)
        }
        let expected = Tensor(shape: [2, 3], data: values)
        #expect(cube.sum(axis: 2) == expected)
        #expect(cube.sum() == 276)  // 0 + 1 + … + 23
    }

    @Test func transposedSwapsRowsAndColumns() {
        let x = tensor([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(x.transposed() == tensor([3, 2], [1, 4, 2, 5, 3, 6]))
        #expect(x.transposed().transposed() == x)
    }

    @Test func matmulOfTwoByTwoByHand() {
        let p = tensor([2, 2], [5, 6, 7, 8])
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[5+14, 6+16], [15+28, 18+32]]
        #expect(Tensor.matmul(a, p) == tensor([2, 2], [19, 22, 43, 50]))
        // Aᵀ·P = [[1,3],[2,4]]·P = [[5+21, 6+24], [10+28, 12+32]]
        #expect(Tensor.matmul(a, p, transposeA: true) == tensor([2, 2], [26, 30, 38, 44]))
        // A·Pᵀ = [[1,2],[3,4]]·[[5,7],[6,8]] = [[5+12, 7+16], [15+24, 21+32]]
        #expect(Tensor.matmul(a, p, transposeB: true) == tensor([2, 2], [17, 23, 39, 53]))
        // Aᵀ·Pᵀ = (P·A)ᵀ; P·A = [[5+18, 10+24], [7+24, 14+32]] = [[23, 34], [31, 46]]
        #expect(Tensor.matmul(a, p, transposeA: true, transposeB: true) == tensor([2, 2], [23, 31, 34, 46]))
    }

    @Test func matmulOfRectangularMatricesByHand() {
        // [1×3]·[3×2]: [1, 2, 3]·[[1, 0], [0, 1], [1, -1]] = [1 + 3, 2 − 3]
        let row = tensor([1, 3], [1, 2, 3])
        let w = tensor([3, 2], [1, 0, 0, 1, 1, -1])
        #expect(Tensor.matmul(row, w) == tensor([1, 2], [4, -1]))
        // wᵀ·rowᵀ: [2×3]·[3×1] = the same numbers as a column
        #expect(Tensor.matmul(w, row, transposeA: true, transposeB: true) == tensor([2, 1], [4, -1]))
    }

    /// C = op(A)·op(B) by the textbook triple loop.
    static func naiveProduct(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        let opA = transposeA ? a.transposed() : a
        let opB = transposeB ? b.transposed() : b
        let (m, k, n) = (opA.shape[0], opA.shape[1], opB.shape[1])
        var c = Tensor.zeros([m, n])
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k { total += opA[i, p] * opB[p, j] }
                c[i, j] = total
            }
        }
        return c
    }

    static let transposeCombinations = [(false, false), (true, false), (false, true), (true, true)]

    /// Operands stored so that op(A) is [m, k] and op(B) is [k, n].
    static func operands(m: Int, k: Int, n: Int, transposeA: Bool, transposeB: Bool, seed: UInt64) -> (Tensor, Tensor) {
        var generator = SeededGenerator(seed: seed)
        let a = Tensor.uniform(transposeA ? [k, m] : [m, k], using: &generator)
        let b = Tensor.uniform(transposeB ? [n, k] : [k, n], using: &generator)
        return (a, b)
    }

    @Test(arguments: transposeCombinations)
    func matmulBelowTheBLASThresholdMatchesTheTripleLoop(transposeA: Bool, transposeB: Bool) {
        let (m, k, n) = (5, 3, 4)  // 60 multiply-adds: the loop path
        #expect(m * n * k < Tensor.blasThreshold)
        let (x, y) = Self.operands(m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, seed: 7)
        let c = Tensor.matmul(x, y, transposeA: transposeA, transposeB: transposeB)
        #expect(isClose(c, Self.naiveProduct(x, y, transposeA: transposeA, transposeB: transposeB)))
    }

    @Test(arguments: transposeCombinations)
    func matmulAboveTheBLASThresholdMatchesTheTripleLoop(transposeA: Bool, transposeB: Bool) {
        let (m, k, n) = (37, 29, 41)  // 43,993 multiply-adds: the OpenBLAS path; m, k, n all differ
        #expect(m * n * k >= Tensor.blasThreshold)
        let (x, y) = Self.operands(m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, seed: 8)
        let c = Tensor.matmul(x, y, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == [m, n])
        #expect(isClose(c, Self.naiveProduct(x, y, transposeA: transposeA, transposeB: transposeB), rtol: 1e-12, atol: 1e-12))
    }

    @Test(arguments: transposeCombinations, [false, true])
    func rawKernelAgreesOnBothPathsAndAccumulates(transposes: (Bool, Bool), forceBLAS: Bool) {
        let (transposeA, transposeB) = transposes
        let (m, k, n) = (6, 7, 5)
        let (x, y) = Self.operands(m: m, k: k, n: n, transposeA: transposeA, transposeB: transposeB, seed: 9)
        let product = Self.naiveProduct(x, y, transposeA: transposeA, transposeB: transposeB)
        let start = Tensor(shape: [m, n], data: (0..<(m * n)).map { Double($0) / 8 })
        for accumulate in [false, true] {
            var c = start
            x.data.withUnsafeBufferPointer { pa in
                y.data.withUnsafeBufferPointer { pb in
                    c.data.withUnsafeMutableBufferPointer { pc in
                        Tensor.gemm(
                            m: m, n: n, k: k, a: pa.baseAddress!, lda: x.shape[1], transposeA: transposeA,
                            b: pb.baseAddress!, ldb: y.shape[1], transposeB: transposeB,
                            c: pc.baseAddress!, accumulate: accumulate, forceBLAS: forceBLAS)
                    }
                }
            }
            // accumulate: C ← C + op(A)·op(B); otherwise C ← op(A)·op(B) (the old C is ignored)
            #expect(isClose(c, accumulate ? start + product : product))
        }
    }

    @Test(arguments: [false, true])
    func gemmIntoAccumulatesOnBothSidesOfTheThreshold(large: Bool) {
        let (m, k, n) = large ? (40, 32, 33) : (2, 3, 2)
        let (x, y) = Self.operands(m: m, k: k, n: n, transposeA: false, transposeB: false, seed: 10)
        var c = Tensor(shape: [m, n], repeating: 1.5)
        Tensor.gemm(x, y, into: &c, accumulate: true)
        #expect(isClose(c, Self.naiveProduct(x, y, transposeA: false, transposeB: false) + 1.5))
        Tensor.gemm(x, y, into: &c, accumulate: false)
        #expect(isClose(c, Self.naiveProduct(x, y, transposeA: false, transposeB: false)))
    }

    @Test func emptyInnerDimensionGivesZerosOrKeepsC() {
        var c = Tensor(shape: [2, 2], repeating: 3)
        Tensor.gemm(Tensor.zeros([2, 0]), Tensor.zeros([0, 2]), into: &c, accumulate: true)
        #expect(c.data == [3, 3, 3, 3])
        #expect(Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 2])) == .zeros([2, 2]))
    }

    @Test func validatingShapeAcceptsMatchingData() throws {
        let t = try Tensor(validatingShape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3] && t[1, 2] == 6)
        #expect(try Tensor(validatingShape: [], data: [7]).scalar == 7)
    }

    @Test func validatingShapeRejectsANegativeExtent() {
        let error = #expect(throws: TensorError.self) { try Tensor(validatingShape: [2, -1], data: []) }
        #expect(error == .negativeExtent(shape: [2, -1], extent: -1))
        #expect(error?.description == "shape [2, -1] has a negative extent -1")
    }

    @Test func validatingShapeRejectsALengthMismatch() {
        let error = #expect(throws: TensorError.self) { try Tensor(validatingShape: [2, 3], data: [1, 2, 3, 4, 5]) }
        #expect(error == .dataLengthMismatch(shape: [2, 3], expected: 6, actual: 5))
        #expect(error?.description == "shape [2, 3] needs 6 values but the data has 5")
        // a scalar needs exactly one value
        #expect(throws: TensorError.dataLengthMismatch(shape: [], expected: 1, actual: 0)) {
            try Tensor(validatingShape: [], data: [])
        }
    }

    @Test(arguments: [[1 << 14, 1 << 14], [Int.max, 2], [1 << 40, 1 << 40, 1 << 40]])
    func validatingShapeRejectsTooLargeShapes(shape: [Int]) {
        let error = #expect(throws: TensorError.self) { try Tensor(validatingShape: shape, data: [1]) }
        #expect(error == .tooLarge(shape: shape, limit: Tensor.maximumElementCount))
        #expect(error?.description.contains("\(shape)") == true)
        #expect(error?.description.contains("limit of 134217728 elements") == true)
    }

    @Test func indexingStridesAndReshape() {
        #expect(cube.strides == [12, 4, 1])
        #expect(cube[1, 2, 3] == 23)
        #expect(cube.index(ofFlat: 17) == [1, 1, 1])
        let flat = cube.reshaped([6, 4])
        #expect(flat.shape == [6, 4] && flat[5, 3] == 23)
        var t = Tensor.zeros([2, 2])
        t[1, 0] = 9
        #expect(t.data == [0, 0, 9, 0])
    }

    @Test func reductionsAndNorms() {
        #expect(a.dot(b) == 5 - 12 + 1.5 + 32)
        #expect(tensor([2], [3, -4]).norm == 5)
        #expect(b.maxMagnitude == 8)
        #expect(Tensor.zeros([0]).maxMagnitude == 0)
        #expect(a.isFinite)
        #expect(!tensor([2], [1, .nan]).isFinite)
        #expect(!tensor([2], [1, -.infinity]).isFinite)
    }

    @Test func descriptionShowsShapeAndTheFirstValues() {
        #expect(tensor([2], [0.5, -3]).description == "Tensor[2](0.5, -3)")
        #expect(cube.description == "Tensor[2, 3, 4](0, 1, 2, 3, 4, 5, 6, 7, …)")
        #expect(formatNumber(.nan) == "nan" && formatNumber(-.infinity) == "-inf")
        #expect(formatNumber(-3.25e-7) == "-3.25e-07")
        #expect(formatNumber(1e-5) == "1e-05" && formatNumber(0.30000000000000004) == "0.3")
    }

    @Test func uniformIsSeededAndInRange() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42), g3 = SeededGenerator(seed: 43)
        let x = Tensor.uniform([100], in: 2..<3, using: &g1)
        #expect(x == Tensor.uniform([100], in: 2..<3, using: &g2))
        #expect(x != Tensor.uniform([100], in: 2..<3, using: &g3))
        #expect(x.data.allSatisfy { $0 >= 2 && $0 < 3 })
    }

    /// `copied()` gives the same bits (−0 and a NaN's payload too) in storage of its own, which
    /// the invariants rely on to see a layer writing into what it was given; `map` and
    /// `zipMap` write each result once into new storage.
    @Test func aCopyHasTheSameBitsInStorageOfItsOwn() {
        let original = Tensor(shape: [2, 2], data: [-0.0, Double(nan: 7, signaling: false), 1e-300, -3])
        var copy = original.copied()
        #expect(copy.shape == original.shape)
        #expect(copy.data.map(\.bitPattern) == original.data.map(\.bitPattern))
        let distinct = copy.data.withUnsafeBufferPointer { c in
            original.data.withUnsafeBufferPointer { c.baseAddress != $0.baseAddress }
        }
        #expect(distinct)
        copy.data[0] = 5
        #expect(original.data[0].bitPattern == (-0.0).bitPattern)
        #expect(original.map { $0 * 2 }.data.map(\.bitPattern) == original.data.map { ($0 * 2).bitPattern })
        #expect(original.zipMap(original, -).data[3] == 0)
    }
}
