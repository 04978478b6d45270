import Foundation
import SlopeTrain
import Testing

/// One bad input for the `slope` binary: the arguments (with `{BI}` for the corpus in
/// BadInputs/ and `{T}` for the case's own empty temporary directory) and a phrase the
/// one-line message must contain.
struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let arguments: String
    let message: String

    var testDescription: String { name }

    init(_ name: String, _ arguments: String, _ message: String) {
        self.name = name
        self.arguments = arguments
        self.message = message
    }

    static let corpus: [BadInput] = [
        // CSV files for `slope plot`
        .init("empty CSV", "plot loss {BI}/empty.csv -o {T}/a.png", "empty.csv: file is empty"),
        .init("binary garbage", "plot loss {BI}/garbage.bin -o {T}/a.png", "garbage.bin, line 1: not UTF-8 text"),
        .init("ragged rows", "plot loss {BI}/ragged.csv -o {T}/a.png", "ragged.csv, line 3: has 3 cells but the header has 2"),
        .init(
            "non-numeric cell", "plot loss {BI}/nonnumeric.csv -o {T}/a.png", "line 3, column \"loss\": \"abc\" is not a number"),
        .init("only nan and inf", "plot loss {BI}/all-nan.csv -o {T}/a.png", "series \"loss\" has no finite values"),
        .init(
            "missing column", "plot loss {BI}/no-loss-column.csv -o {T}/a.png",
            "no column \"loss\" in the header; available columns: \"step\", \"other\""),
        .init(
            "unterminated quote", "plot loss {BI}/unterminated-quote.csv -o {T}/a.png",
            "unterminated-quote.csv, line 3, field 2 (column \"loss\"): the quoted cell opened here is never closed"),
        .init("missing file", "plot loss {BI}/missing.csv -o {T}/a.png", "missing.csv: no such file"),
        .init("directory for a file", "plot loss {BI} -o {T}/a.png", "is a directory, not a CSV file"),
        .init("zero size", "plot loss {BI}/bom-crlf.csv -o {T}/a.png --size 0x0", "--size 0x0 is out of range"),
        .init("huge size", "plot loss {BI}/bom-crlf.csv -o {T}/a.png --size 99999x99999", "--size 99999x99999 is out of range"),
        .init("negative size", "plot loss {BI}/bom-crlf.csv -o {T}/a.png --size -5x10", "--size -5x10 is out of range"),
        .init("unwritable output", "plot loss {BI}/bom-crlf.csv -o /proc/self/a.png", "cannot write /proc/self/a.png"),
        .init(
            "missing output directory", "plot loss {BI}/bom-crlf.csv -o /nonexistent/a.png",
            "cannot write /nonexistent/a.png: the directory does not exist"),
        .init("output is a directory", "plot loss {BI}/bom-crlf.csv -o {T}", "it is a directory"),
        // Fixtures for `slope verify --fixtures`
        .init("truncated fixture JSON", "verify --fixtures {BI}/fixtures-truncated", "case.json is not valid JSON"),
        .init(
            "10⁸-row shape claim", "verify --fixtures {BI}/fixtures-huge",
            "field \"inputs[0]\" shape [100000000, 100000, 100000] would exceed the limit"),
        .init("null (NaN) in data", "verify --fixtures {BI}/fixtures-nan", "field \"inputs[0].data[1]\" is null"),
        .init("wrong fixture format", "verify --fixtures {BI}/fixtures-format", "field \"format\" is \"slope-fixture/2\""),
        .init("file for the fixture directory", "verify --fixtures {BI}/empty.csv", "empty.csv is not a directory"),
        .init("missing fixture directory", "verify --fixtures /nonexistent", "/nonexistent does not exist"),
        // Verify's own options
        .init("report into a missing directory", "verify -o /nonexistent/r.txt", "cannot write /nonexistent/r.txt"),
        .init("report into an unwritable place", "verify -o /proc/self/r.txt", "cannot write /proc/self/r.txt"),
        .init("unknown layer kind", "verify --layer Nope", "unknown layer kind \"Nope\""),
        .init("unknown flag", "verify --bogus", "Unknown option '--bogus'"),
        .init("unknown mode", "verify --mode slow", "'slow' is invalid for '--mode"),
        .init("bad shard", "verify --shard 0/3", "'0/3' is invalid for '--shard"),
        .init("zero time limit", "verify --timeout 0", "--timeout must be a positive number of seconds, got 0.0"),
        .init("nan time limit", "verify --timeout nan", "--timeout must be a positive number of seconds, got nan"),
        .init(
            "negative sweep time limit", "sweep --layer Tanh --timeout -1",
            "--timeout must be a positive number of seconds, got -1.0"),
        .init("memory limit too small", "verify --memory-limit 1M", "--memory-limit 1048576 bytes is below 16MiB"),
        .init("memory limit not a size", "verify --memory-limit lots", "'lots' is invalid for '--memory-limit"),
        .init("unknown element retention", "verify --keep-elements maybe", "'maybe' is invalid for '--keep-elements"),
        .init(
            "two outputs, one upstream", "verify --fixtures {BI}/fixtures-upstreams",
            "case.json: field \"upstreams\" has 1 tensors for 2 outputs"),
        .init("zero samples", "verify --samples 0", "--samples must be positive, got 0"),
        .init("negative step", "verify --step -1", "--step must be in (0, 1), got -1"),
        .init(
            "the retired step rule", "verify --step-rule relative",
            "--step-rule relative: Slope 0.4 has one step rule"),
        .init("garbage replay report", "verify --replay {BI}/garbage.bin", "is not a slope verify JSON report"),
        .init(
            "a fixture given as a replay report", "verify --replay {BI}/fixtures-format/case.json",
            "is not a slope verify JSON report"),
        .init(
            "replay with fixtures", "verify --replay {BI}/garbage.bin --fixtures {BI}/fixtures-format",
            "--replay and --fixtures cannot be combined"),
        .init("zero repeats", "verify --repeat 0", "--repeat must be between 1 and 1000, got 0"),
        .init("a share above 100%", "verify --max-inconclusive 150%", "'150%' is invalid for '--max-inconclusive"),
        .init(
            "histogram into a missing directory", "verify --layer Tanh --histogram /nonexistent/h.png",
            "cannot write /nonexistent/h.png"),
        .init(
            "broken example without the flag", "verify --layer Broken.TanhSignFlipped",
            "is a deliberately broken example; add --include-broken"),
        // `slope fit`
        .init("zero epochs", "fit sine --epochs 0 --out {T}/o", "--epochs must be between 1 and 10,000,000, got 0"),
        .init("negative epochs", "fit sine --epochs -5 --out {T}/o", "--epochs must be between 1 and 10,000,000, got -5"),
        .init("negative learning rate", "fit sine --lr -1 --out {T}/o", "--lr must be a positive number"),
        .init("zero batch", "fit sine --batch 0 --out {T}/o", "--batch must be positive, got 0"),
        .init(
            "batch larger than the data", "fit sine --batch 1000 --out {T}/o",
            "--batch 1000 is larger than the sine data set (200 points)"),
        .init("unknown experiment", "fit nonsense", "'nonsense' is invalid for '<experiment>'"),
        .init("uncreatable output directory", "fit sine --out /proc/self/o", "output directory /proc/self/o: cannot be created"),
        .init(
            "truncated checkpoint", "fit sine --resume --checkpoint {BI}/truncated-checkpoint.json --out {T}/o",
            "truncated-checkpoint.json: not valid JSON"),
        .init(
            "wrong checkpoint version", "fit sine --resume --checkpoint {BI}/wrong-version-checkpoint.json --out {T}/o",
            "field \"format\" is \"slope-checkpoint/9\""),
        .init(
            "directory for a checkpoint", "fit sine --resume --checkpoint {BI} --out {T}/o",
            "it is a directory, not a checkpoint file"),
        .init(
            "checkpoint of another architecture", "fit spiral --resume --checkpoint {BI}/sine-checkpoint.json --out {T}/o",
            "architecture.layers[1].kind is \"Sigmoid\" but the network has \"ReLU\""),
        .init("resume without a checkpoint", "fit chain --resume --out {T}/o", "--resume: no checkpoint at"),
        .init(
            "resume with no epochs left", "fit sine --resume --checkpoint {BI}/sine-checkpoint.json --epochs 10 --out {T}/o",
            "field \"epoch\" is 40000: the run already has the 10 epochs asked for"),
        // `slope sweep` and `slope demo`
        .init("sweep of an unknown kind", "sweep --layer Nope", "unknown layer kind \"Nope\""),
        .init("sweep into a missing directory", "sweep --layer Tanh -o /nonexistent/s.png", "cannot write /nonexistent/s.png"),
        .init(
            "sweep of a network example", "sweep --include-broken --layer Broken.FirstLayerCutOff -o {T}/s.png",
            "is not a single layer (a network, or a check of its own kind); sweeps take a single layer"),
        .init("demo with zero epochs", "demo --sine-epochs 0 --out {T}/o", "--sine-epochs must be between 1 and 10,000,000"),
        .init(
            "demo into an uncreatable directory", "demo --out /proc/self/x", "output directory /proc/self/x: cannot be created"),
    ]
}

