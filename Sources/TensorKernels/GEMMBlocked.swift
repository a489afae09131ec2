/// One thread's share of a GEMM: BLIS's five loops around the micro-kernel.
///
///   for jc in N by nc:             B block kc×nc, packed once per (jc, pc), lives in L3
///     for pc in K by kc:
///       pack op(B)[pc.., jc..]
///       for ic in M by mc:         A block mc×kc, packed per (jc, pc, ic), lives in L2
///         pack op(A)[ic.., pc..]
///         for jr in nc by NR:      B micro-panel kc×NR stays in L1 across the ir loop
///           for ir in mc by MR:
///             micro-kernel: C[ic+ir.., jc+jr..] (MR×NR) = alpha·Ap·Bp + beta'·C
///
/// beta' is the caller's beta for the first kc block and 1 after it, so C is scaled once
/// (and never read when beta == 0), and each kc block adds alpha times its partial product.
/// The summation order of every element of C depends only on k and kc (GEMMBlocking) —
/// never on the thread count or on where a thread's share starts — so results are
/// bit-identical across thread counts.
func gemmBlocked(
    _ microKernel: GEMMMicroKernel, blocking: GEMMBlocking, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: GEMMWorkspace
) {
    // Specialised here, in the file that defines the generic loops: debug builds compile each
    // file on its own and cannot specialise a generic function across files.
    switch microKernel {
    case .rows6cols16:
        gemmBlocked(MicroKernel6x16.self, blocking: blocking, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
    case .rows8cols32:
        gemmBlocked(MicroKernel8x32.self, blocking: blocking, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
    }
}

private func gemmBlocked<Kernel: GEMMMicroKernelShape>(
    _ kernel: Kernel.Type, blocking: GEMMBlocking, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: GEMMWorkspace
) {
    // Element (x, p) of op(A) (x along M) and of op(B) (x along N), as strides.
    let (aX, aP) = transposeA ? (1, lda) : (lda, 1)
    let (bX, bP) = transposeB ? (ldb, 1) : (1, ldb)
    if gemmComputesTransposed(m: m, n: n, mr: Kernel.mr, nr: Kernel.nr) {
        // Cᵀ = op(B)ᵀ·op(A)ᵀ: the same products, summed in the same order, and stored with
        // the same arithmetic, so the bits are those of the direct computation.
        gemmBlocks(Kernel.self, blocking: blocking, m: n, n: m, k: k, alpha: alpha,
                   a: b, aX: bX, aP: bP, b: a, bX: aX, bP: aP, beta: beta, c: c, cRow: 1, cColumn: ldc,
                   transposedC: true, workspace: workspace)
    } else {
        gemmBlocks(Kernel.self, blocking: blocking, m: m, n: n, k: k, alpha: alpha,
                   a: a, aX: aX, aP: aP, b: b, bX: bX, bP: bP, beta: beta, c: c, cRow: ldc, cColumn: 1,
                   transposedC: false, workspace: workspace)
    }
}

/// Whether a share is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: when N is narrower than a tile and the
/// transposed problem pads much less. Run directly, a product that narrow reads A in place
/// (no packing) but fills only N of NR columns of each tile; transposed, it fills N of
/// ⌈N/MR⌉·MR rows but packs all of op(A) as the wide operand and writes C through the
/// scratch tile, column by column. Measured on the 6×16 kernel (docs/performance.md): at 1.33×
/// the lanes (N = 8, 10, 12) the direct product is as fast or faster, at 2.67× (N = 3, 5, 6)
/// the transposed one mostly wins; 1.5 lies between and keeps the 8×32 kernel's N = 10 (2×)
/// transposed, where it was measured to gain (Zen 5).
@inline(__always)
func gemmComputesTransposed(m: Int, n: Int, mr: Int, nr: Int) -> Bool {
    guard n < nr, m > n else { return false }
    let direct = Double(n * m) / Double(roundUp(n, to: nr) * roundUp(m, to: mr))
    let transposed = Double(n * m) / Double(roundUp(n, to: mr) * roundUp(m, to: nr))
    return transposed > 1.5 * direct
}

/// The five loops for C (element (i, j) at c + i·cRow + j·cColumn) = alpha·op(A)·op(B) + beta·C,
/// op(A)'s element (i, p) at a + i·aX + p·aP and op(B)'s (p, j) at b + j·bX + p·bP. C's rows
/// are contiguous (cColumn = 1), or, with `transposedC`, its columns (cRow = 1).
///
/// When op(B) is one micro-panel wide (n ≤ NR), each A micro-panel would be packed to be read
/// once: the full tiles then read A where it lies (`runReadingA`) and only a last tile of
/// fewer than MR rows is packed (zero-padded).
@inline(__always)
private func gemmBlocks<Kernel: GEMMMicroKernelShape>(
    _ kernel: Kernel.Type, blocking: GEMMBlocking, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, aX: Int, aP: Int, b: UnsafePointer<Float>, bX: Int, bP: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, cRow: Int, cColumn: Int, transposedC: Bool,
    workspace: GEMMWorkspace
) {
    let mr = Kernel.mr, nr = Kernel.nr
    // Equal blocks rather than full blocks and a sliver: k = 300 is 2 × 152, not 256 + 44.
    let kcBlock = roundUp(ceilDivide(k, ceilDivide(k, blocking.kc)), to: 8)
    let mcBlock = roundUp(ceilDivide(m, ceilDivide(m, blocking.mc)), to: mr)
    let ncBlock = roundUp(ceilDivide(n, ceilDivide(n, blocking.nc)), to: nr)
    let aPanels = workspace.packedA(count: mcBlock * kcBlock)
    let bPanels = workspace.packedB(count: ncBlock * kcBlock)
    let edgeTile = workspace.edgeTile(count: mr * nr)
    let readsAInPlace = n <= nr

    var jc = 0
    while jc < n {
        let nc = min(ncBlock, n - jc)
        var pc = 0
        while pc < k {
            let kc = min(kcBlock, k - pc)
            gemmPackPanels(width: nr, count: nc, kc: kc, source: b + jc * bX + pc * bP, xStride: bX, pStride: bP,
                           into: bPanels)
            let blockBeta: Float = pc == 0 ? beta : 1
            var ic = 0
            while ic < m {
                let mc = min(mcBlock, m - ic)
                let aBlock = a + ic * aX + pc * aP
                // Packed tiles are at aPanels + (first row)·kc; in place, only the short last one.
                let rowsInPlace = readsAInPlace ? mc / mr * mr : 0
                if rowsInPlace < mc {
                    gemmPackPanels(width: mr, count: mc - rowsInPlace, kc: kc, source: aBlock + rowsInPlace * aX,
                                   xStride: aX, pStride: aP, into: aPanels + rowsInPlace * kc)
                }
                gemmMacroKernel(Kernel.self, mc: mc, nc: nc, kc: kc, aPanels: aPanels,
                                aInPlace: readsAInPlace ? (aBlock, aX, aP) : nil, bPanels: bPanels,
                                c: c + ic * cRow + jc * cColumn, ldc: transposedC ? cColumn : cRow, transposedC: transposedC,
                                alpha: alpha, beta: blockBeta, edgeTile: edgeTile)
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// The two innermost loops: every MR×NR tile of an mc×nc block of C. A full tile of a C with
/// contiguous rows is written in place; an edge tile (fewer than MR rows or NR columns left)
/// runs the same micro-kernel on the zero-padded panels into a scratch tile, then its valid
/// corner is copied; with `transposedC` (element (i, j) of the block at c + j·ldc + i) every
/// tile goes through the scratch tile and is written column by column, each column of the
/// tile being a contiguous run of a row of the real C. A tile's A comes from `aInPlace`
/// when given and the tile has all MR rows, else from the packed panels.
@inline(__always)
private func gemmMacroKernel<Kernel: GEMMMicroKernelShape>(
    _ kernel: Kernel.Type, mc: Int, nc: Int, kc: Int, aPanels: UnsafePointer<Float>,
    aInPlace: (a: UnsafePointer<Float>, aX: Int, aP: Int)?, bPanels: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, transposedC: Bool, alpha: Float, beta: Float,
    edgeTile: UnsafeMutablePointer<Float>
) {
    let mr = Kernel.mr, nr = Kernel.nr
    var jr = 0
    while jr < nc {
        let cols = min(nr, nc - jr)
        let bPanel = bPanels + jr * kc
        var ir = 0
        while ir < mc {
            let rows = min(mr, mc - ir)
            let tileInC = rows == mr && cols == nr && !transposedC
            let tile = tileInC ? c + ir * ldc + jr : edgeTile
            let (tileLdc, tileAlpha, tileBeta) = tileInC ? (ldc, alpha, beta) : (nr, 1, 0)
            if let rowsOfA = aInPlace, rows == mr {
                Kernel.runReadingA(kc: kc, a: rowsOfA.a + ir * rowsOfA.aX, aX: rowsOfA.aX, aP: rowsOfA.aP, b: bPanel,
                                   c: tile, ldc: tileLdc, alpha: tileAlpha, beta: tileBeta)
            } else {
                Kernel.run(kc: kc, a: aPanels + ir * kc, b: bPanel, c: tile, ldc: tileLdc, alpha: tileAlpha, beta: tileBeta)
            }
            if transposedC {
                gemmStoreTransposedTile(edgeTile, nr: nr, rows: rows, cols: cols, c: c + jr * ldc + ir, ldc: ldc,
                                        alpha: alpha, beta: beta)
            } else if !tileInC {
                gemmStoreEdgeTile(edgeTile, nr: nr, rows: rows, cols: cols, c: c + ir * ldc + jr, ldc: ldc,
                                  alpha: alpha, beta: beta)
            }
            ir += mr
        }
        jr += nr
    }
}

@inline(__always)
func ceilDivide(_ x: Int, _ y: Int) -> Int { (x + y - 1) / y }

@inline(__always)
func roundUp(_ x: Int, to multiple: Int) -> Int { ceilDivide(x, multiple) * multiple }
