import Testing

@testable import SlopeLayers

@Suite struct DropoutTests {
    @Test func fixedMaskForwardAndBackwardByHand() throws {
        let layer = Dropout(rate: 0.5, mask: tensor([2, 2], [1, 0, 1, 1]))
        // y = x ⊙ m/(1 − 0.5) = 2·x ⊙ m
        #expect(try layer.forward(tensor([2, 2], [1, 2, 3, 4])) == tensor([2, 2], [2, 0, 6, 8]))
        // ∂L/∂x = 2·dout ⊙ m
        #expect(try layer.backward(tensor([2, 2], [1, 1, -1, 0.5])) == [tensor([2, 2], [2, 0, -2, 1])])
    }

    @Test func registryFixedMaskIsUsed() throws {
        let layer = try buildLayer(.dropout, ["rate": .number(0.2), "mask": .tensor(tensor([3], [0, 1, 1]))])
        // scale 1/0.8 = 1.25
        #expect(try layer.forward([tensor([3], [4, 4, -8])]) == tensor([3], [0, 5, -10]))
    }

    @Test func seededMaskKeepsAboutOneMinusRateAndScales() throws {
        let layer = Dropout(rate: 0.25, seed: 7)
        let x = Tensor(shape: [100, 100], repeating: 3)
        let y = try layer.forward(x)
        let mask = try #require(layer.mask)
        #expect(mask.shape == [100, 100] && mask.data.allSatisfy { $0 == 0 || $0 == 1 })
        // y = x ⊙ m/(1 − p) = 3·m/0.75 = 4m
        #expect(y == mask * 4)
        // 10,000 Bernoulli(0.75) draws: the kept fraction is 0.75 ± 0.0043 (1σ)
        let kept = mask.sum() / 10_000
        #expect(abs(kept - 0.75) < 0.02)
        // the mask is the generator's: element i is kept when the i-th uniform is ≥ p
        var generator = SeededGenerator(seed: 7)
        let replay = (0..<10_000).map { _ in generator.nextUnit() >= 0.25 ? 1.0 : 0.0 }
        #expect(mask.data == replay)
        // ∂L/∂x = dout ⊙ m/(1 − p)
        let dout = Tensor(shape: [100, 100], repeating: -1.5)
        #expect(try layer.backward(dout)[0] == mask * -2)
    }

    @Test func sameSeedSameMaskOtherSeedOtherMask() throws {
        let x = Tensor(shape: [8, 8], repeating: 1)
        let a = try Dropout(rate: 0.5, seed: 11).forward(x)
        #expect(try Dropout(rate: 0.5, seed: 11).forward(x) == a)
        #expect(try Dropout(rate: 0.5, seed: 12).forward(x) != a)
    }

    @Test func maskIsKeptAcrossForwardPassesUntilResample() throws {
        let layer = Dropout(rate: 0.5, seed: 3)
        let x = Tensor(shape: [8, 8], repeating: 1)
        let first = try layer.forward(x)
        #expect(try layer.forward(x) == first, "a gradient check's repeated forwards see one function")
        layer.resample()
        #expect(try layer.forward(x) != first)
    }

    @Test func inferenceIsTheIdentity() throws {
        let layer = Dropout(rate: 0.5, seed: 3)
        layer.isTraining = false
        let x = tensor([2, 2], [1, -2, 3, 4])
        #expect(try layer.forward(x) == x)
        #expect(try layer.backward(x * 2)[0] == x * 2)
    }

    @Test func rateZeroKeepsEverything() throws {
        let x = tensor([2, 2], [1, -2, 3, 4])
        #expect(try Dropout(rate: 0, seed: 1).forward(x) == x)
    }

    @Test func aFixedMaskOfAnotherShapeIsAnError() {
        let layer = Dropout(rate: 0.5, mask: tensor([2, 2], [1, 0, 1, 1]))
        expectLayerError(mentioning: ["Dropout", "[2, 2]", "[3, 2]"]) { _ = try layer.forward(.zeros([3, 2])) }
    }

