// libFuzzer target for the CSV reader (`CSVTable(bytes:source:)`), built by Fuzz/fuzz.sh
// together with Sources/SlopePlot/Data/*.swift. Any input must give a table or a
// `CSVError`, never a trap; every column of a table must have `rowCount` values.

@_cdecl("LLVMFuzzerTestOneInput")
public func csvFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let table = try? CSVTable(bytes: bytes, source: "fuzz.csv") else { return 0 }
    for name in table.header {
        if let column = try? table.column(name), column.count != table.rowCount {
            fatalError("column \(name) has \(column.count) values for \(table.rowCount) rows")
        }
    }
    _ = try? table.column("a column that is not there")
    return 0
}
