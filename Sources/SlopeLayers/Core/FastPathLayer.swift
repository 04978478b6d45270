/// A layer whose arithmetic has more than one implementation — a C kernel, vector
/// intrinsics, OpenBLAS — chosen by size or CPU, none of which reads like its formula.
///
/// It names its paths, can be made to take each one, and keeps beside them a plain-Swift
/// version of the same maths, loops written as the formula in its doc comment: the readable
/// reference. A gradient check runs every path this machine has against it (the invariant
/// "every fast path matches its readable reference"), so no path that training takes goes
/// unchecked, and the reference itself is checked against finite differences like any layer.
public protocol FastPathLayer: Layer {
    associatedtype Path: Hashable, CustomStringConvertible
    /// The paths this machine can run.
    var availablePaths: [Path] { get }
    /// The path forward and backward take; nil: chosen by size and CPU, as in training.
    var forcedPath: Path? { get set }
    /// The same maths in plain Swift: a new layer holding copies of this one's parameter values.
    func readableReference() -> any Layer
}
