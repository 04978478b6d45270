import Foundation
import Testing

/// The README's snippets are real code: each Swift and Python block is, verbatim, part of a
/// file that `make test` compiles and runs (Examples/ConsumerPackage through
/// check-consumer.sh, the test targets, the fixture writer). A manifest excerpt (starting
/// with `// Package.swift`) is checked by check-consumer.sh's version line instead.
@Suite struct ReadmeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func blocks(language: String) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var blocks: [String] = []
        var current: [String]?
        for line in text.components(separatedBy: "\n") {
            if current == nil, line == "```\(language)" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return blocks
    }

    static func sources() throws -> [String] {
        var texts: [String] = []
        for folder in ["Examples", "Tests", "fixtures", "Sources"] {
            let enumerator = FileManager.default.enumerator(
                at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard ["swift", "py"].contains(url.pathExtension), url.lastPathComponent != "ReadmeTests.swift" else { continue }
                texts.append(try String(contentsOf: url, encoding: .utf8))
            }
        }
        return texts
    }

    @Test func everySnippetIsCompiledCode() throws {
        let sources = try Self.sources()
        let snippets = try Self.blocks(language: "swift") + Self.blocks(language: "python")
        #expect(snippets.count >= 6)
        for snippet in snippets where !snippet.hasPrefix("// Package.swift") {
            #expect(sources.contains { $0.contains(snippet) }, "README snippet is in no compiled file:\n\(snippet)")
        }
    }

    @Test func theLibrarySnippetRunsAndPasses() {
        #expect(checkTanh().verdict == .pass)
    }
}
