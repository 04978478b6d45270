#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a check is, written where another process can read it after this one died.
///
/// A gate runs its checks in a worker process (SlopeGate); when a user's layer traps, hangs
/// or calls `exit`, the worker cannot say where it was — so it says it all along: the phase
/// of the check ("finite differences of param W"), the call into the user's code (forward or
/// backward) and the element being moved. The parent reads these after the worker is gone
/// and names them in the report: "did not finish in 60 s; it was in the backward pass during
/// the invariant "backward linear in upstream"".
///
/// The record is a page of memory shared with the parent (``attach(to:)``). In every other
/// process nothing is attached and each mark is one load and a return. Writes are not
/// synchronised: the parent reads only once the writer has stopped, and a torn text is a
/// debugging aid gone wrong, never a verdict.
package enum Breadcrumbs {
    /// The size of the shared record.
    package static let size = 4096

    nonisolated(unsafe) private static var page: UnsafeMutableRawPointer?

    /// Starts recording into `page` (at least ``size`` bytes, zeroed), for the rest of the process.
    package static func attach(to page: UnsafeMutableRawPointer) {
        Self.page = page
        clear()
    }

    // The record's layout: integers first, then fixed text slots.
    private static let tensorSlot = 8, elementSlot = 16, directionSlot = 24, rankSlot = 32, shapeSlot = 40
    private static let maxRank = 8
    private static let callText = (offset: 128, capacity: 64)
    private static let phaseText = (offset: 192, capacity: 1024)
    private static let tensorText = (offset: 1216, capacity: 256)

    /// Forgets everything (a new check starts).
    package static func clear() {
        guard let page else { return }
        page.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        for slot in [tensorSlot, elementSlot, directionSlot] { page.storeBytes(of: -1, toByteOffset: slot, as: Int.self) }
    }

    /// The step of the check that is running ("the invariant …", "finite differences of param W").
    package static func phase(_ text: String) {
        guard let page else { return }
        write(text, at: phaseText, in: page)
        page.storeBytes(of: -1, toByteOffset: elementSlot, as: Int.self)
        page.storeBytes(of: -1, toByteOffset: directionSlot, as: Int.self)
    }

    /// The call into checked code that is running ("forward", "backward", "the Float vjp"), or
    /// nil between calls.
    package static func call(_ stage: String?) {
        guard let page else { return }
        write(stage ?? "", at: callText, in: page)
    }

    /// The tensor whose elements are being moved (an input or parameter, by name and shape).
    package static func tensor(_ name: String, shape: [Int]) {
        guard let page else { return }
        write(name, at: tensorText, in: page)
        let rank = min(shape.count, maxRank)
        page.storeBytes(of: rank, toByteOffset: rankSlot, as: Int.self)
        for (i, size) in shape.prefix(rank).enumerated() {
            page.storeBytes(of: size, toByteOffset: shapeSlot + 8 * i, as: Int.self)
        }
    }

    /// The flat index of the element being moved (one store: this runs for every element).
    package static func element(_ element: Int) {
        page?.storeBytes(of: element, toByteOffset: elementSlot, as: Int.self)
    }

    /// The random direction (fast mode) along which the whole tensor is being moved.
    package static func direction(_ direction: Int) {
        page?.storeBytes(of: direction, toByteOffset: directionSlot, as: Int.self)
    }

    /// Whether marks are recorded (a worker of a gate), so callers can skip building their text.
    package static var isRecording: Bool { page != nil }

    /// What was last recorded, read from a record (the parent's copy of a dead worker's page).
    package static func read(_ page: UnsafeRawPointer) -> Trail {
        let rank = min(max(page.load(fromByteOffset: rankSlot, as: Int.self), 0), maxRank)
        return Trail(
            phase: text(at: phaseText, in: page), call: text(at: callText, in: page),
            tensor: text(at: tensorText, in: page),
            shape: (0..<rank).map { page.load(fromByteOffset: shapeSlot + 8 * $0, as: Int.self) },
            element: page.load(fromByteOffset: elementSlot, as: Int.self),
            direction: page.load(fromByteOffset: directionSlot, as: Int.self))
    }

    /// The last marks of a check, as the parent reads them.
    package struct Trail: Sendable, Equatable {
        package var phase: String
        package var call: String
        package var tensor: String
        package var shape: [Int]
        /// The flat index of the element being moved, or -1.
        package var element: Int
        /// The direction being followed (fast mode), or -1.
        package var direction: Int

        package init(phase: String, call: String, tensor: String, shape: [Int], element: Int, direction: Int) {
            self.phase = phase
            self.call = call
            self.tensor = tensor
            self.shape = shape
            self.element = element
            self.direction = direction
        }

        /// "the backward pass, while taking the finite differences of param W, element [3, 1] of
        /// param W", or
        /// nil when nothing was recorded.
        package var description: String? {
            var parts: [String] = []
            switch call {
            case "": break
            case "forward", "backward": parts.append("the \(call) pass")
            default: parts.append(call)
            }
            if !phase.isEmpty { parts.append(parts.isEmpty ? phase : "while " + phase) }
            guard !parts.isEmpty else { return nil }
            var text = parts.joined(separator: ", ")
            if element >= 0, !tensor.isEmpty {
                text += ", element \(Self.index(element, in: shape))" + (phase.contains(tensor) ? "" : " of \(tensor)")
            } else if direction >= 0, !tensor.isEmpty {
                text += ", direction \(direction + 1)" + (phase.contains(tensor) ? "" : " through \(tensor)")
            }
            return text
        }

        /// The multi-index of a flat row-major index: "[3, 1]".
        static func index(_ flat: Int, in shape: [Int]) -> String {
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else { return "[\(flat)]" }
            var rest = flat
            var digits: [Int] = []
            for size in shape.reversed() {
                digits.append(rest % size)
                rest /= size
            }
            return "[" + digits.reversed().map(String.init).joined(separator: ", ") + "]"
        }
    }

    private static func write(_ text: String, at slot: (offset: Int, capacity: Int), in page: UnsafeMutableRawPointer) {
        var utf8 = Array(text.utf8.prefix(slot.capacity - 1))
        utf8.append(0)
        utf8.withUnsafeBytes { page.advanced(by: slot.offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    private static func text(at slot: (offset: Int, capacity: Int), in page: UnsafeRawPointer) -> String {
        let bytes = UnsafeRawBufferPointer(start: page.advanced(by: slot.offset), count: slot.capacity)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
