/// The cache blocking of one thread's share of a GEMM (BLIS names, GEMMBlocked.swift): at most
/// kc steps of K, mc rows of op(A) and nc columns of op(B) per packed block.
///
/// kc sets the summation order — each element of C is a sum of ⌈k/kc⌉ partial sums, added in
/// order — so two blockings with different kc give results that differ in the last bits;
/// mc and nc only change which tiles are computed when, never any element's arithmetic.
public struct GEMMBlocking: Hashable, Sendable, CustomStringConvertible {
    public var kc: Int
    public var mc: Int
    public var nc: Int

    public init(kc: Int, mc: Int, nc: Int) {
        precondition(kc >= 1 && mc >= 1 && nc >= 1, "gemm: cache blocking sizes must be positive")
        self.kc = kc
        self.mc = mc
        self.nc = nc
    }

    /// "kc 256, mc 144, nc 4096".
    public var description: String { "kc \(kc), mc \(mc), nc \(nc)" }

    /// `kc:mc:nc` as the benchmark's `--blocking` option takes it ("256:144:4096").
    public init?(parsing text: String) {
        let values = text.split(separator: ":", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard values.count == 3, let kc = values[0], let mc = values[1], let nc = values[2],
              kc >= 1, mc >= 1, nc >= 1, kc <= 1 << 16, mc <= 1 << 16, nc <= 1 << 20 else { return nil }
        self.init(kc: kc, mc: mc, nc: nc)
    }
}

extension GEMMMicroKernel {
    /// The blocking this kernel uses on this machine: `blocking(for: .current)`, derived once.
    public var cacheBlocking: GEMMBlocking {
        switch self {
        case .rows6cols16: hostBlocking6x16
        case .rows8cols32: hostBlocking8x32
        }
    }

    /// The blocking for this kernel on `processor`, from its L1d and L2 sizes.
    ///
    /// `GEMMBlockingRule` says how; where sysfs did not give the caches, the sizes of the
    /// machines the constants were first measured on stand in.
    public func blocking(for processor: HostProcessor) -> GEMMBlocking {
        GEMMBlockingRule.blocking(for: self, l1: processor.cache(level: 1)?.bytes,
                                  l2: processor.cache(level: 2)?.bytes)
    }
}

private let hostBlocking6x16 = GEMMMicroKernel.rows6cols16.blocking(for: .current)
private let hostBlocking8x32 = GEMMMicroKernel.rows8cols32.blocking(for: .current)

/// How the blocking follows the caches (BLIS's analytical model, Low et al. 2016, checked
/// against measurements in docs/performance.md):
/// - kc: a kc×NR micro-panel of B takes half of L1d, the other half being for the A
///   micro-panels streaming through and the C tile. The 8×32 kernel is the exception: kc = 384
///   (a 48 KiB panel, all of a 32 or 48 KiB L1) measured best on both its machines — the L2
///   streams the panel in time, and fewer kc blocks mean fewer passes over C.
/// - mc: the mc×kc block of A takes a quarter of L2, the rest being for the B micro-panels on
///   their way to L1, the lines of C and, on a machine whose L2 is shared or inclusive, the
///   other core's or level's lines. Measured flat (within the noise) from a sixth to a half
///   of L2 on Zen 5 and Zen 3; on Zen 3 a half was 4–8 % slower than a quarter at n = 2048
///   on two threads in two runs.
/// - nc: 4096 columns; the kc×nc block of B lives in L3, and a larger one saves nothing.
/// Each is clamped to the range that was measured, and a cache sysfs did not give is
/// taken as that of the machine the constants were first set on (Zen 5: 48 KiB L1d, 1 MiB L2).
enum GEMMBlockingRule {
    static let fallbackL1 = 48 << 10
    static let fallbackL2 = 1 << 20
    static let nc = 4096

    static func blocking(for kernel: GEMMMicroKernel, l1: Int?, l2: Int?) -> GEMMBlocking {
        let (mr, nr) = kernel.tile
        let l1 = l1 ?? fallbackL1, l2 = l2 ?? fallbackL2
        let floatBytes = MemoryLayout<Float>.stride
        let kc: Int
        switch kernel {
        case .rows6cols16: kc = clamp(roundDown(l1 / 2 / (nr * floatBytes), to: 8), 128...512)
        case .rows8cols32: kc = 384
        }
        let mc = clamp(roundDown(l2 / 4 / (kc * floatBytes), to: mr), (8 * mr)...(64 * mr))
        return GEMMBlocking(kc: kc, mc: mc, nc: nc)
    }

    private static func roundDown(_ x: Int, to multiple: Int) -> Int { x / multiple * multiple }
    private static func clamp(_ x: Int, _ range: ClosedRange<Int>) -> Int {
        min(max(x, range.lowerBound), range.upperBound)
    }
}
