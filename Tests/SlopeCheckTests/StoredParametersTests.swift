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
}
