import Foundation

/// The vector registers an FMA peak is measured in.
public enum FMAVectorWidth: String, CaseIterable, Sendable {
    /// 256 bits, 8 floats (AVX2 + FMA).
    case ymm
    /// 512 bits, 16 floats (AVX-512).
    case zmm

    public var floats: Int {
        switch self {
        case .ymm: 8
        case .zmm: 16
        }
    }

    /// The widths this processor has registers for: ymm everywhere the kernels run, zmm where
    /// AVX-512 is (on other processors SIMD16 would be two ymm and measure the same as ymm).
    public static var available: [FMAVectorWidth] { HostProcessor.current.hasAVX512 ? [.ymm, .zmm] : [.ymm] }
}

/// A measured fused multiply-add peak.
public struct FMAPeak: Sendable {
    public var width: FMAVectorWidth
    public var threads: Int
    /// Floating-point operations per second / 10⁹ (a multiply-add counts two) of all threads together.
    public var gflops: Double
    /// The sum of every chain's last value: finite (they converge), and what keeps the
    /// optimiser from dropping the loop.
    public var checksum: Float

    /// Whether measurements of the same peak differ by more than 15 %: the machine's speed
    /// changed between them (another process, or threads sharing a core), and figures measured
    /// in between are suspect.
    public static func differ(_ gflops: [Double]) -> Bool {
        guard let lowest = gflops.min(), let highest = gflops.max() else { return false }
        return lowest < 0.85 * highest
    }

    /// The highest peak of the widths this processor has, on the pool's threads: what the
    /// kernels' GFLOP/s are compared with.
    public static func best(pool: ThreadPool, seconds: Double) -> FMAPeak {
        FMAVectorWidth.available.map { measure($0, pool: pool, seconds: seconds) }.max { $0.gflops < $1.gflops }!
    }

    /// Every thread of `pool` runs twelve independent chains of `c = c·x + y` in `width`
    /// registers — more chains than an FMA's latency times its pipes on the processors met, so
    /// the pipes, not the latency, set the pace; no loads, no stores. The best of three rounds
    /// of about `seconds` / 3 each (docs/reference/fma_peak.c is the same loop in C).
    public static func measure(_ width: FMAVectorWidth, pool: ThreadPool, seconds: Double) -> FMAPeak {
        let threads = pool.threadCount
        // Each thread's chains end in `sums`, which the result depends on: nothing is dead code.
        let sums = UnsafeMutableBufferPointer<Float>.allocate(capacity: threads)
        defer { sums.deallocate() }
        var checksum: Float = 0
        func round(_ iterations: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(threads) { thread in
                sums[thread] = width == .ymm ? fmaChains(SIMD8<Float>.self, iterations: iterations)
                                             : fmaChains(SIMD16<Float>.self, iterations: iterations)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            checksum += sums.reduce(0, +)
            return seconds
        }
        // Calibrate on a short round (a few milliseconds), then size the timed ones.
        let probe = 1 << 18
        let probeSeconds = max(round(probe), 1e-6)
        let iterations = max(probe, Int(Double(probe) * seconds / 3 / probeSeconds))
        let best = (0..<3).map { _ in round(iterations) }.min()!
        let flops = 2.0 * Double(threads) * Double(iterations) * 12 * Double(width.floats)
        return FMAPeak(width: width, threads: threads, gflops: flops / best / 1e9, checksum: checksum)
    }
}

/// Twelve dependent chains side by side; their sum is returned so none is optimised away.
/// With x < 1 every chain converges (to y / (1 − x)), so no round is long enough to overflow.
@inline(never)
private func fmaChains<V: SIMD>(_: V.Type, iterations: Int) -> Float where V.Scalar == Float {
    let x = V(repeating: 0.999_999_9), y = V(repeating: 1.000_000_1)
    var c0 = V(repeating: 0), c1 = V(repeating: 1), c2 = V(repeating: 2), c3 = V(repeating: 3)
    var c4 = V(repeating: 4), c5 = V(repeating: 5), c6 = V(repeating: 6), c7 = V(repeating: 7)
    var c8 = V(repeating: 8), c9 = V(repeating: 9), c10 = V(repeating: 10), c11 = V(repeating: 11)
    for _ in 0..<iterations {
        c0 = y.addingProduct(c0, x); c1 = y.addingProduct(c1, x); c2 = y.addingProduct(c2, x)
        c3 = y.addingProduct(c3, x); c4 = y.addingProduct(c4, x); c5 = y.addingProduct(c5, x)
        c6 = y.addingProduct(c6, x); c7 = y.addingProduct(c7, x); c8 = y.addingProduct(c8, x)
        c9 = y.addingProduct(c9, x); c10 = y.addingProduct(c10, x); c11 = y.addingProduct(c11, x)
    }
    let total = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
    return total.sum()
}
