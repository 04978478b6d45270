import ArgumentParser
import Foundation
import SlopeCheck
import SlopeGate
import SlopeZoo

/// The `slope` command: is my backward pass right?
///
/// Exit status: 0 all passed · 1 a check failed · 2 bad usage or bad input · 3 inconclusive
/// beyond the `--max-inconclusive` policy · 130 interrupted (`fit`/`demo`: checkpoint saved;
/// `verify`/`sweep`: the report of what ran written).
@main
struct Slope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slope",
        abstract: "Check backward passes with finite differences, train the classic examples, draw the results.",
        discussion: """
            Exit status: 0 all passed, 1 a check failed, 2 bad usage or bad input, \
            3 too many inconclusive elements (see --max-inconclusive), \
            130 interrupted by Ctrl-C or SIGTERM (fit and demo save their checkpoint, verify writes \
            the report of the checks that ran).
            """,
        subcommands: [VerifyCommand.self, Fit.self, Plot.self, SweepCommand.self, Demo.self])

    /// The built-in kinds and the zoo go through the same door as a user's gate.
    static func main() {
        SlopeGate.registry = CheckRegistry.withZoo
        SlopeGate.run(Slope.self)
    }
}

extension CheckRegistry {
    /// Slope's kinds followed by the deliberately broken examples (`--include-broken`).
    static var withZoo: CheckRegistry {
        // Distinct by construction: LayerKind names never start with "Broken.", and the zoo's two
        // enums name different bugs.
        try! CheckRegistry.builtIn.adding(BrokenLayer.registry).adding(CrashingLayer.registry)
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
