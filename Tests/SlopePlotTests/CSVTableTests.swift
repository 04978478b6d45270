import Foundation
import Testing

@testable import SlopePlot

@Suite struct CSVTableTests {
    /// Writes `bytes` to a fresh temporary file and returns its path.
    func file(_ bytes: [UInt8], name: String = "data.csv") throws -> String {
        let dir = try makeTemporaryDirectory()
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func file(_ text: String, name: String = "data.csv") throws -> String {
        try file(Array(text.utf8), name: name)
    }

    func error(_ path: String) -> CSVError? {
        do {
            _ = try CSVTable(contentsOfFile: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsColumnsByName() throws {
        let table = try CSVTable(contentsOfFile: file("step,loss\n0,1.5\n1,0.75\n2,0.5\n"))
        #expect(table.header == ["step", "loss"])
        #expect(table.rowCount == 3)
        #expect(try table.column("loss") == [1.5, 0.75, 0.5])
        #expect(try table.column("step") == [0, 1, 2])
    }

    @Test func acceptsNaNAndInfinityInAnyCase() throws {
        let table = try CSVTable(parsing: "v\nnan\nNaN\ninf\n-INF\nInf\n\n")
        let v = try table.column("v")
        #expect(v.count == 5)
        #expect(v[0]?.isNaN == true && v[1]?.isNaN == true)
        #expect(v[2] == .infinity && v[3] == -.infinity && v[4] == .infinity)
    }

    @Test func stripsBOMAndToleratesCRLF() throws {
        let path = try file([0xEF, 0xBB, 0xBF] + Array("step,loss\r\n0,1\r\n1,2\r\n".utf8))
        let table = try CSVTable(contentsOfFile: path)
        #expect(table.header == ["step", "loss"])
        #expect(try table.column("loss") == [1, 2])
    }

    @Test func noTrailingNewlineAndSpacesAreFine() throws {
        let table = try CSVTable(parsing: " a , \"b\"\n 1 , 2")
        #expect(try table.column("b") == [2])
        #expect(try table.column("a") == [1])
    }

    @Test func missingFile() throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("nope.csv").path
        #expect(error(path) == .missingFile(path: path))
        #expect(CSVError.missingFile(path: path).description.contains(path))
    }

    @Test func directoryInsteadOfFile() throws {
        let path = try makeTemporaryDirectory().path
        #expect(error(path) == .isDirectory(path: path))
    }

    @Test func emptyFile() throws {
        let path = try file("")
        #expect(error(path) == .emptyFile(path: path))
        let blank = try file([0xEF, 0xBB, 0xBF, 0x0A, 0x20, 0x0A])
        #expect(error(blank) == .emptyFile(path: blank))
    }

    @Test func missingColumnListsTheAvailableOnes() throws {
        let path = try file("step,loss\n0,1\n")
        let table = try CSVTable(contentsOfFile: path)
        #expect(throws: CSVError.missingColumn(path: path, name: "acc", available: ["step", "loss"])) {
            try table.column("acc")
        }
        let text = CSVError.missingColumn(path: path, name: "acc", available: ["step", "loss"]).description
        #expect(text.contains("\"acc\"") && text.contains("\"step\", \"loss\"") && text.contains(path))
    }

    @Test func nonNumericCellNamesLineColumnAndText() throws {
        let path = try file("step,loss\n0,1\n1,2\n2,abc\n3,x\n")
        let table = try CSVTable(contentsOfFile: path)
        let expected = CSVError.nonNumeric(path: path, line: 4, column: "loss", text: "abc")
        #expect(throws: expected) { try table.column("loss") }
        #expect(try table.column("step") == [0, 1, 2, 3])  // other columns stay usable
        let text = expected.description
        #expect(text.contains("line 4") && text.contains("column \"loss\"") && text.contains("\"abc\""))
    }

    @Test func raggedRowNamesTheLine() throws {
        let path = try file("a,b,c\n1,2,3\n4,5\n")
        #expect(error(path) == .raggedRow(path: path, line: 3, cells: 2, expected: 3))
        #expect(
            CSVError.raggedRow(path: path, line: 3, cells: 2, expected: 3).description
                == "\(path), line 3: has 2 cells but the header has 3")
    }

    @Test func binaryGarbageIsRefused() throws {
        let path = try file(Array("a,b\n1,2\n".utf8) + [0xFF, 0xFE, 0x00, 0x81])
        #expect(error(path) == .notText(path: path, offset: 8, line: 3))
        let withNul = try file(Array("a\n".utf8) + [0x00, 0x01])
        #expect(error(withNul) == .notText(path: withNul, offset: 2, line: 2))
    }

    @Test func duplicateHeaderName() throws {
        let path = try file("loss,loss\n1,2\n")
        #expect(error(path) == .duplicateColumn(path: path, name: "loss"))
    }

    @Test func tooLargeIsRefusedUpFront() throws {
        let dir = try makeTemporaryDirectory()
        let url = dir.appendingPathComponent("big.csv")
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data("a\n".utf8)))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(CSVTable.sizeLimit + 1))  // sparse: no disk used
        try handle.close()
        #expect(error(url.path) == .tooLarge(path: url.path, bytes: CSVTable.sizeLimit + 1, limit: CSVTable.sizeLimit))
        #expect(
            CSVError.tooLarge(path: url.path, bytes: CSVTable.sizeLimit + 1, limit: CSVTable.sizeLimit)
                .description.contains("512 MiB"))
        try FileManager.default.removeItem(at: dir)
    }

    // MARK: Quoted cells (RFC 4180)

    @Test func quotedCellsMayHoldCommasQuotesAndLineBreaks() throws {
        let text =
            "\"step\",\"loss, smoothed\",\"the \"\"best\"\" loss\",\"two\nlines\"\n\"1\",\"2.5\", 3 ,\"\"\n2,\"-1e3\",4,5\n"
        let table = try CSVTable(parsing: text)
        #expect(table.header == ["step", "loss, smoothed", "the \"best\" loss", "two\nlines"])
        #expect(try table.column("loss, smoothed") == [2.5, -1000])
        #expect(try table.column("the \"best\" loss") == [3, 4])
        #expect(try table.column("two\nlines") == [nil, 5])  // "" is an empty cell
    }

    @Test func quotedCellsWithCRLF() throws {
        let table = try CSVTable(parsing: "\"a\",\"b\"\r\n\"1\",\"x\r\ny\"\r\n2,3\r\n")
        #expect(try table.column("a") == [1, 2])
        // The quoted line break belongs to the cell: the bad cell is on the record's first line.
        #expect(throws: CSVError.nonNumeric(path: "<text>", line: 2, column: "b", text: "x\r\ny")) {
            try table.column("b")
        }
    }

    @Test func lineNumbersCountLineBreaksInsideQuotes() throws {
        let path = try file("\"a\nb\",c\n1,2\n3\n")
        #expect(error(path) == .raggedRow(path: path, line: 4, cells: 1, expected: 2))
    }

    @Test func unterminatedQuoteNamesLineFieldAndColumn() throws {
        let path = try file("step,loss\n0,1\n1,\"2\n2,3\n")
        let expected = CSVError.unterminatedQuote(path: path, line: 3, field: 2, column: "loss")
        #expect(error(path) == expected)
        #expect(
            expected.description
                == "\(path), line 3, field 2 (column \"loss\"): the quoted cell opened here is never closed "
                + "(end it with \", and write a quote inside it as \"\")")
        let header = try file("\"step,loss\n")
        #expect(error(header) == .unterminatedQuote(path: header, line: 1, field: 1, column: nil))
    }

    @Test func textAfterAClosingQuoteIsRefused() throws {
        let path = try file("a,b\n1,\"2\"x\n")
        #expect(error(path) == .textAfterQuote(path: path, line: 2, field: 2, column: "b"))
        #expect(try CSVTable(parsing: "a,b\n1,\"2\"  \n").column("b") == [2])  // blanks are fine
    }

    @Test func aQuoteInsideAnUnquotedCellIsText() throws {
        let table = try CSVTable(parsing: "a,b\"c\n1,2\n")
        #expect(table.header == ["a", "b\"c"])
    }

    // MARK: Sparse logs

    @Test func anEmptyCellIsNotLoggedAndDistinctFromNaN() throws {
        let table = try CSVTable(parsing: lightningMetrics)
        let val = try table.column("val_loss")
        #expect(table.rowCount == 18)
        #expect(val[0] == nil && val[1] == nil && val[2] == 1.9)
        #expect(val[11]?.isNaN == true)  // a literal nan is a value, not a missing cell
        #expect(try table.column("train_loss").compactMap { $0 }.count == 12)
    }
}
