import CPrefetch

/// The register-blocked micro-kernels at the centre of `gemm` (BLIS docs/KernelsHowTo.md).
///
/// A micro-kernel computes one MR×NR tile of C from two packed micro-panels:
///   a is kc×MR (for each p, the MR values of column p of the A block: `a[p·MR + i]`),
///   b is kc×NR (for each p, the NR values of row p of the B block: `b[p·NR + j]`),
///   C[MR×NR] (row stride ldc) = alpha · a·b + beta · C, and with beta == 0 C is never read.
/// The MR×NR accumulators live in vector registers for the whole k loop; each step loads NR
/// floats of b, broadcasts MR floats of a, and issues MR·NR/W fused multiply-adds.
///
/// `runReadingA` is the same kernel reading A where it lies instead of from a packed panel:
/// value i of step p at `a[i·aX + p·aP]`. Its products and their order are those of `run`,
/// so the bits are too.
protocol GEMMMicroKernelShape {
    /// Rows and columns of the C tile.
    static var mr: Int { get }
    static var nr: Int { get }
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float)
    static func runReadingA(kc: Int, a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float)
}

/// Writes one row of a tile: C = alpha · acc, or alpha · acc + beta · C.
/// (`gemmStoreEdgeTile` repeats this arithmetic lane by lane, so every element of C gets the
/// same rounding whether its tile is a full one or an edge: results do not depend on tiling.)
@inline(__always)
private func storeRow<V: SIMD>(_ acc: V, _ c: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) where V.Scalar == Float {
    let pointer = UnsafeMutableRawPointer(c)
    if beta == 0 {
        pointer.storeBytes(of: acc * alpha, as: V.self)
    } else {
        pointer.storeBytes(of: acc * alpha + pointer.loadUnaligned(as: V.self) * beta, as: V.self)
    }
}

/// Brings the C tile towards L1 before the k loop. Its rows are written (and, after the first
/// kc block, read) only once the loop is done, when nothing else is left to overlap with the
/// miss (docs/performance.md has the measurement).
@inline(__always)
private func prefetchTile(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
    var row = c
    for _ in 0..<rows {
        var j = 0
        while j < columns { schedc_prefetch_for_write(row + j); j += 16 }
        schedc_prefetch_for_write(row + columns - 1)  // an unaligned row ends in one more line
        row += ldc
    }
}

@inline(__always)
private func load<V: SIMD>(_ pointer: UnsafeRawPointer, _ offset: Int) -> V where V.Scalar == Float {
    pointer.loadUnaligned(fromByteOffset: offset * MemoryLayout<V>.stride, as: V.self)
}

/// 6×16 tile, 12 SIMD8<Float> accumulators + 2 for b + 1 broadcast = 15 of AVX2's 16 ymm registers.
/// The classic Haswell shape (BLIS, OpenBLAS): 12 independent FMA chains cover the FMA latency
/// (4 cycles × 2 pipes = 8 in flight), and 6 broadcasts + 2 loads per 12 FMAs fit the load ports.
enum MicroKernel6x16: GEMMMicroKernelShape {
    static var mr: Int { 6 }
    static var nr: Int { 16 }

