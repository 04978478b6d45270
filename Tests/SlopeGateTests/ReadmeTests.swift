import Foundation
import Testing

/// The documentation's snippets are real code: each Swift and Python block of README.md and
/// of every DocC article (`Sources/*/*.docc/**/*.md`) is, verbatim, part of a file that
/// `make test` compiles and runs (Examples/ConsumerPackage through check-consumer.sh, the
/// test targets, the fixture writer). A manifest excerpt (starting with `// Package.swift`)
/// is checked by check-consumer.sh's version line instead.
@Suite struct ReadmeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// README.md and every Markdown file inside a `.docc` catalogue under Sources/, as paths
    /// relative to the root.
    static func documents() -> [String] {
        var paths = ["README.md"]
        let enumerator = FileManager.default.enumerator(
            at: root.appendingPathComponent("Sources"), includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "md", url.pathComponents.contains(where: { $0.hasSuffix(".docc") }) else {
                continue
            }
            paths.append(String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)))
        }
        return paths.sorted()
    }

    static func blocks(language: String, in document: String = "README.md") throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
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

    @Test func theArticlesAreFound() {
        let documents = Self.documents()
        #expect(documents.contains("README.md"))
        #expect(documents.contains("Sources/SlopeCheck/SlopeCheck.docc/SlopeCheck.md"))
        #expect(documents.contains("Sources/SlopeLayers/SlopeLayers.docc/CapabilitiesALayerMayAdopt.md"))
    }

    @Test(arguments: ReadmeTests.documents())
    func everySnippetIsCompiledCode(document: String) throws {
        let sources = try Self.sources()
        let snippets = try Self.blocks(language: "swift", in: document) + Self.blocks(language: "python", in: document)
        if document == "README.md" { #expect(snippets.count >= 4) }
        for snippet in snippets where !snippet.hasPrefix("// Package.swift") {
            #expect(sources.contains { $0.contains(snippet) }, "\(document): snippet is in no compiled file:\n\(snippet)")
        }
    }

    @Test func theLibrarySnippetRunsAndPasses() {
        #expect(checkTanh().verdict == .pass)
    }
}
