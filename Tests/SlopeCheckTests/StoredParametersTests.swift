import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// "Every stored parameter is listed" reflects a layer only where its stored properties' types
/// leave room for a `Parameter` (`ParameterPlaces`). The pruning must never hide one: each place
/// a parameter can hide is tried, unlisted, and must be named; and the types it skips must be
/// the ones that cannot hold one.
@Suite struct StoredParametersTests {
    struct Buffers {
        var scratch: [Tensor]
        var pair: (Tensor, Tensor)
        var cache: [String: [Double]]
        var last: Tensor?
    }

    struct Node {
        var value: Double
        var children: [Node]
    }

    struct NodeWithParameter {
        var children: [NodeWithParameter]
        var weight: Parameter?
    }

    class Holder {}
    final class HolderWithParameter: Holder { let p = Parameter("inSubclass", .zeros([1])) }

    enum Slot {
        case empty
        case held(Parameter)
    }

    @Test func typesWithNoPlaceForAParameterAreSkipped() {
        for type in [Tensor.self, [Tensor].self, Tensor?.self, Buffers.self, Node.self, [String: [Double]].self] as [Any.Type] {
            #expect(!ParameterPlaces.mayHold(type), "\(type)")
        }
    }

    @Test func typesThatCanHoldOneAreWalked() {
        let types: [Any.Type] = [
            Parameter.self, Parameter?.self, [Parameter].self, [String: Parameter].self, (Int, Parameter).self,
            NodeWithParameter.self, Slot.self, Any.self, (any Layer).self, Affine.self, [Holder?].self,
        ]
        for type in types { #expect(ParameterPlaces.mayHold(type), "\(type)") }
    }

    /// A user's layer hiding an unlisted parameter in each kind of place.
    final class Hiding: UnaryLayer {
        let kindName = "Test.Hiding"
        let buffers = Buffers(scratch: [.zeros([2])], pair: (.zeros([1]), .zeros([1])), cache: [:], last: nil)
        let inStruct: NodeWithParameter
        let inEnum: Slot
        let inTuple: (Double, Parameter)
        let inDictionary: [String: Parameter]
        let inArrayOfAny: [Any]
        /// Declared as a class with no parameter, holding a subclass with one.
        let inSubclass: Holder? = HolderWithParameter()

        init() {
            inStruct = NodeWithParameter(
                children: [NodeWithParameter(children: [], weight: Parameter("deep", .zeros([1])))], weight: nil)
            inEnum = .held(Parameter("payload", .zeros([1])))
            inTuple = (1, Parameter("tupled", .zeros([1])))
            inDictionary = ["k": Parameter("keyed", .zeros([1]))]
            inArrayOfAny = [3, Parameter("boxed", .zeros([1]))]
        }

        func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
        func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
    }

    @Test func everyHiddenParameterIsNamed() {
        let names = Set(StoredParameters.unlisted(in: Hiding()).map(\.parameter.name))
        #expect(names == ["deep", "payload", "tupled", "keyed", "boxed", "inSubclass"])
    }

    @Test func builtInLayersWithoutParametersAreNotReflected() {
        for layer in [Tanh(), Sigmoid(), ReLU()] as [any Layer] {
            #expect(!ParameterPlaces.mayHold(type(of: layer)), "\(layer.kindName)")
        }
    }

    /// A user's layer on Foundation: an `NSObject` subclass holding a date, a URL and an
    /// `AnyObject` beside its unlisted parameter. The types the reflection runtime describes
    /// differently (a superclass from another module, Foundation's structs) are read, not trapped on.
    final class OnFoundation: NSObject, UnaryLayer {
        let kindName = "Test.OnFoundation"
        let hidden = Parameter("hidden", .zeros([1]))
        var date = Date(timeIntervalSince1970: 0)
        var url = URL(fileURLWithPath: "/tmp")
        var boxed: AnyObject = NSNumber(value: 3)

        func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
        func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
    }

    @Test func aLayerOnFoundationIsWalked() {
        #expect(StoredParameters.unlisted(in: OnFoundation()).map(\.parameter.name) == ["hidden"])
    }

    /// A layer whose only places for a parameter are properties declared `Parameter` has them
    /// read at their offsets, its superclass's included; a weak or unowned one is found too.
    class Base {
        let inBase = Parameter("inBase", .zeros([1]))
        var cache: Tensor?
    }

    final class Derived: Base, UnaryLayer {
        let kindName = "Test.Derived"
        let listed = Parameter("listed", .zeros([1]))
        let hidden = Parameter("hidden", .zeros([1]))
        var parameters: [Parameter] { [listed] }
        func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
        func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
    }

    final class Referring: UnaryLayer {
        let kindName = "Test.Referring"
        weak var weakly: Parameter?
        unowned let unownedly: Parameter
        init(_ weakly: Parameter, _ unownedly: Parameter) { (self.weakly, self.unownedly) = (weakly, unownedly) }
        func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
        func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
    }

    /// Only an unowned `Parameter` beside a listed one: read at its offset too.
    final class UnownedOnly: UnaryLayer {
        let kindName = "Test.UnownedOnly"
        let listed = Parameter("listed", .zeros([1]))
        unowned let elsewhere: Parameter
        init(_ elsewhere: Parameter) { self.elsewhere = elsewhere }
        var parameters: [Parameter] { [listed] }
        func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
        func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
    }

    @Test func anUnownedParameterIsReadAtItsOffset() {
        let elsewhere = Parameter("elsewhere", .zeros([1]))
        let layer = UnownedOnly(elsewhere)
        #expect(ParameterPlaces.parameterFields(of: UnownedOnly.self)?.map(\.name) == ["listed", "elsewhere"])
        let unlisted = StoredParameters.unlisted(in: layer)
        #expect(unlisted.map(\.path) == ["elsewhere"] && unlisted.first.map { $0.parameter === elsewhere } == true)
        #expect(
            StoredParameters.stored(in: layer).map(\.path)
                == StoredParameters.stored(in: layer, reflectingEverything: true).map(\.path))
        withExtendedLifetime(elsewhere) {}
    }

