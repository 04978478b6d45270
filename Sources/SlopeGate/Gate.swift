import ArgumentParser
import Foundation
import SlopeCheck

/// The whole `slope verify` (and `slope sweep`) for a registry of checks: a user's own
/// executable target gets the CI gate for their layers in a few lines.
///
/// ```swift
/// import SlopeCheck
/// import SlopeGate
///
/// @main struct LayerGate {
///     static func main() {
///         SlopeGate.main(registry: try! CheckRegistry(suite: "MyLayers", cases: MyLayers.checks))
///     }
/// }
/// ```
///
/// `swift run LayerGate verify --format junit -o report.xml` then checks every registered case,
/// names the JUnit suites after `MyLayers`, and exits 0 (passed), 1 (a check failed),
/// 2 (bad usage or input) or 3 (inconclusive beyond `--max-inconclusive`).
public enum SlopeGate {
    /// The registry the commands read; set once, by `main(registry:)` (or Slope's own CLI).
    public package(set) static var registry: CheckRegistry {
        get { box.value }
        set { box.value = newValue }
    }
    private static let box = RegistryBox(CheckRegistry.builtIn)

    /// Parses the command line for a gate over `registry` and runs it, mapping every user
    /// mistake to one `error:` line and exit status 2.
    public static func main(registry: CheckRegistry, arguments: [String]? = nil) -> Never {
        self.registry = registry
        run(GateCommand.self, arguments: arguments)
    }

    /// Runs a root command: `ExitCode`s pass through, `--help` prints, anything else is one
    /// `error:` line and exit status 2 (no stack trace for a user mistake).
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
        launch.set(arguments ?? Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = root.exitCode(for: error)
            if code == .success {
                root.exit(withError: error)  // --help, --version
            }
            // ArgumentParser renders its own errors with usage; any other error by its description.
            var message = root.message(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            // One line: the problem and where; `--help` has the rest.
            message = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

extension SlopeGate {
    /// Whether this process was started as a gate (through `main` or `run`): only then can it
    /// launch itself again as a worker. Tests that parse a command in their own process run
    /// its checks in that process.
    static var launchedAsGate: Bool { launch.arguments != nil }

    /// The arguments the gate was started with (the worker is launched with the same).
    static var arguments: [String] { launch.arguments ?? [] }

    private static let launch = LaunchBox()
}

/// The arguments of the running gate, set once at start.
final class LaunchBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String]?
    var arguments: [String]? { lock.withLock { stored } }
    func set(_ value: [String]) { lock.withLock { stored = value } }
}

/// The root of a user's gate: `verify` (the default) and `sweep`.
struct GateCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: SlopeGate.registry.suite,
            abstract: "Check the backward passes of the \(SlopeGate.registry.suite) layers against finite differences.",
            subcommands: [VerifyCommand.self, SweepCommand.self], defaultSubcommand: VerifyCommand.self)
    }
}

/// The registry, shared by the parallel checks: written once before parsing, read after.
final class RegistryBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: CheckRegistry
    init(_ value: CheckRegistry) { stored = value }
    var value: CheckRegistry {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