/// Every bad input: exit status 2, one `error:` line naming the problem, no stack trace,
/// nothing left behind.
@Suite struct BadInputTableTests {
    @Test(arguments: BadInput.corpus)
    func badInputIsRefusedCleanly(_ case_: BadInput) throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = case_.arguments
            .replacingOccurrences(of: "{BI}", with: SlopeBinary.badInputs.path)
            .replacingOccurrences(of: "{T}", with: directory.path)
            .split(separator: " ").map(String.init)
        let result = try SlopeBinary.run(arguments, in: directory)
        #expect(result.status == 2, "exit status \(result.status); stderr: \(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(lines.first?.hasPrefix("error: ") == true)
        #expect(result.stderr.contains(case_.message), "message was: \(result.stderr)")
        for trace in ["Fatal error", "Stack dump", "backtrace", "Swift runtime failure"] {
            #expect(!result.stderr.contains(trace))
        }
        #expect(SlopeBinary.files(in: directory).isEmpty, "left behind: \(SlopeBinary.files(in: directory))")
    }

    /// The help text reads the experiments' defaults from SlopeTrain, not from a copy.
    @Test func fitHelpShowsTheLibraryDefaults() throws {
        let help = try SlopeBinary.run(["fit", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for (name, d) in [("sine", ExperimentDefaults.sine), ("chain", .chain), ("spiral", .spiral)] {
            #expect(help.contains("\(name) \(d.epochs)"), "\(help)")
            #expect(help.contains("\(name) \(d.learningRate)"), "\(help)")
        }
    }

    @Test func corpusCoversEveryCommand() {
        let commands = Set(BadInput.corpus.map { $0.arguments.split(separator: " ")[0] })
        #expect(commands == ["plot", "verify", "fit", "sweep", "demo"])
    }
}

/// Inputs that look odd but are valid: accepted, not refused.
@Suite struct TolerantInputTests {
    @Test func csvWithBOMCRLFAndNaNIsPlottedWithAGap() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        let png = directory.appendingPathComponent("loss.png")
        let result = try SlopeBinary.run([
            "plot", "loss", SlopeBinary.badInputs.appendingPathComponent("bom-crlf.csv").path, "-o", png.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(SlopeBinary.files(in: directory) == ["loss.png"])
    }

    /// A PyTorch Lightning metrics.csv (quoted header, CRLF, train and validation losses on
    /// different rows, a nan in each): plotted, not refused.
    @Test func sparseLightningLogIsPlotted() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("loss.png")
        let result = try SlopeBinary.run([
            "plot", "loss", SlopeBinary.badInputs.appendingPathComponent("lightning-metrics.csv").path,
            "--x", "step", "--y", "train_loss", "--y", "val_loss", "-o", png.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(try Data(contentsOf: png).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
}
