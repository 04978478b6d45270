import SlopeLayers

/// A layer of each kind at a small default size, with seeded inputs: `LayerKind.example(seed:)`
/// built, a loss wrapped as `LossAsLayer` with its target. What `slope verify` checks when
/// given no network of the user's, and what the demo shows.
package struct LayerExample {
    package let kind: LayerKind
    package let config: [String: ConfigValue]
    package let layer: any Layer
    package let inputs: [Tensor]

    /// The default example of `kind`, drawn from `seed`.
    package static func make(_ kind: LayerKind, seed: UInt64 = 0) -> LayerExample {
        let example = kind.example(seed: seed)
        let layer: any Layer
        switch example.build() {
        case .layer(let l): layer = l
        case .loss(let loss): layer = LossAsLayer(loss, target: example.target!)
        case .multiOutput(let several): layer = StackedOutputs(several)  // no built-in kind has several outputs
        }
        return LayerExample(kind: kind, config: example.config, layer: layer, inputs: example.inputs)
    }
}
