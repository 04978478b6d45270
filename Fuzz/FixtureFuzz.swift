// libFuzzer target for the fixture reader (`Fixture.decode(_:file:)`), built by
// Fuzz/fuzz.sh against SlopeLayers and SlopeCheck. Any input must give a fixture or a
// `FixtureError`, never a trap. A fixture that loads is then checked for parity
// (`FixtureParity.check`, the path `slope verify --fixtures` takes), which must report
// an error or a verdict, never trap either.

import Foundation
import SlopeCheck

@_cdecl("LLVMFuzzerTestOneInput")
public func fixtureFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let fixture = try? Fixture.decode(bytes, file: "fuzz.json") else { return 0 }
    _ = FixtureParity.check(fixture)
    return 0
}
