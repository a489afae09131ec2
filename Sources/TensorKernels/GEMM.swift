import Foundation

/// Single-precision GEMM, row-major:
///   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C
/// op(A) is A (m×k, leading dimension lda ≥ k) or, with `transposeA`, Aᵀ where A is k×m (lda ≥ m).
/// op(B) is B (k×n, ldb ≥ n) or, with `transposeB`, Bᵀ where B is n×k (ldb ≥ k).
/// With beta == 0, C is never read (it may hold NaNs).
///
/// Packed panels, cache blocking and a register-blocked SIMD micro-kernel (GEMMBlocked.swift,
/// GEMMMicroKernel.swift), split across the pool's threads by rows or columns of C. Results are
/// deterministic, and bit-identical for every thread count.
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool = .shared) {
    gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
         b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, pool: pool, microKernel: .best)
}

/// `gemm` with a chosen micro-kernel and, optionally, cache blocking (for benchmarks and
/// tests; `gemm` uses `.best` and its `cacheBlocking` on this machine).
public func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool,
                 microKernel: GEMMMicroKernel, blocking: GEMMBlocking? = nil) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
    precondition(lda >= max(1, transposeA ? m : k) && ldb >= max(1, transposeB ? k : n) && ldc >= max(1, n),
                 "gemm: leading dimension smaller than a row")
    if m == 0 || n == 0 { return }
    if k == 0 || alpha == 0 {
        gemmScale(m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }
    gemmParallel(microKernel, blocking: blocking ?? microKernel.cacheBlocking, transposeA: transposeA,
                 transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, pool: pool)
}

/// The register-blocked micro-kernels `gemm` can run (GEMMMicroKernel.swift has the details).
public enum GEMMMicroKernel: String, CaseIterable, Sendable {
    /// 6×16 tile of SIMD8<Float>: AVX2 + FMA (16 ymm registers); any other SIMD hardware.
    case rows6cols16 = "6x16"
    /// 8×32 tile of SIMD16<Float>: AVX-512 (32 zmm registers).
    case rows8cols32 = "8x32"

    /// Rows × columns of C one call of the micro-kernel computes.
    public var tile: (rows: Int, columns: Int) {
        switch self {
        case .rows6cols16: (MicroKernel6x16.mr, MicroKernel6x16.nr)
        case .rows8cols32: (MicroKernel8x32.mr, MicroKernel8x32.nr)
        }
    }

    /// The vector instructions the micro-kernel is written for.
    public var instructionSet: String {
        switch self {
        case .rows6cols16: "AVX2+FMA"
        case .rows8cols32: "AVX-512"
        }
    }

    /// Whether this processor runs the kernel in its intended registers. The kernels are
    /// compiled for the host (`-target-cpu native`), so this is also what the compiler used.
    public var isNative: Bool {
        switch self {
        case .rows6cols16: true
        case .rows8cols32: hostHasAVX512
        }
    }

    /// The fastest kernel for this processor: 8×32 where AVX-512 is available.
    public static let best: GEMMMicroKernel = hostHasAVX512 ? .rows8cols32 : .rows6cols16
}

private var hostHasAVX512: Bool { HostProcessor.current.hasAVX512 }

/// Below this many multiply-adds (m·n·k) a call runs on one thread: handing a share to a
/// worker and packing B twice costs more than the split saves. Measured crossover ≈ 48³
/// (1.6 µs on one thread); docs/performance.md.
let gemmParallelThreshold = 1 << 17

/// Splits C into one contiguous share per thread — rows when m ≥ n, else columns — on
/// micro-tile boundaries. Splitting rows means each share packs all of B (and its own rows of
/// A); splitting columns, all of A: the split repeats the packing of the smaller operand.
/// Any thread may run any share (ThreadPool hands them out as threads become free); a share's
/// result does not depend on which.
private func gemmParallel(
    _ microKernel: GEMMMicroKernel, blocking: GEMMBlocking, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool
) {
    let splitRows = m >= n
    let tileWidth = splitRows ? microKernel.tile.rows : microKernel.tile.columns
    let extent = splitRows ? m : n
    let tiles = ceilDivide(extent, tileWidth)
    let shares = m * n * k < gemmParallelThreshold ? 1 : min(pool.threadCount, tiles)
    if shares == 1 {
        gemmBlocked(microKernel, blocking: blocking, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: .current)
        return
    }
    pool.parallelFor(shares) { share in
        let start = min(extent, tiles * share / shares * tileWidth)
        let end = min(extent, tiles * (share + 1) / shares * tileWidth)
        if start >= end { return }
        if splitRows {
            gemmBlocked(microKernel, blocking: blocking, transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k,
                        alpha: alpha, a: a + start * (transposeA ? 1 : lda), lda: lda, b: b, ldb: ldb,
                        beta: beta, c: c + start * ldc, ldc: ldc, workspace: .current)
        } else {
            gemmBlocked(microKernel, blocking: blocking, transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k,
                        alpha: alpha, a: a, lda: lda, b: b + start * (transposeB ? ldb : 1), ldb: ldb,
                        beta: beta, c: c + start, ldc: ldc, workspace: .current)
        }
    }
}

/// C = beta · C (the whole product is zero: k == 0 or alpha == 0); beta == 0 writes zeros without reading C.
private func gemmScale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: n)
        } else if beta != 1 {
            for j in 0..<n { row[j] *= beta }
        }
    }
}

/// The naive twin of `gemm`: the reference tests compare against. Same contract.
public func gemmNaive(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                let aip = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bpj = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += aip * bpj
            }
            c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}
