/// Whether an exhaustive check may perturb elements together (Jacobian compression by
/// colouring, Curtis, Powell and Reid 1974), and how much it verifies on every run.
///
/// Elements whose output footprints do not overlap are moved together: one pair of forward
/// passes per colour, then each element's difference quotient is ⟨u, Δf⟩ restricted to its own
/// footprint. The footprints are found by probe passes and proven on every run (see the README,
/// "Exhaustive checks by compression"); anything that contradicts them makes the tensor fall
/// back to one element at a time, and the report says so.
public struct Compression: Sendable, Codable, Equatable {
    /// Compress at all (exhaustive mode, central stencil, adaptive rule only).
    public var isEnabled: Bool
    /// Tensors with fewer elements are checked one at a time (compression would not pay).
    public var minimumElements: Int
    /// Elements per compressed tensor recomputed one at a time and compared, on every run.
    public var spotChecks: Int
    /// Compress only when the passes planned are fewer than one at a time would take.
    public var onlyWhenCheaper: Bool
    /// From this many elements on, an elementwise footprint's proof does its own writing and
    /// reading on a second thread beside the layer's passes (``ElementPlan/proveElementwise``);
    /// below it, a helper's start costs more than it saves. (Tests set it to compare the two.)
    var overlappedProofElements = 1 << 16

    private enum CodingKeys: String, CodingKey { case isEnabled, minimumElements, spotChecks, onlyWhenCheaper }

    public init(isEnabled: Bool = true, minimumElements: Int = 256, spotChecks: Int = 8, onlyWhenCheaper: Bool = true) {
        self.isEnabled = isEnabled
        self.minimumElements = minimumElements
        self.spotChecks = spotChecks
        self.onlyWhenCheaper = onlyWhenCheaper
    }

    /// On for tensors of 256 elements or more, 8 spot checks each.
    public static let automatic = Compression()
    /// Every element one at a time.
    public static let off = Compression(isEnabled: false)
    /// Compress every tensor it can, however small and whatever it costs (for tests).
    public static let always = Compression(minimumElements: 0, onlyWhenCheaper: false)
}

/// What compression did for one tensor: the footprint it proved, the passes it spent, and —
/// when it was not used — why the tensor was checked one element at a time.
public struct CompressionSummary: Sendable, Codable, Equatable {
    /// The proven (or, on a fallback, the proposed) footprint; nil when none was found.
    public var footprint: Footprint?
    /// The footprint came from the layer (``DeclaresFootprints``), not from the probes.
    public var declared = false
    /// Groups of elements perturbed together (a pair of passes each).
    public var colours: Int = 0
    /// Forward passes spent on detection, verification, grouped passes and spot checks.
    public var forwardPasses: Int = 0
    /// Elements recomputed one at a time and found equal to their compressed numbers.
    public var spotChecks: Int = 0
    /// Elements judged one at a time anyway: a decision flipped in their group, or their
    /// first look was not a clean pass (every non-pass verdict comes from the ordinary path).
    public var judgedOneAtATime: Int = 0
    /// Why the tensor fell back to one element at a time (nil: compression was used).
    public var fallback: String?

    public init(fallback: String? = nil) { self.fallback = fallback }

    public var isUsed: Bool { fallback == nil }

    public var summary: String {
        if let fallback { return "one element at a time: \(fallback)" }
        let structure = (declared ? "declared, proven: " : "") + (footprint?.description ?? "?")
        return
            "compressed (\(structure)): \(colours) colour\(colours == 1 ? "" : "s"), \(forwardPasses) passes, \(spotChecks) spot checks equal, \(judgedOneAtATime) elements re-judged one at a time"
    }
}
