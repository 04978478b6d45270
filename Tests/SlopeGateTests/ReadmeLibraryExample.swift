import SlopeCheck
import SlopeLayers

func checkTanh() -> CheckReport {
    var rng = SeededGenerator(seed: 0)
    let report = GradientCheck().run(Tanh(), inputs: [.uniform([4, 3], using: &rng)])
    print(report.verdict)  // pass; report.diagnosis says what failed, where, and the likely bug
    return report
}
