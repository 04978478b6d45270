import ArgumentParser

extension Slope {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run everything on the built-in examples.")
        func run() throws {}
    }
}
