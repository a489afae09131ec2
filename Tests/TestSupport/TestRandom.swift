/// SplitMix64: a small seeded generator, so every random test case can be replayed from its
/// seed. Test-only (the runtime's own generator is Training's DeterministicRandom).
public struct TestRandom {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Uniform in `range` (53 random bits).
    public mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + Double(next() >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
    }

    /// Uniform in [-1, 1).
    public mutating func float() -> Float { Float(next() >> 40) * (2 / 16_777_216) - 1 }
    public mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in float() * scale } }
    public mutating func bool() -> Bool { next() & 1 == 1 }
    public mutating func chance(_ p: Double) -> Bool { double(0...1) < p }
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
