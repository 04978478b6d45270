import Testing

@testable import SlopeLayers

// x = [[1, 3, 2, 0],
//      [4, 2, 1, 5],
//      [0, 6, 7, 1],
//      [2, 1, 3, 8]]
private let image = tensor([1, 1, 4, 4], [1, 3, 2, 0, 4, 2, 1, 5, 0, 6, 7, 1, 2, 1, 3, 8])

@Suite struct MaxPool2DTests {
    @Test func twoByTwoStrideTwoByHand() throws {
        let pool = MaxPool2D(kernel: (2, 2))
        // windows {1,3,4,2} {2,0,1,5} {0,6,2,1} {7,1,3,8}
        #expect(try pool.forward(image) == tensor([1, 1, 2, 2], [4, 5, 6, 8]))
        #expect(pool.decisions == [4, 7, 9, 15])  // flat positions of the maxima
        // dout goes to each argmax
        let dx = try pool.backward(tensor([1, 1, 2, 2], [1, 2, 3, 4]))[0]
        #expect(dx == tensor([1, 1, 4, 4], [0, 0, 0, 0, 1, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 4]))
    }

    @Test func overlappingWindowsSumIntoASharedMaximum() throws {
        // [[1, 5, 2], [3, 0, 4]], kernel 2, stride 1: both windows pick the 5 at (0, 1)
        let pool = MaxPool2D(kernel: (2, 2), stride: (1, 1))
        #expect(try pool.forward(tensor([1, 1, 2, 3], [1, 5, 2, 3, 0, 4])) == tensor([1, 1, 1, 2], [5, 5]))
        #expect(try pool.backward(tensor([1, 1, 1, 2], [1, 2]))[0] == tensor([1, 1, 2, 3], [0, 3, 0, 0, 0, 0]))
    }

    @Test func tiesGoToTheFirstMaximum() throws {
        let pool = MaxPool2D(kernel: (2, 2))
        _ = try pool.forward(Tensor(shape: [1, 1, 2, 2], repeating: 2))
        #expect(try pool.backward(tensor([1, 1, 1, 1], [7]))[0] == tensor([1, 1, 2, 2], [7, 0, 0, 0]))
    }

    @Test func raggedEdgeIsDroppedAndPlanesAreIndependent() throws {
        // [N=1, C=2, 3, 3], kernel 2: one window per plane, the last row and column are not covered
        let x = Tensor(shape: [1, 2, 3, 3], data: (0..<18).map { Double(($0 * 7) % 18) })
        // plane 0: 0 7 14 / 3 10 17 / 6 13 2 → window {0, 7, 3, 10} → 10 at (1, 1)
        // plane 1: 9 16 5 / 12 1 8 / 15 4 11 → window {9, 16, 12, 1} → 16 at (0, 1)
        let pool = MaxPool2D(kernel: (2, 2))
        #expect(try pool.forward(x) == tensor([1, 2, 1, 1], [10, 16]))
        let dx = try pool.backward(tensor([1, 2, 1, 1], [1, -1]))[0]
        var expected = Tensor.zeros([1, 2, 3, 3])
        expected[0, 0, 1, 1] = 1
        expected[0, 1, 0, 1] = -1
        #expect(dx == expected)
    }

    @Test func windowLargerThanTheInputNamesTheLayerAndSizes() {
        let error = expectLayerError(mentioning: ["MaxPool2D", "[3, 3]", "[2, 2]"]) {
            _ = try MaxPool2D(kernel: (3, 3)).forward(.zeros([1, 1, 2, 2]))
        }
        #expect(error == .windowTooLarge(layer: "MaxPool2D", window: [3, 3], input: [2, 2]))
        expectLayerError(mentioning: ["MaxPool2D", "[4, 4]"]) { _ = try MaxPool2D(kernel: (2, 2)).forward(.zeros([4, 4])) }
    }

    @Test func upstreamOfTheRightCountButTheWrongShapeIsRejected() throws {
        let pool = MaxPool2D(kernel: (2, 2))
        _ = try pool.forward(image)
        expectLayerError(mentioning: ["MaxPool2D", "[1, 1, 4]", "[1, 1, 2, 2]"]) {
            _ = try pool.backward(.zeros([1, 1, 4]))
        }
        expectLayerError(mentioning: ["MaxPool2D", "[1, 1, 3, 3]", "[1, 1, 2, 2]"]) {
            _ = try pool.backward(.zeros([1, 1, 3, 3]))
        }
    }
}

@Suite struct AvgPool2DTests {
    @Test func twoByTwoStrideTwoByHand() throws {
        let pool = AvgPool2D(kernel: (2, 2))
        // means of {1,3,4,2} {2,0,1,5} {0,6,2,1} {7,1,3,8} = 10/4, 8/4, 9/4, 19/4
        #expect(try pool.forward(image) == tensor([1, 1, 2, 2], [2.5, 2, 2.25, 4.75]))
        // each window element gets dout/4: 1, 2, −1, 0.5
        let dx = try pool.backward(tensor([1, 1, 2, 2], [4, 8, -4, 2]))[0]
        #expect(dx == tensor([1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, -1, -1, 0.5, 0.5, -1, -1, 0.5, 0.5]))
    }

    @Test func overlappingWindowsSumTheirShares() throws {
        // [[1, 5, 2], [3, 0, 4]], kernel 2, stride 1: means 9/4, 11/4
        let pool = AvgPool2D(kernel: (2, 2), stride: (1, 1))
        #expect(try pool.forward(tensor([1, 1, 2, 3], [1, 5, 2, 3, 0, 4])) == tensor([1, 1, 1, 2], [2.25, 2.75]))
        // shares dout/4 = 1 and 2; the middle column is in both windows
        #expect(try pool.backward(tensor([1, 1, 1, 2], [4, 8]))[0] == tensor([1, 1, 2, 3], [1, 3, 2, 1, 3, 2]))
    }

    @Test func nonSquareKernelAndStride() throws {
        // kernel (1, 2), stride (2, 1) on a 3×3 plane 0…8: rows 0 and 2, pairs of neighbours
        let pool = AvgPool2D(kernel: (1, 2), stride: (2, 1))
        let y = try pool.forward(Tensor(shape: [1, 1, 3, 3], data: (0..<9).map(Double.init)))
        #expect(y == tensor([1, 1, 2, 2], [0.5, 1.5, 6.5, 7.5]))
    }

    @Test func windowLargerThanTheInputNamesTheLayerAndSizes() {
        expectLayerError(mentioning: ["AvgPool2D", "[2, 5]", "[4, 4]"]) {
            _ = try AvgPool2D(kernel: (2, 5)).forward(.zeros([1, 1, 4, 4]))
        }
    }

    @Test func upstreamWithTheWrongShapeIsRejected() throws {
        let pool = AvgPool2D(kernel: (2, 2))
        _ = try pool.forward(image)
        expectLayerError(mentioning: ["AvgPool2D", "[1, 1, 4]", "[1, 1, 2, 2]"]) {
            _ = try pool.backward(.zeros([1, 1, 4]))
        }
    }
}
