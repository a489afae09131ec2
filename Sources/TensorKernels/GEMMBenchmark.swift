import Foundation

/// One GEMM shape to time: C[m×n] = op(A)[m×k] · op(B)[k×n].
public struct GEMMShape: Equatable, Sendable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int
    public var transposeA: Bool, transposeB: Bool

    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        self.m = m; self.n = n; self.k = k
        self.transposeA = transposeA; self.transposeB = transposeB
    }

    /// The square n×n×n product, no transposes.
    public init(square n: Int) { self.init(m: n, n: n, k: n) }

    public var isSquare: Bool { m == n && n == k && !transposeA && !transposeB }

    /// Floating-point operations of one product (a multiply-add counts two).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// "1024" for a plain square product, else "MxNxK" with "ᵀA"/"ᵀB" marks: "32x512x784 Bᵀ".
    public var description: String {
        if isSquare { return "\(n)" }
        var text = "\(m)x\(n)x\(k)"
        if transposeA { text += " Aᵀ" }
        if transposeB { text += " Bᵀ" }
        return text
    }
}

/// How fast `gemm` ran on one shape.
public struct GEMMTiming: Sendable {
    public var shape: GEMMShape
    public var threads: Int
    public var microKernel: GEMMMicroKernel
    public var blocking: GEMMBlocking
    /// Best seconds per call.
    public var seconds: Double
    /// Calls per timed round.
    public var repetitions: Int
    public var gflops: Double { shape.flops / seconds / 1e9 }
}

/// Times `gemm` the way the numpy_gemm.py reference script times numpy's matmul, so the two
/// figures compare: operands filled once, one warm-up call, then three rounds of
/// max(3, 2·10⁹ / flops) calls; the best round's time per call. beta = 0, alpha = 1,
/// tight leading dimensions.
///
/// Lives in the kernels target so that it is compiled optimised even in a debug build of
/// the command that calls it.
public func timeGEMM(_ shape: GEMMShape, pool: ThreadPool, microKernel: GEMMMicroKernel = .best,
                     blocking: GEMMBlocking? = nil) -> GEMMTiming {
    let blocking = blocking ?? microKernel.cacheBlocking
    let (m, n, k) = (shape.m, shape.n, shape.k)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * k))
    let b = UnsafeMutablePointer<Float>.allocate(capacity: max(1, k * n))
    let c = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * n))
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    fillUniform(a, count: m * k, seed: 1)
    fillUniform(b, count: k * n, seed: 2)
    let lda = shape.transposeA ? m : k
    let ldb = shape.transposeB ? k : n

    func call() {
        gemm(transposeA: shape.transposeA, transposeB: shape.transposeB, m: m, n: n, k: k, alpha: 1,
             a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n, pool: pool, microKernel: microKernel, blocking: blocking)
    }
    call()
    let repetitions = max(3, Int(2e9 / max(shape.flops, 1)))
    var best = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repetitions { call() }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        best = min(best, elapsed / Double(repetitions))
    }
    return GEMMTiming(shape: shape, threads: pool.threadCount, microKernel: microKernel, blocking: blocking,
                      seconds: best, repetitions: repetitions)
}

/// Deterministic values in [-1, 1) (a 32-bit LCG; the timing does not depend on them, but
/// they must be ordinary numbers — no denormals or NaNs).
private func fillUniform(_ pointer: UnsafeMutablePointer<Float>, count: Int, seed: UInt32) {
    var state = seed
    for i in 0..<count {
        state = state &* 1_664_525 &+ 1_013_904_223
        pointer[i] = Float(state >> 8) * (2 / 16_777_216) - 1
    }
}
