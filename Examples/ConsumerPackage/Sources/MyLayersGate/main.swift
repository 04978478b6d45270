// The CI gate of this package's layers: `swift run MyLayersGate verify` is the whole
// `slope verify` (table, JSON, JUnit named MyLayers, --shard, --repeat, --replay, --fixtures,
// sweep, exit statuses) for the checks registered in MyLayersChecks.
import Foundation
import MyLayers
import SlopeCheck
import SlopeGate

do {
    SlopeGate.main(registry: try CheckRegistry(suite: "MyLayers", cases: MyLayersChecks.cases))
} catch {
    print("error: \(error)")
    exit(2)
}
