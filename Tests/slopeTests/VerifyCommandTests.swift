import Foundation
import SlopeCheck
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `slope verify` as CI sees it: exit statuses, formats, files.
@Suite struct VerifyCommandTests {
    @Test func defaultRunPassesEveryKindAndExitsZero() throws {
        let result = try SlopeBinary.run(["verify"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["Mul", "Affine", "Conv2D", "BatchNorm", "SoftmaxWithLoss", "Flatten", "Affine/BLAS", "Graph"] {
            #expect(result.stdout.contains("\n\(name) "), "no row for \(name)")
        }
        // The 17 kinds and the built-in layers' other code paths, nothing of the zoo.
        let count = CheckRegistry.builtIn.cases.count
        #expect(result.stdout.contains("\(count) checks"))
        #expect(result.stdout.contains("verdict PASS"))
    }

    @Test func aBrokenLayerExitsOneWithADiagnosis() throws {
        let result = try SlopeBinary.run(["verify", "--include-broken", "--layer", "Broken.SigmoidReturnsUpstream"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Broken.SigmoidReturnsUpstream input x: 12 of 12 checked elements wrong"))
        #expect(result.stdout.contains("likely: analytic equals the upstream gradient"))
    }

    /// A layer that breaks the contract of `Layer` is a failed check with a sentence, exit 1 —
    /// not a trap (exit 132) as in the first round.
    @Test(arguments: [
        ("Broken.FlattenForgetsReshape", "backward returned a gradient of shape [24] for input x of shape [2, 3, 2, 2]"),
        ("Broken.ExtraGradient", "backward returned 2 gradients for 1 input"),
        ("Broken.OutputShapeChanges", "forward returned an output of shape [2, 4] where the first call returned [3, 4]"),
        ("Broken.UnlistedParameter", "stores \"s\" (property s) but `parameters` does not list it"),
    ])
    func aLayerBreakingTheContractExitsOneWithASentence(name: String, sentence: String) throws {
        let result = try SlopeBinary.run(["verify", "--include-broken", "--layer", name])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains(sentence), "\(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    /// A report made with the retired relative rule (before 0.4) replays with today's rule, and
    /// the new report's method says which rule the old one used.
    @Test func aRelativeRuleReportReplaysWithTodaysRuleAndSaysSo() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let report = dir.appendingPathComponent("run.json")
        let first = try SlopeBinary.run(
            ["verify", "--format", "json", "-o", report.path, "--include-broken", "--layer", "Broken.TanhSignFlipped"])
        #expect(first.status == 1)
        // The report as 0.3 wrote it with --step-rule relative.
        let text = try String(contentsOf: report, encoding: .utf8)
        #expect(text.contains("\"stepRule\" : \"adaptive\""))
        try text.replacingOccurrences(of: "\"stepRule\" : \"adaptive\"", with: "\"stepRule\" : \"relative\"")
            .write(to: report, atomically: true, encoding: .utf8)
        let replay = try SlopeBinary.run(["verify", "--replay", report.path])
        #expect(replay.status == 1)
        #expect(
            replay.stdout.contains("(made with the relative step rule, retired in 0.4: rerun with today's rule)"),
            "\(replay.stdout)")
        let json = try SlopeBinary.run(["verify", "--replay", report.path, "--format", "json"])
        #expect(
            json.stdout.contains(
                "h = 5e-06 × spread, adaptive (the replayed report used the relative step rule, retired in 0.4)"),
            "\(json.stdout)")
    }

    @Test func theSeedsLossMismatchIsCaught() throws {
        let result = try SlopeBinary.run(["verify", "--include-broken", "--layer", "Broken.LossHalfGradient"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("back-propagated gradient is 0.5× the slope of the reported loss"))
    }

    @Test func junitReportIsWrittenAtomicallyAndIsWellFormed() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let file = dir.appendingPathComponent("report.xml")
        let result = try SlopeBinary.run(
            [
                "verify", "--format", "junit", "--output", file.path, "--include-broken", "--layer", "Affine", "--layer",
                "Broken.TanhSignFlipped",
            ])
        #expect(result.status == 1)
        #expect(SlopeBinary.files(in: dir) == ["report.xml"], "no temporary file left behind")
        let xml = try XMLDocument(contentsOf: file)
        let suites = try xml.nodes(forXPath: "//testsuite")
        #expect(suites.count == 2)
        let failures = try xml.nodes(forXPath: "//testcase/failure")
        #expect(failures.count >= 1)
        let root = xml.rootElement()
        #expect(root?.attribute(forName: "failures")?.stringValue.flatMap(Int.init) == failures.count)
    }

    @Test func jsonReportCarriesSeedMethodAndTolerance() throws {
        let result = try SlopeBinary.run(["verify", "--format", "json", "--layer", "Tanh", "--seed", "42"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["seed"] as? Int == 42)
        #expect(object?["format"] as? String == "slope-verify/1")
        let reports = object?["reports"] as? [[String: Any]]
        #expect(reports?.count == 1)
        #expect((reports?.first?["tolerance"] as? [String: Any])?["rtol"] as? Double == 1e-5)
    }

    /// A layer that breaks the contract of `Layer` is a failed sweep (exit 1, as in verify), not bad
    /// input (2); no chart is written.
    @Test func sweepingAContractBreakerExitsOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("s.png").path
        let result = try SlopeBinary.run(["sweep", "--include-broken", "--layer", "Broken.FlattenForgetsReshape", "-o", png])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains("Broken.FlattenForgetsReshape: backward returned a gradient of shape [24]"), "\(result.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: png))
    }

    /// An exhaustive check says which tensors it compressed; --no-compression checks the same
    /// elements one at a time, with the same verdict.
    @Test func compressionIsReportedAndCanBeTurnedOff() throws {
        let compressed = try SlopeBinary.run(["verify", "--layer", "Affine/BLAS"])
        #expect(compressed.status == 0, "\(compressed.stderr)")
        #expect(compressed.stdout.contains("Affine/BLAS param W: compressed (axis 1 → output axis 1)"), "\(compressed.stdout)")
        let plain = try SlopeBinary.run(["verify", "--layer", "Affine/BLAS", "--no-compression"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("compressed ("))
        for result in [compressed, plain] { #expect(result.stdout.contains("1 checks, 2080 elements: 1 passed")) }
    }

    /// The stencil has one spelling, the one reports and the Swift API use.
    @Test func theStencilHasOneSpelling() throws {
        let fourth = try SlopeBinary.run(["verify", "--layer", "Sigmoid", "--stencil", "fourthOrder"])
        #expect(fourth.status == 0, "\(fourth.stderr)")
        #expect(fourth.stdout.contains("fourth-order difference (4 points, O(h⁴))"))
        let other = try SlopeBinary.run(["verify", "--layer", "Sigmoid", "--stencil", "fourth"])
        #expect(other.status == 2)
        #expect(other.stderr.contains("one of 'central' and 'fourthOrder'"), "\(other.stderr)")
    }

    @Test func shardsSplitTheKindsWithoutOverlap() throws {
        var seen: [String] = []
        for shard in 1...3 {
            let result = try SlopeBinary.run(["verify", "--shard", "\(shard)/3", "--format", "json"])
            #expect(result.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            seen += (object?["reports"] as? [[String: Any]] ?? []).compactMap { $0["target"] as? String }
        }
        #expect(seen.count == CheckRegistry.builtIn.cases.count)
        #expect(Set(seen) == Set(CheckRegistry.builtIn.cases.map(\.name)))
    }

    @Test func fixtureParityPasses() throws {
        let result = try SlopeBinary.run([
            "verify", "--fixtures", SlopeBinary.repositoryRoot.appendingPathComponent("fixtures").path,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Conv2D/"))
    }

    @Test func listNamesEveryKind() throws {
        let result = try SlopeBinary.run(["verify", "--list"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("SoftmaxWithLoss"))
        #expect(result.stdout.contains("Broken.ReLUWritesUpstream"))
    }
}

@Suite struct VerifyStageTwoTests {
    @Test func repeatReportsAPassRatePerCheck() throws {
        let result = try SlopeBinary.run([
            "verify", "--repeat", "3", "--include-broken", "--layer", "Sigmoid", "--layer", "Broken.TanhSignFlipped",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Sigmoid                 3       0       0             100.0%"))
        #expect(result.stdout.contains("Broken.TanhSignFlipped  0       3       0             0.0%"))
    }

    @Test func replayRerunsOnlyTheFailingChecksWithTheirSeed() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let report = dir.appendingPathComponent("run.json")
        let first = try SlopeBinary.run(
            [
                "verify", "--format", "json", "-o", report.path, "--seed", "9", "--include-broken", "--layer", "Tanh", "--layer",
                "Broken.AffineBiasNotSummed",
            ])
        #expect(first.status == 1)
        let replay = try SlopeBinary.run(["verify", "--replay", report.path, "--format", "json"])
        #expect(replay.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any]
        let reports = object?["reports"] as? [[String: Any]] ?? []
        #expect(reports.map { $0["target"] as? String } == ["Broken.AffineBiasNotSummed"])
        #expect(reports.first?["seed"] as? Int == 9)
    }

    @Test func sampledModeStatesItsCoverage() throws {
        let result = try SlopeBinary.run(["verify", "--mode", "sampled", "--samples", "4", "--layer", "Affine"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Affine input x: 4 of 20 elements; a bug in 10% of them slips through with p ≤ 0.63"))
        #expect(result.stdout.contains("Relative-error census"))
    }
}

@Suite struct VerifyHistogramTests {
    @Test func histogramIsAPNG() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let png = dir.appendingPathComponent("errors.png")
        let result = try SlopeBinary.run(["verify", "--layer", "Tanh", "--histogram", png.path])
        #expect(result.status == 0)
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(bytes.count > 5_000)
    }
}

@Suite struct FitCommandTests {
    @Test func aDivergingFitExitsOneNamingTheLayerAndPassAndKeepsTheLastGoodCheckpoint() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let result = try SlopeBinary.run(["fit", "sine", "--lr", "500", "--epochs", "100", "--quiet", "--out", dir.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("training diverged: a non-finite value (NaN or ±∞) at epoch"))
        #expect(result.stderr.contains("in the forward pass"))
        #expect(result.stderr.contains("the last good state"))
        #expect(SlopeBinary.files(in: dir) == ["sine-checkpoint.json"])
    }

    @Test func chainLearnsAndItsSeedBugDoesNot() throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let good = try SlopeBinary.run(["fit", "chain", "--quiet", "--out", dir.path])
        #expect(good.status == 0)
        #expect(good.stdout.contains("predictions f(1) = -1, f(−1) = 1"))
        let bad = try SlopeBinary.run(["fit", "chain", "--quiet", "--buggy-gradient", "--out", dir.path])
        #expect(bad.status == 0)
        #expect(bad.stdout.contains("f(1) = 0.00108"))
        #expect(bad.stderr.contains("gradient check of the chain network: FAIL"), "the trained network is the one checked")
    }

    @Test(arguments: ["sine", "chain", "spiral"])
    func eachFitChecksTheNetworkItTrains(experiment: String) throws {
        let dir = try SlopeBinary.temporaryDirectory()
        let result = try SlopeBinary.run(["fit", experiment, "--epochs", "1", "--out", dir.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("gradient check of the \(experiment) network: PASS"), "\(result.stderr)")
    }
}
