import MyLayers
import SlopeLayers
import SlopeTesting
import Testing

/// The wrong GELU is caught: the check records an issue at the line of the call, with the
/// diagnosis (worst element, likely bug). `withKnownIssue` keeps the suite green while
/// proving that, and fails if the issue is not recorded or says something else.
struct BuggyGELUTests {
    @Test func wrongBackwardIsCaughtAtThisLine() {
        var rng = SeededGenerator(seed: 6)
        let x = Tensor.uniform([3, 4], in: -2..<2, using: &rng)
        let callLine = #line + 2
        withKnownIssue("BuggyGELU loses the x·φ(x) term of its derivative") {
            expectGradientsCorrect(BuggyGELU(), inputs: [x])
        } matching: { issue in
            issue.sourceLocation?.line == callLine
                && issue.comments.contains {
                    $0.rawValue.contains("BuggyGELU input x: ") && $0.rawValue.contains("checked elements wrong")
                        && $0.rawValue.contains("likely: ")
                }
        }
    }
}
