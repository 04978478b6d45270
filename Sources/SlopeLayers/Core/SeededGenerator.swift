import Foundation

/// A small, fast, seeded random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in Slope — initial weights, upstream gradients in checks,
/// shuffles, dropout masks — comes from one of these, so the same seed gives the
/// same numbers, the same verdicts and the same bytes on every machine. (`nextNormal()` also
/// takes the C library's `log` and `cos`: the same on every machine with the same C library.
/// `Tensor.normal`, a check's directions, takes only exactly rounded arithmetic.)
/// Its whole state is four words, which checkpoints store to resume exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var splitmix = seed
        func next() -> UInt64 {
            splitmix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [next(), next(), next(), next()]
    }

    /// Restores a generator from a saved state (four words, not all zero).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    /// One step of xoshiro256** (`Stream.next`, the one implementation), the state kept in `state`.
    public mutating func next() -> UInt64 {
        var stream = Stream(s0: state[0], s1: state[1], s2: state[2], s3: state[3])
        let result = stream.next()
        (state[0], state[1], state[2], state[3]) = (stream.s0, stream.s1, stream.s2, stream.s3)
        return result
    }

    /// The same stream as `next()` with its state in four locals, for loops that draw a million
    /// numbers (the array-backed state is bounds-checked and uniqueness-checked on every draw);
    /// the generator goes on from where `body` left it. A user's layer drawing a mask per
    /// element can use it the same way as Dropout does.
    public mutating func withStream<R>(_ body: (inout Stream) -> R) -> R {
        var stream = Stream(s0: state[0], s1: state[1], s2: state[2], s3: state[3])
        defer { state = [stream.s0, stream.s1, stream.s2, stream.s3] }
        return body(&stream)
    }

    /// xoshiro256** on four registers.
    @frozen
    public struct Stream {
        @usableFromInline var s0, s1, s2, s3: UInt64

        @inlinable
        init(s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64) { (self.s0, self.s1, self.s2, self.s3) = (s0, s1, s2, s3) }

        @inlinable @inline(__always)
        public mutating func next() -> UInt64 {
            let result = Self.rotl(s1 &* 5, 7) &* 9
            let t = s1 << 17
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = Self.rotl(s3, 45)
            return result
        }

        /// A uniform double in [0, 1) with 53 random bits: the same as ``SeededGenerator/nextUnit()``.
        @inlinable @inline(__always)
        public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

        /// The same value, bit for bit, as the standard library's `Double.random(in: range, using:)`
        /// on this stream: the low 53 bits of one draw scaled into the range, drawn again when
        /// rounding lands on the excluded upper bound.
        @inlinable @inline(__always)
        public mutating func nextUniform(in range: Range<Double>) -> Double {
            let width = range.upperBound - range.lowerBound
            while true {
                let value = width * (Double(next() & (1 << 53 - 1)) * 0x1.0p-53) + range.lowerBound
                if value != range.upperBound { return value }
            }
        }

        @inlinable @inline(__always)
        static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal deviate (Box–Muller).
    public mutating func nextNormal() -> Double {
        var u = nextUnit()
        while u == 0 { u = nextUnit() }
        let v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
