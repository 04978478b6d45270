import SlopeLayers

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
        var found: [(String, Parameter)] = []
        var visited = Set<ObjectIdentifier>()
        walk(layer, path: "", depth: 0, visited: &visited, found: &found)
        var seen = Set<ObjectIdentifier>()
        return found.filter { !listed.contains(ObjectIdentifier($0.1)) && seen.insert(ObjectIdentifier($0.1)).inserted }
    }

    private static func walk(
        _ value: Any, path: String, depth: Int, visited: inout Set<ObjectIdentifier>, found: inout [(String, Parameter)]
    ) {
        guard depth < 12 else { return }
        // Only a class can be a Parameter, and only a class is cast to one: with Foundation
        // loaded, casting an array to a class bridges it to an NSArray first, element by
        // element (Conv2D's work buffers of 200,000 numbers took 0.25 s a check).
        let isObject = type(of: value) is AnyClass
        if isObject, let parameter = value as? Parameter {
            found.append((path.isEmpty ? parameter.name : path, parameter))
            return
        }
        if value is Tensor || value is [Double] || value is [Int] || value is [Bool] || value is [Float] || value is Double
            || value is Float || value is Int || value is UInt64 || value is String || value is Bool
        {
            return
        }
        if isObject {
            let object = value as AnyObject
            guard visited.insert(ObjectIdentifier(object)).inserted else { return }
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
                walk(child.value, path: label, depth: depth + 1, visited: &visited, found: &found)
            }
            mirror = current.superclassMirror
        }
    }
}