    @Test func resampleKeepsAFixedMask() throws {
        let layer = Dropout(rate: 0.5, mask: tensor([4], [1, 0, 0, 1]))
        layer.resample()
        #expect(try layer.forward(tensor([4], [1, 1, 1, 1])) == tensor([4], [2, 0, 0, 2]))
    }

    @Test func inferenceStillChecksTheUpstreamShape() throws {
        let layer = Dropout(rate: 0.5, seed: 1)
        layer.isTraining = false
        _ = try layer.forward(.zeros([2, 3]))
        expectLayerError(mentioning: ["Dropout", "[3, 2]", "[2, 3]"]) { _ = try layer.backward(.zeros([3, 2])) }
    }

    @Test func backwardBeforeForwardWithAFixedMaskIsAnError() {
        let layer = Dropout(rate: 0.5, mask: tensor([2, 2], [1, 0, 1, 1]))
        let error = expectLayerError(mentioning: ["Dropout", "before forward"]) { _ = try layer.backward(.zeros([2, 2])) }
        #expect(error == .backwardBeforeForward(layer: "Dropout"))
    }

    @Test func rateOneAndNonBinaryMasksAreRejectedByTheRegistry() {
        expectLayerError(mentioning: ["Dropout", "rate", "[0, 1)", "1"]) { _ = try buildLayer(.dropout, ["rate": .number(1.0)]) }
        expectLayerError(mentioning: ["Dropout", "rate", "-0.1"]) { _ = try buildLayer(.dropout, ["rate": .number(-0.1)]) }
        expectLayerError(mentioning: ["Dropout", "mask", "0 and 1"]) {
            _ = try buildLayer(.dropout, ["rate": .number(0.5), "mask": .tensor(tensor([3], [1, 0.5, 0]))])
        }
        expectLayerError(mentioning: ["Dropout", "seed", "2.5"]) {
            _ = try buildLayer(.dropout, ["rate": .number(0.5), "seed": .number(2.5)])
        }
    }
}

@Suite struct FlattenTests {
    @Test func flattensEveryAxisAfterTheFirstAndBackwardReshapes() throws {
        let layer = Flatten()
        let x = Tensor(shape: [2, 3, 2], data: (0..<12).map(Double.init))
        let y = try layer.forward(x)
        #expect(y == Tensor(shape: [2, 6], data: x.data))
        let dout = Tensor(shape: [2, 6], data: (0..<12).map { Double($0) * -1 })
        #expect(try layer.backward(dout) == [Tensor(shape: [2, 3, 2], data: dout.data)])
    }

    @Test func aScalarIsRejectedAndAWrongUpstreamNamed() throws {
        expectLayerError(mentioning: ["Flatten", "[]"]) { _ = try Flatten().forward(Tensor(scalar: 1)) }
        let layer = Flatten()
        _ = try layer.forward(.zeros([2, 3, 2]))
        expectLayerError(mentioning: ["Flatten", "[6, 2]", "[2, 6]"]) { _ = try layer.backward(.zeros([6, 2])) }
    }
}

@Suite struct DropoutModeTests {
    @Test func backwardUsesTheModeForwardRanIn() throws {
        let layer = Dropout(rate: 0.5, mask: tensor([2], [0, 1]))
        #expect(try layer.forward(tensor([2], [3, 3])) == tensor([2], [0, 6]))
        layer.isTraining = false
        // the forward was masked, so the gradient is too: dout ⊙ m/(1 − p)
        #expect(try layer.backward(tensor([2], [1, 1]))[0] == tensor([2], [0, 2]))
    }
}

@Suite struct DropoutRegistryTests {
    @Test func aMaskThatIsNotATensorIsRejectedNotIgnored() {
        // given as a list of numbers, the mask used to be silently replaced by a seeded one
        expectLayerError(mentioning: ["Dropout", "\"mask\"", "tensor"]) {
            _ = try buildLayer(.dropout, ["rate": .number(0.5), "mask": .numbers([1, 0])])
        }
    }
}