    @inline(never)  // one copy, easy to find in the disassembly; the call is per tile, not per step
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        tile(kc: kc, a: a, aX: 1, aP: 6, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    @inline(never)
    static func runReadingA(kc: Int, a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        tile(kc: kc, a: a, aX: aX, aP: aP, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    @inline(__always)
    private static func tile(kc: Int, a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        typealias V = SIMD8<Float>
        prefetchTile(c, ldc: ldc, rows: 6, columns: 16)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0: V = load(pb, 0), b1: V = load(pb, 1)
            var ai = V(repeating: pa[0])
            c00.addProduct(ai, b0); c01.addProduct(ai, b1)
            ai = V(repeating: pa[aX])
            c10.addProduct(ai, b0); c11.addProduct(ai, b1)
            ai = V(repeating: pa[2 * aX])
            c20.addProduct(ai, b0); c21.addProduct(ai, b1)
            ai = V(repeating: pa[3 * aX])
            c30.addProduct(ai, b0); c31.addProduct(ai, b1)
            ai = V(repeating: pa[4 * aX])
            c40.addProduct(ai, b0); c41.addProduct(ai, b1)
            ai = V(repeating: pa[5 * aX])
            c50.addProduct(ai, b0); c51.addProduct(ai, b1)
            pa += aP
            pb += 16 * MemoryLayout<Float>.stride
        }
        var row = c
        storeRow(c00, row, alpha: alpha, beta: beta); storeRow(c01, row + 8, alpha: alpha, beta: beta); row += ldc
        storeRow(c10, row, alpha: alpha, beta: beta); storeRow(c11, row + 8, alpha: alpha, beta: beta); row += ldc
        storeRow(c20, row, alpha: alpha, beta: beta); storeRow(c21, row + 8, alpha: alpha, beta: beta); row += ldc
        storeRow(c30, row, alpha: alpha, beta: beta); storeRow(c31, row + 8, alpha: alpha, beta: beta); row += ldc
        storeRow(c40, row, alpha: alpha, beta: beta); storeRow(c41, row + 8, alpha: alpha, beta: beta); row += ldc
        storeRow(c50, row, alpha: alpha, beta: beta); storeRow(c51, row + 8, alpha: alpha, beta: beta)
    }
}

/// 8×32 tile, 16 SIMD16<Float> accumulators + 2 for b of AVX-512's 32 zmm registers; the
/// broadcasts fold into the FMAs (`vfmadd231ps (mem){1to16}`). Twice the work per instruction
/// of the 6×16 kernel on cores with full-width 512-bit FMA units (AMD Zen 5, Intel server
/// cores); MR = 8 divides the power-of-two batch sizes training uses.
enum MicroKernel8x32: GEMMMicroKernelShape {
    static var mr: Int { 8 }
    static var nr: Int { 32 }

    @inline(never)  // one copy, easy to find in the disassembly; the call is per tile, not per step
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        tile(kc: kc, a: a, aX: 1, aP: 8, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    @inline(never)
    static func runReadingA(kc: Int, a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        tile(kc: kc, a: a, aX: aX, aP: aP, b: b, c: c, ldc: ldc, alpha: alpha, beta: beta)
    }

    @inline(__always)
    private static func tile(kc: Int, a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        typealias V = SIMD16<Float>
        prefetchTile(c, ldc: ldc, rows: 8, columns: 32)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0: V = load(pb, 0), b1: V = load(pb, 1)
            var ai = V(repeating: pa[0])
            c00.addProduct(ai, b0); c01.addProduct(ai, b1)
            ai = V(repeating: pa[aX])
            c10.addProduct(ai, b0); c11.addProduct(ai, b1)
            ai = V(repeating: pa[2 * aX])
            c20.addProduct(ai, b0); c21.addProduct(ai, b1)
            ai = V(repeating: pa[3 * aX])
            c30.addProduct(ai, b0); c31.addProduct(ai, b1)
            ai = V(repeating: pa[4 * aX])
            c40.addProduct(ai, b0); c41.addProduct(ai, b1)
            ai = V(repeating: pa[5 * aX])
            c50.addProduct(ai, b0); c51.addProduct(ai, b1)
            ai = V(repeating: pa[6 * aX])
            c60.addProduct(ai, b0); c61.addProduct(ai, b1)
            ai = V(repeating: pa[7 * aX])
            c70.addProduct(ai, b0); c71.addProduct(ai, b1)
            pa += aP
            pb += 32 * MemoryLayout<Float>.stride
        }
        var row = c
        storeRow(c00, row, alpha: alpha, beta: beta); storeRow(c01, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c10, row, alpha: alpha, beta: beta); storeRow(c11, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c20, row, alpha: alpha, beta: beta); storeRow(c21, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c30, row, alpha: alpha, beta: beta); storeRow(c31, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c40, row, alpha: alpha, beta: beta); storeRow(c41, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c50, row, alpha: alpha, beta: beta); storeRow(c51, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c60, row, alpha: alpha, beta: beta); storeRow(c61, row + 16, alpha: alpha, beta: beta); row += ldc
        storeRow(c70, row, alpha: alpha, beta: beta); storeRow(c71, row + 16, alpha: alpha, beta: beta)
    }
}

/// Writes the valid rows × cols corner of an MR×NR tile computed into `tile` (row stride nr)
/// with the same arithmetic as `storeRow`: eight columns at a time, then one by one.
@inline(__always)
func gemmStoreEdgeTile(_ tile: UnsafePointer<Float>, nr: Int, rows: Int, cols: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
    for i in 0..<rows {
        let source = tile + i * nr
        let row = c + i * ldc
        var j = 0
        while j + 8 <= cols {
            storeRow(UnsafeRawPointer(source + j).loadUnaligned(as: SIMD8<Float>.self), row + j, alpha: alpha, beta: beta)
            j += 8
        }
        if beta == 0 {
            while j < cols { row[j] = source[j] * alpha; j += 1 }
        } else {
            while j < cols { row[j] = source[j] * alpha + row[j] * beta; j += 1 }
        }
    }
}

/// `gemmStoreEdgeTile` into a transposed C: tile element (i, j) goes to c[j·ldc + i], with the
/// same arithmetic, so the bits are those a direct computation would store.
@inline(__always)
func gemmStoreTransposedTile(_ tile: UnsafePointer<Float>, nr: Int, rows: Int, cols: Int,
                             c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
    for j in 0..<cols {
        let row = c + j * ldc
        if beta == 0 {
            for i in 0..<rows { row[i] = tile[i * nr + j] * alpha }
        } else {
            for i in 0..<rows { row[i] = tile[i * nr + j] * alpha + row[i] * beta }
        }
    }
}
