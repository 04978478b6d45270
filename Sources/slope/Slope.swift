import ArgumentParser

/// The `slope` command: is my backward pass right?
@main
struct Slope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slope",
        abstract: "Check backward passes with finite differences, train the classic examples, draw the results.",
        subcommands: [Demo.self, Plot.self])
}
