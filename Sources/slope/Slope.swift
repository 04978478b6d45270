import ArgumentParser
import Foundation

/// The `slope` command: is my backward pass right?
///
/// Exit status: 0 all passed · 1 a check failed · 2 bad usage or bad input · 3 inconclusive
/// beyond the `--max-inconclusive` policy · 130 `fit`/`demo` interrupted (checkpoint saved).
@main
struct Slope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slope",
        abstract: "Check backward passes with finite differences, train the classic examples, draw the results.",
        discussion: """
            Exit status: 0 all passed, 1 a check failed, 2 bad usage or bad input, \
            3 too many inconclusive elements (see --max-inconclusive), \
            130 fit or demo interrupted by Ctrl-C or SIGTERM (the checkpoint is saved).
            """,
        subcommands: [Verify.self, Fit.self, Plot.self, Sweep.self, Demo.self])

    /// Runs a command, mapping every user mistake to a one-line message and exit status 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Slope.exit(withError: error)  // --help, --version
            }
            var message = isArgumentParserError(error) ? Slope.message(for: error) : "\(error)"
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            // One line: the problem and where; `--help` has the rest.
            message = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// Parse errors already carry their usage text; library errors are one line.
    static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).contains("ArgumentParser")
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
