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
/// The summation order of every element of C depends only on k and the blocking constants —
/// never on the thread count or on where a thread's share starts — so results are
/// bit-identical across thread counts.
func gemmBlocked(
    _ microKernel: GEMMMicroKernel, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: GEMMWorkspace
) {
    // Specialised here, in the file that defines the generic loops: debug builds compile each
    // file on its own and cannot specialise a generic function across files.
    switch microKernel {
    case .rows6cols16:
        gemmBlocked(MicroKernel6x16.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
    case .rows8cols32:
        gemmBlocked(MicroKernel8x32.self, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
    }
}

private func gemmBlocked<Kernel: GEMMMicroKernelShape>(
    _ kernel: Kernel.Type, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: GEMMWorkspace
) {
    let mr = Kernel.mr, nr = Kernel.nr
    // Equal blocks rather than full blocks and a sliver: k = 300 is 2 × 152, not 256 + 44.
    let kcBlock = roundUp(ceilDivide(k, ceilDivide(k, Kernel.kcMax)), to: 8)
    let mcBlock = roundUp(ceilDivide(m, ceilDivide(m, Kernel.mcMax)), to: mr)
    let ncBlock = roundUp(ceilDivide(n, ceilDivide(n, Kernel.ncMax)), to: nr)
    let aPanels = workspace.packedA(count: mcBlock * kcBlock)
    let bPanels = workspace.packedB(count: ncBlock * kcBlock)
    let edgeTile = workspace.edgeTile(count: mr * nr)

    // Element (x, p) of op(A) (x along M) and of op(B) (x along N), as strides.
    let (aX, aP) = transposeA ? (1, lda) : (lda, 1)
    let (bX, bP) = transposeB ? (ldb, 1) : (1, ldb)

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
                gemmPackPanels(width: mr, count: mc, kc: kc, source: a + ic * aX + pc * aP, xStride: aX, pStride: aP,
                               into: aPanels)
                gemmMacroKernel(Kernel.self, mc: mc, nc: nc, kc: kc, aPanels: aPanels, bPanels: bPanels,
                                c: c + ic * ldc + jc, ldc: ldc, alpha: alpha, beta: blockBeta, edgeTile: edgeTile)
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// The two innermost loops: every MR×NR tile of an mc×nc block of C from packed panels.
/// Edge tiles (fewer than MR rows or NR columns left) run the same micro-kernel on the
/// zero-padded panels into a scratch tile, then copy the valid corner.
@inline(__always)
private func gemmMacroKernel<Kernel: GEMMMicroKernelShape>(
    _ kernel: Kernel.Type, mc: Int, nc: Int, kc: Int, aPanels: UnsafePointer<Float>, bPanels: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    let mr = Kernel.mr, nr = Kernel.nr
    var jr = 0
    while jr < nc {
        let cols = min(nr, nc - jr)
        let bPanel = bPanels + jr * kc
        var ir = 0
        while ir < mc {
            let rows = min(mr, mc - ir)
            let aPanel = aPanels + ir * kc
            let tile = c + ir * ldc + jr
            if rows == mr && cols == nr {
                Kernel.run(kc: kc, a: aPanel, b: bPanel, c: tile, ldc: ldc, alpha: alpha, beta: beta)
            } else {
                Kernel.run(kc: kc, a: aPanel, b: bPanel, c: edgeTile, ldc: nr, alpha: 1, beta: 0)
                gemmStoreEdgeTile(edgeTile, nr: nr, rows: rows, cols: cols, c: tile, ldc: ldc, alpha: alpha, beta: beta)
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
