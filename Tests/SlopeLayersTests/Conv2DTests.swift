import Testing

@testable import SlopeLayers

@Suite struct Conv2DTests {
    @Test func singleChannelStrideOneByHand() throws {
        // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], W = [[1, 2], [3, 4]], b = 0.5
        let layer = Conv2D(weight: tensor([1, 1, 2, 2], [1, 2, 3, 4]), bias: tensor([1], [0.5]))
        let x = Tensor(shape: [1, 1, 3, 3], data: (1...9).map(Double.init))
        // y[p, q] = x[p, q] + 2x[p, q+1] + 3x[p+1, q] + 4x[p+1, q+1] + 0.5
        //   y[0, 0] = 1 + 4 + 12 + 20 + 0.5 = 37.5; each step right adds 1+2+3+4 = 10, each step down 30
        #expect(try layer.forward(x) == tensor([1, 1, 2, 2], [37.5, 47.5, 67.5, 77.5]))
        // dout = [[1, 0], [−1, 2]]
        let dx = try layer.backward(tensor([1, 1, 2, 2], [1, 0, -1, 2]))[0]
        // ∂L/∂x[i, j] = Σ_{p,q} dout[p, q]·W[i−p, j−q] (the full correlation with the flipped kernel):
        //   row 0: [1·1, 1·2, 0] ; row 1: [1·3 − 1·1, 1·4 + 2·1 − 1·2, 2·2] ; row 2: [−1·3, −1·4 + 2·3, 2·4]
        #expect(dx == tensor([1, 1, 3, 3], [1, 2, 0, 2, 4, 4, -3, 2, 8]))
        // ∂L/∂W[a, b] = Σ dout[p, q]·x[p+a, q+b]: W00 = 1·1 − 1·4 + 2·5 = 7, W01 = 2 − 5 + 12 = 9,
        //   W10 = 4 − 7 + 16 = 13, W11 = 5 − 8 + 18 = 15; ∂L/∂b = Σ dout = 2
        #expect(layer.W.gradient == tensor([1, 1, 2, 2], [7, 9, 13, 15]))
        #expect(layer.b.gradient == tensor([1], [2]))
    }

    // Two input and two output channels, a 3×3 kernel, stride 2, padding 1 on a 4×4 image:
    // Ho = Wo = (4 + 2 − 3)/2 + 1 = 2. x = (k − 10)/4 for k = 0..<32, W = ((k mod 5) − 2)/2 for
    // k = 0..<36, b = [1, −1]. Every number is a multiple of 1/8, so the results are exact in
    // Double. Reference by a naive 7-deep loop over the zero-padded input (python3/numpy):
    //   y[n,o,p,q] = b[o] + Σ_c,i,j W[o,c,i,j]·xpad[n,c,2p+i,2q+j]
    //   dxpad[n,c,2p+i,2q+j] += dout[n,o,p,q]·W[o,c,i,j];  dW[o,c,i,j] += dout[n,o,p,q]·xpad[n,c,2p+i,2q+j]
    func strideTwoPaddingOneLayer() -> (Conv2D, Tensor) {
        let w = Tensor(shape: [2, 2, 3, 3], data: (0..<36).map { Double($0 % 5 - 2) / 2 })
        let layer = Conv2D(weight: w, bias: tensor([2], [1, -1]), stride: (2, 2), padding: (1, 1))
        let x = Tensor(shape: [1, 2, 4, 4], data: (0..<32).map { Double($0 - 10) / 4 })
        return (layer, x)
    }

    @Test func twoChannelsStrideTwoPaddingOneForward() throws {
        let (layer, x) = strideTwoPaddingOneLayer()
        let y = try layer.forward(x)
        // e.g. y[0,0,0,0] = 1 + Σ over the 2×2 un-padded corner of each channel
        //   = 1 + (W[0,0,1,1]·x[0,0,0,0] + W[0,0,1,2]·x[0,0,0,1] + W[0,0,2,1]·x[0,0,1,0] + W[0,0,2,2]·x[0,0,1,1]) + (channel 1)
        #expect(y == tensor([1, 2, 2, 2], [1.375, -1.125, 1.25, -0.25, -1.0, -2.25, -0.25, -1.375]))
    }

    @Test func twoChannelsStrideTwoPaddingOneBackward() throws {
        let (layer, x) = strideTwoPaddingOneLayer()
        _ = try layer.forward(x)
        let dout = tensor([1, 2, 2, 2], [1, -1, 2, 0.5, 0, 1, -2, 3])
        let dx = try layer.backward(dout)[0]
        let expectedDx: [Double] = [
            1.0, -2.0, -1.0, 1.5, -3.0, 5.0, 1.75, -4.0, 2.0, -4.25, 0.5, 1.0, 2.0, 4.75, -3.0, -1.25,
            0.5, 0.0, -1.0, -1.0, -3.5, -1.0, 2.5, 1.75, 2.0, -1.0, -1.25, 0.5, -3.0, 3.0, 2.75, -3.0,
        ]
        #expect(dx == tensor([1, 2, 4, 4], expectedDx))
        let expectedDW: [Double] = [
            -0.625, -3.5, -2.875, 2.125, -1.5, -0.875, 1.625, 1.0, 1.625,
            1.375, 6.5, 7.125, 0.125, 8.5, 9.125, -0.375, 11.0, 11.625,
            -3.75, 0.0, 0.25, -3.0, -1.0, -0.5, 1.0, 1.0, 1.5,
            8.25, 4.0, 4.25, 13.0, 7.0, 7.5, 17.0, 9.0, 9.5,
        ]
        #expect(layer.W.gradient == tensor([2, 2, 3, 3], expectedDW))
        // ∂L/∂b[o] = Σ dout over the o-th output plane: 1 − 1 + 2 + 0.5, 0 + 1 − 2 + 3
        #expect(layer.b.gradient == tensor([2], [2.5, 2]))
    }

