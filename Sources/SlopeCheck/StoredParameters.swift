import Foundation
import SlopeLayers
@_spi(Reflection) import Swift

/// Finds the `Parameter`s a layer stores but does not list in `parameters`.
///
/// Discovery stays explicit (a layer lists its parameters, in order); reflection is used only
/// to *check* that list: a parameter left out of it is never checked and never trained, and
/// its gradient is silently zero. The walk follows stored properties (through optionals,
/// arrays and nested layers) and skips tensors and numbers.
enum StoredParameters {
    static func invariant(of layer: any Layer) -> InvariantResult {
        let unlisted = self.unlisted(in: layer)
        if unlisted.isEmpty { return .pass(.storedParametersListed) }
        let names = unlisted.map { "\"\($0.parameter.name)\" (property \($0.path))" }.joined(separator: ", ")
        return .fail(
            .storedParametersListed,
            "the layer stores \(names) but `parameters` does not list \(unlisted.count == 1 ? "it" : "them"): never checked, never trained; add \(unlisted.count == 1 ? "it" : "them") to `parameters`"
        )
    }

    /// Stored parameters missing from `Layer.namedParameters`, with the property path to each.
    static func unlisted(in layer: any Layer) -> [(path: String, parameter: Parameter)] {
        let listed = Set(layer.namedParameters.map { ObjectIdentifier($0.1) })
        var seen = Set<ObjectIdentifier>()
        return stored(in: layer).filter {
            !listed.contains(ObjectIdentifier($0.1)) && seen.insert(ObjectIdentifier($0.1)).inserted
        }
    }

    /// Every Parameter the layer stores, with the property path to it. `reflectingEverything`:
    /// reflect every object, even one whose parameters are read at their offsets (the readable
    /// reference that shortcut is tested against).
    static func stored(in layer: any Layer, reflectingEverything: Bool = false) -> [(path: String, parameter: Parameter)] {
        var found: [(String, Parameter)] = []
        var visited = Set<ObjectIdentifier>()
        walk(layer, path: "", depth: 0, reflectingEverything: reflectingEverything, visited: &visited, found: &found)
        return found
    }

    private static func walk(
        _ value: Any, path: String, depth: Int, reflectingEverything: Bool, visited: inout Set<ObjectIdentifier>,
        found: inout [(String, Parameter)]
    ) {
        guard depth < 12 else { return }
        // Only a class can be a Parameter, and only a class is cast to one: with Foundation
        // loaded, casting an array to a class bridges it to an NSArray first, element by
        // element (Conv2D's work buffers of 200,000 numbers took 0.25 s a check).
        let valueType = type(of: value)
        let isObject = valueType is AnyClass
        if isObject, let parameter = value as? Parameter {
            found.append((path.isEmpty ? parameter.name : path, parameter))
            return
        }
        // A value whose type has no place a Parameter could be (its stored properties' types
        // say so; tensors and numbers have none) is not reflected: reflection is most of this
        // invariant's cost. The answer is kept per type: one lookup, not a cast per kind of leaf.
        guard ParameterPlaces.mayHold(valueType) else { return }
        if isObject {
            let object = value as AnyObject
            guard visited.insert(ObjectIdentifier(object)).inserted else { return }
            // A class whose only places for a Parameter are properties declared `Parameter`
            // (a dense layer: W, b and its caches) has them read at their offsets, as the
            // reflection below would find them, without reflecting the rest (most of the
            // invariant's cost: Affine's seven properties took 17 µs).
            if !reflectingEverything, let fields = ParameterPlaces.parameterFields(of: valueType) {
                let base = UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque())
                for field in fields {
                    let parameter = base.load(fromByteOffset: field.offset, as: Parameter.self)
                    found.append((path.isEmpty ? field.name : "\(path).\(field.name)", parameter))
                }
                return
            }
        }
        var mirror: Mirror? = Mirror(reflecting: value)
        while let current = mirror {
            if current.displayStyle == .collection || current.displayStyle == .set {
                // Collections of numbers are skipped above; a huge collection is no layer's storage.
                guard current.children.count <= 4096 else { return }
            }
            for (i, child) in current.children.enumerated() {
                let label: String
                switch current.displayStyle {
                case .optional: label = path
                case .collection, .set: label = "\(path)[\(i)]"
                default: label = path.isEmpty ? (child.label ?? "\(i)") : "\(path).\(child.label ?? "\(i)")"
                }
                walk(
                    child.value, path: label, depth: depth + 1, reflectingEverything: reflectingEverything,
                    visited: &visited, found: &found)
            }
            mirror = current.superclassMirror
        }
    }
}

/// Whether a value of a type may hold a `Parameter` somewhere in its stored properties, read
/// off the types of those properties (`_forEachField`), once per type. Conservative: a property
/// whose type could hold one at run time (a class, which a subclass may extend; a protocol or
/// `Any`; an enum, whose payloads the type's fields do not list; a type the runtime cannot
/// describe) may. Numbers, strings, tensors, and structs, tuples, optionals and collections
/// made only of them may not: a layer's work buffers and caches.
enum ParameterPlaces {
    static func mayHold(_ type: Any.Type) -> Bool {
        if let known = lock.withLock({ cache[ObjectIdentifier(type)] }) { return known }
        var inProgress = Set<ObjectIdentifier>()
        let answer = analyse(type, exactly: true, inProgress: &inProgress)
        lock.withLock { cache[ObjectIdentifier(type)] = answer }
        return answer
    }