    @Test func parameterPropertiesAreReadAtTheirOffsets() throws {
        #expect(ParameterPlaces.parameterFields(of: Affine.self)?.map(\.name) == ["W", "b"])
        // In reflection's order: the class's own, then its superclass's.
        #expect(ParameterPlaces.parameterFields(of: Derived.self)?.map(\.name) == ["listed", "hidden", "inBase"])
        #expect(ParameterPlaces.parameterFields(of: Hiding.self) == nil)
        let layer = Derived()
        let unlisted = StoredParameters.unlisted(in: layer)
        #expect(unlisted.map(\.path) == ["hidden", "inBase"])
        #expect(
            unlisted.map { ObjectIdentifier($0.parameter) } == [ObjectIdentifier(layer.hidden), ObjectIdentifier(layer.inBase)])
        let (weakly, unownedly) = (Parameter("weakly", .zeros([1])), Parameter("unownedly", .zeros([1])))
        let referring = Referring(weakly, unownedly)
        #expect(ParameterPlaces.parameterFields(of: Referring.self) == nil)
        #expect(StoredParameters.unlisted(in: referring).map(\.path) == ["weakly", "unownedly"])
        withExtendedLifetime((weakly, unownedly)) {}
    }

    /// The offsets find what reflecting every object finds, by path and by identity: every
    /// built-in kind, the layers above, and a network of several.
    @Test func theOffsetsFindWhatReflectionFinds() throws {
        var layers: [any Layer] = LayerKind.allCases.map { LayerExample.make($0, seed: 1).layer }
        var rng = SeededGenerator(seed: 2)
        layers += [
            Derived(), Hiding(), OnFoundation(),
            Sequential([
                Affine(inFeatures: 3, outFeatures: 4, using: &rng), Tanh(), Affine(inFeatures: 4, outFeatures: 1, using: &rng),
            ]),
        ]
        for layer in layers {
            let (fast, reflected) = (
                StoredParameters.stored(in: layer), StoredParameters.stored(in: layer, reflectingEverything: true)
            )
            #expect(fast.map(\.path) == reflected.map(\.path), "\(layer.kindName)")
            #expect(
                fast.map { ObjectIdentifier($0.parameter) } == reflected.map { ObjectIdentifier($0.parameter) },
                "\(layer.kindName)")
        }
    }
}