    @Test func batchImagesAreIndependent() throws {
        // Two copies of one image in a batch give two copies of its output and twice its dW.
        let (single, x) = strideTwoPaddingOneLayer()
        let (batched, _) = strideTwoPaddingOneLayer()
        let y1 = try single.forward(x)
        let y2 = try batched.forward(Tensor(shape: [2, 2, 4, 4], data: x.data + x.data))
        #expect(y2.data == y1.data + y1.data)
        let d = Tensor(shape: y1.shape, data: (0..<8).map { Double($0) - 3 })
        let dx1 = try single.backward(d)[0]
        let dx2 = try batched.backward(Tensor(shape: [2, 2, 2, 2], data: d.data + d.data))[0]
        #expect(dx2.data == dx1.data + dx1.data)
        #expect(batched.W.gradient == single.W.gradient * 2)
    }

    @Test func wrongChannelsNameTheLayerAndShape() {
        let (layer, _) = strideTwoPaddingOneLayer()
        expectLayerError(mentioning: ["Conv2D", "[1, 3, 4, 4]", "[N, 2, H, W]"]) {
            _ = try layer.forward(.zeros([1, 3, 4, 4]))
        }
        expectLayerError(mentioning: ["Conv2D", "[2, 4, 4]"]) { _ = try layer.forward(.zeros([2, 4, 4])) }
    }

    @Test func aKernelLargerThanThePaddedInputIsRejected() throws {
        let layer = Conv2D(weight: .zeros([1, 1, 3, 3]), bias: .zeros([1]))
        let error = expectLayerError(mentioning: ["Conv2D", "[3, 3]", "[2, 2]"]) {
            _ = try layer.forward(.zeros([1, 1, 2, 2]))
        }
        #expect(error == .windowTooLarge(layer: "Conv2D", window: [3, 3], input: [2, 2]))
        // with padding 1 the padded input is 4×4 and the same kernel fits
        let padded = Conv2D(weight: .zeros([1, 1, 3, 3]), bias: .zeros([1]), padding: (1, 1))
        #expect(try padded.forward(.zeros([1, 1, 2, 2])).shape == [1, 1, 2, 2])
    }
}

/// im2col copies spans and col2im adds them back without a test per entry: both against the
/// formula entry by entry, over kernels, strides and paddings where the span is empty, whole,
/// cut at either side, or the padding exceeds the kernel.
@Suite struct ConvolutionGeometryTests {
    static var geometries: [ConvolutionGeometry] {
        var all: [ConvolutionGeometry] = []
        for (height, width) in [(1, 1), (3, 5), (6, 4)] {
            for kernel in [(1, 1), (2, 3), (3, 3)] {
                for stride in [(1, 1), (2, 1), (1, 3)] {
                    for padding in [(0, 0), (1, 2), (3, 4)] {
                        let geometry = ConvolutionGeometry(
                            channels: 2, height: height, width: width, kernel: kernel, stride: stride, padding: padding)
                        if geometry.outHeight > 0 && geometry.outWidth > 0 { all.append(geometry) }
                    }
                }
            }
        }
        return all
    }

    @Test func im2colAndCol2imFollowTheirFormula() {
        var checked = 0
        for g in Self.geometries {
            let x = (0..<(g.channels * g.height * g.width)).map { Double($0) + 0.5 }
            var cols = [Double](repeating: .nan, count: g.columnRows * g.columnCount)
            x.withUnsafeBufferPointer { x in
                cols.withUnsafeMutableBufferPointer { g.im2col(x.baseAddress!, into: $0.baseAddress!) }
            }
            var expected = [Double](repeating: 0, count: cols.count)
            var back = [Double](repeating: 0, count: x.count)
            var row = 0
            for c in 0..<g.channels {
                for i in 0..<g.kernel.0 {
                    for j in 0..<g.kernel.1 {
                        for p in 0..<g.outHeight {
                            for q in 0..<g.outWidth {
                                let (h, w) = (p * g.stride.0 + i - g.padding.0, q * g.stride.1 + j - g.padding.1)
                                let inside = h >= 0 && h < g.height && w >= 0 && w < g.width
                                let entry = row * g.columnCount + p * g.outWidth + q
                                expected[entry] = inside ? x[(c * g.height + h) * g.width + w] : 0
                                if inside { back[(c * g.height + h) * g.width + w] += cols[entry] }
                            }
                        }
                        row += 1
                    }
                }
            }
            #expect(cols == expected, "im2col, \(g)")
            var added = [Double](repeating: 0, count: x.count)
            cols.withUnsafeBufferPointer { cols in
                added.withUnsafeMutableBufferPointer { g.col2im(cols.baseAddress!, into: $0.baseAddress!) }
            }
            #expect(added == back, "col2im, \(g)")
            checked += 1
        }
        #expect(checked > 50)
    }
}