    /// For a class whose stored properties (its superclasses' included) leave no place for a
    /// Parameter but properties declared `Parameter` itself: their names and byte offsets in an
    /// instance. Nil for any other class, and for one the runtime cannot describe: reflect it.
    /// (A property declared `Parameter` holds a strong or unowned reference: `weak` needs an
    /// optional, whose type is not `Parameter`.)
    static func parameterFields(of type: Any.Type) -> [(name: String, offset: Int)]? {
        if let known = lock.withLock({ fieldsCache[ObjectIdentifier(type)] }) { return known }
        var fields: [(name: String, offset: Int)]? = []
        let described = _forEachField(of: type, options: _EachFieldOptions(rawValue: 1 << 0)) { name, offset, fieldType, _ in
            if fieldType == Parameter.self {
                fields?.append((String(cString: name), offset))
            } else if propertyMayHold(fieldType) {
                fields = nil
            }
            return fields != nil
        }
        // In reflection's order: the class's own properties, then each superclass's (the
        // runtime lists a superclass's first, and they lie first in the instance).
        let answer = described ? fields.map { inReflectionOrder($0, of: type) } : nil
        lock.withLock { fieldsCache[ObjectIdentifier(type)] = .some(answer) }
        return answer
    }

    private static func inReflectionOrder(_ fields: [(name: String, offset: Int)], of type: Any.Type) -> [(
        name: String, offset: Int
    )] {
        guard let superclass = (type as? AnyClass).flatMap(_getSuperclass) else { return fields }
        var inherited = 0
        _forEachField(of: superclass, options: _EachFieldOptions(rawValue: 1 << 0)) { _, offset, _, _ in
            inherited = max(inherited, offset + 1)
            return true
        }
        let own = fields.filter { $0.offset >= inherited }
        return own + inReflectionOrder(fields.filter { $0.offset < inherited }, of: superclass)
    }

    /// Whether a property declared of type `type` may hold a Parameter (a class may: a subclass
    /// can add one), as the analysis of a stored property reads it.
    private static func propertyMayHold(_ type: Any.Type) -> Bool {
        var inProgress = Set<ObjectIdentifier>()
        return analyse(type, exactly: false, inProgress: &inProgress)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [ObjectIdentifier: Bool] = [:]
    nonisolated(unsafe) private static var fieldsCache: [ObjectIdentifier: [(name: String, offset: Int)]?] = [:]

    /// `exactly`: `type` is a value's own type, not a property's (a property of a class type may
    /// hold a subclass, whose own properties are not these: it is walked as the object it holds).
    /// `inProgress`: the types being analysed further up (a type that contains itself, through
    /// a collection, holds a Parameter only if something else in it does).
    private static func analyse(_ type: Any.Type, exactly: Bool, inProgress: inout Set<ObjectIdentifier>) -> Bool {
        if type is Parameter.Type { return true }
        if leaves.contains(ObjectIdentifier(type)) { return false }
        if let container = type as? any ElementTyped.Type {
            return container.elementTypes.contains { analyse($0, exactly: false, inProgress: &inProgress) }
        }
        let isClass = type is AnyClass
        if isClass && !exactly { return true }
        guard inProgress.insert(ObjectIdentifier(type)).inserted else { return false }
        defer { inProgress.remove(ObjectIdentifier(type)) }
        if !isClass {
            // A value smaller than a reference holds none (an enum without payloads, say).
            guard size(of: type) >= MemoryLayout<AnyObject>.size else { return false }
            switch kind(of: type) {
            case .struct, .tuple: break
            case .function, .metatype, .existentialMetatype: return false
            default: return true  // an enum (its payloads are not listed), a protocol, Any, …
            }
        }
        var fieldTypes: [Any.Type] = []
        // (`_EachFieldOptions.classType`, which Swift 6 will not read as a shared static.)
        let options = isClass ? _EachFieldOptions(rawValue: 1 << 0) : []
        let described = _forEachField(of: type, options: options) { _, _, fieldType, _ in
            fieldTypes.append(fieldType)
            return true
        }
        guard described else { return true }
        return fieldTypes.contains { analyse($0, exactly: false, inProgress: &inProgress) }
    }

    /// The kind of `type`, read as the kind of a stored property of that type.
    private static func kind(of type: Any.Type) -> _MetadataKind? {
        func boxed<T>(_: T.Type) -> Any.Type { Box<T>.self }
        var found: _MetadataKind?
        _forEachField(of: _openExistential(type, do: boxed)) { _, _, _, kind in
            found = kind
            return false
        }
        return found
    }

    private static func size(of type: Any.Type) -> Int {
        func size<T>(_: T.Type) -> Int { MemoryLayout<T>.size }
        return _openExistential(type, do: size)
    }

    private struct Box<T> { var value: T }

    private static let leaves: Set<ObjectIdentifier> = [
        Tensor.self, Double.self, Float.self, Int.self, Int32.self, UInt64.self, UInt8.self, Bool.self, String.self,
        [Double].self, [Float].self, [Int].self, [Int32].self, [Bool].self, [UInt8].self, [String].self,
    ].map { ObjectIdentifier($0) }.reduce(into: []) { $0.insert($1) }
}

/// A collection or an optional: the types of what it holds (its stored properties are its
/// buffer's, which say nothing of them).
private protocol ElementTyped {
    static var elementTypes: [Any.Type] { get }
}

extension Array: ElementTyped { static var elementTypes: [Any.Type] { [Element.self] } }
extension ContiguousArray: ElementTyped { static var elementTypes: [Any.Type] { [Element.self] } }
extension Set: ElementTyped { static var elementTypes: [Any.Type] { [Element.self] } }
extension Dictionary: ElementTyped { static var elementTypes: [Any.Type] { [Key.self, Value.self] } }
extension Optional: ElementTyped { static var elementTypes: [Any.Type] { [Wrapped.self] } }
