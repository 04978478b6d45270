import SlopeLayers

extension TensorReport {
    /// A tensor's report from its differences, in one pass over the outcomes: a million
    /// elements copied into a filtered or mapped array per figure cost half a second (issue 24).
    /// Only the elements a report names (the worst, the failures, the first inconclusive) become
    /// ``ElementResult`` values.
    init(
        summarizing differences: TensorDifferences, of tensor: ProbedTensorID, shape: [Int], upstream: Tensor,
        check: GradientCheck
    ) {
        let outcomes = differences.outcomes
        let elementCount = Tensor.count(of: shape)
        var failures: [Int] = []
        var largest: Int?
        var verdict = Verdict.pass
        var census = ErrorCensus()
        var bins = census.counts
        var inconclusiveCount = 0, kinkCount = 0
        var firstInconclusive: Int?
        // The largest absolute error (the worst element's), relative error and resolution, as
        // Sequence.max() finds them: the first of equal largest values, a NaN never replacing
        // one (plain variables from the first outcome on, not optionals: a million elements).
        var largestError = 0.0, maxRelativeError = 0.0, resolution = 0.0
        outcomes.forEachEssentials { i, outcome in
            let absolute = outcome.absoluteError
            let relative = relativeError(outcome.analytic, outcome.numeric)
            switch outcome.verdict {
            case .fail: failures.append(i)
            case .inconclusive:
                inconclusiveCount += 1
                if firstInconclusive == nil { firstInconclusive = i }
            case .pass: break
            }
            verdict = max(verdict, outcome.verdict)
            if outcome.isKink { kinkCount += 1 }
            bins[ErrorCensus.bin(of: relative)] += 1
            if largest == nil {
                (largest, largestError, maxRelativeError, resolution) = (i, absolute, relative, outcome.resolution)
                return
            }
            if largestError < absolute { (largest, largestError) = (i, absolute) }
            if maxRelativeError < relative { maxRelativeError = relative }
            if resolution < outcome.resolution { resolution = outcome.resolution }
        }
        census.counts = bins
        let seen = largest != nil
        func result(_ i: Int) -> ElementResult {
            differences.directions
                ? ElementResult(outcomes[i], index: [], direction: i)
                : ElementResult(outcomes[i], index: Tensor.index(ofFlat: differences.element(i), in: shape))
        }
        let worstFailures = failures.sorted {
            outcomes[$0].absoluteError / outcomes[$0].allowance > outcomes[$1].absoluteError / outcomes[$1].allowance
        }
        var signature: BugSignature?
        if !failures.isEmpty {
            var upstreamValues: [Double]?
            if tensor.role == .input, upstream.shape == shape, !differences.directions {
                upstreamValues = outcomes.indices.map { upstream.data[differences.element($0)] }
            }
            let complete = outcomes.count == elementCount && !differences.directions
            signature = BugSignature.read(
                analytic: outcomes.map(\.analytic), numeric: outcomes.map(\.numeric), upstream: upstreamValues,
                batch: shape.count > 1 ? shape.first : nil, matrixShape: complete ? shape : nil)
        }
        self.init(
            tensor: tensor, shape: shape, checked: outcomes.count, elementCount: elementCount, failed: failures.count,
            kinks: kinkCount, inconclusive: inconclusiveCount, maxAbsoluteError: seen ? largestError : 0,
            maxRelativeError: seen ? maxRelativeError : 0, worst: (worstFailures.first ?? largest).map(result),
            worstFailures: worstFailures.prefix(check.worstCount).map(result), signature: signature, verdict: verdict,
            census: census,
            coverage: Coverage.statement(mode: check.mode, checked: outcomes.count, elementCount: elementCount),
            order: nil, resolution: seen ? resolution : nil, firstInconclusive: firstInconclusive.map(result), elements: nil)
        self.compression = differences.compression
    }
}

extension ElementValues {
    /// The columns of a tensor's differences; nil for directions.
    init?(_ differences: TensorDifferences, elementCount: Int) {
        guard !differences.directions else { return nil }
        let outcomes = differences.outcomes
        indices = differences.elements.flatMap { $0.elementsEqual(0..<elementCount) ? nil : $0 }
        (analytic, numeric, allowance) = ([], [], [])
        (failed, kinks, inconclusive) = ([], [], [])
        analytic.reserveCapacity(outcomes.count)
        numeric.reserveCapacity(outcomes.count)
        allowance.reserveCapacity(outcomes.count)
        for (i, outcome) in outcomes.enumerated() {
            analytic.append(outcome.analytic)
            numeric.append(outcome.numeric)
            allowance.append(outcome.allowance)
            let flat = differences.element(i)
            if outcome.verdict == .fail { failed.append(flat) }
            if outcome.isKink { kinks.append(flat) }
            if outcome.verdict == .inconclusive { inconclusive.append(flat) }
        }
    }
}
