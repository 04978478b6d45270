/// A labelled position on an axis, in data units (not log-transformed).
public struct Tick: Sendable, Hashable, CustomStringConvertible {
    public var value: Double
    public var label: String

    public init(value: Double, label: String) {
        self.value = value
        self.label = label
    }

    public var description: String { label }
}
