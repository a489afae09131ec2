// Direct convolution for short patches (P = k·k·Cin ≤ `directPatchLimit`: a network's first
// layer, Cin = 1 or 3). There im2col would copy 1–3 Floats per tap and the GEMM would run
// with an inner dimension of 9–27; a loop over the taps with Cout-wide vector FMAs is faster.
// Shapes as in Convolution.swift: x [N, H, W, Cin], weight [Cout, k, k, Cin], y [N, oH, oW, Cout].

/// Patches up to this length use the direct kernels.
public let directPatchLimit = 32

/// Images per block of the weight-gradient reduction: each block sums into its own partial,
/// blocks are added in order, so dweight does not depend on the thread count.
let directBlockImages = 8

extension Conv2dGeometry {
    public var usesDirectKernels: Bool { patch <= directPatchLimit && !isPointwise }
    /// Floats of scratch the direct backward needs (per-block weight-gradient partials).
    public var directScratchCount: Int { ((batch + directBlockImages - 1) / directBlockImages) * patch * outChannels }
}

/// wt [P, Cout] ← weight [Cout, P].
@inline(__always)
private func transposeWeight(_ weight: UnsafePointer<Float>, _ wt: UnsafeMutablePointer<Float>, P: Int, Cout: Int) {
    for co in 0..<Cout { for p in 0..<P { wt[p * Cout + co] = weight[co * P + p] } }
}

public func conv2dDirectForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry, pool: ThreadPool = .shared) {
    let P = g.patch, Cout = g.outChannels, Cin = g.inChannels, k = g.kernel, oH = g.outHeight, oW = g.outWidth
    withUnsafeTemporaryAllocation(of: Float.self, capacity: P * Cout) { buffer in
        let wt = buffer.baseAddress!
        transposeWeight(weight, wt, P: P, Cout: Cout)
        parallelRanges(g.batch * oH, grain: 4, pool: pool) { outRows in
            for outRow in outRows {
                let n = outRow / oH, oy = outRow % oH
                for ox in 0..<oW {
                    let out = y + (outRow * oW + ox) * Cout
                    var cb = 0
                    while cb < Cout {
                        let width = min(8, Cout - cb)
                        var acc = SIMD8<Float>(repeating: 0)
                        if width == 8 {
                            if let bias { acc = load8(bias + cb) }
                            for ky in 0..<k {
                                let iy = oy * g.stride - g.padding + ky
                                if iy < 0 || iy >= g.height { continue }
                                for kx in 0..<k {
                                    let ix = ox * g.stride - g.padding + kx
                                    if ix < 0 || ix >= g.width { continue }
                                    let src = x + ((n * g.height + iy) * g.width + ix) * Cin
                                    let w = wt + (ky * k + kx) * Cin * Cout + cb
                                    for ci in 0..<Cin {
                                        acc = acc.addingProduct(SIMD8(repeating: src[ci]), load8(w + ci * Cout))
                                    }
                                }
                            }
                            store8(acc, out + cb)
                        } else {
                            for co in cb..<(cb + width) {
                                var sum = bias?[co] ?? 0
                                for ky in 0..<k {
                                    let iy = oy * g.stride - g.padding + ky
                                    if iy < 0 || iy >= g.height { continue }
                                    for kx in 0..<k {
                                        let ix = ox * g.stride - g.padding + kx
                                        if ix < 0 || ix >= g.width { continue }
                                        let src = x + ((n * g.height + iy) * g.width + ix) * Cin
                                        let w = wt + (ky * k + kx) * Cin * Cout + co
                                        for ci in 0..<Cin { sum += src[ci] * w[ci * Cout] }
                                    }
                                }
                                out[co] = sum
                            }
                        }
                        cb += 8
                    }
                }
            }
        }
    }
}

/// dweight [Cout, P] += Σ_p patch(p) ⊗ dy(p); dbias += Σ dy (if given); dx overwritten (if given).
/// scratch: `geometry.directScratchCount` Floats.
public func conv2dDirectBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                 weightGradient dweight: UnsafeMutablePointer<Float>, biasGradient dbias: UnsafeMutablePointer<Float>?,
                                 inputGradient dx: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry,
                                 scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let P = g.patch, Cout = g.outChannels, Cin = g.inChannels, k = g.kernel, oH = g.outHeight, oW = g.outWidth
    if let dbias {
        columnSums(dy, rows: g.batch * g.positions, cols: Cout, into: dbias, accumulate: true, pool: pool)
    }
    let blocks = (g.batch + directBlockImages - 1) / directBlockImages
    // Per block: partial [P, Cout] = Σ over its images' output positions of x-tap · dy-row.
    pool.parallelFor(blocks) { block in
        let partial = scratch + block * P * Cout
        zeroFloats(partial, P * Cout)
        for n in (block * directBlockImages)..<min(g.batch, (block + 1) * directBlockImages) {
            for oy in 0..<oH {
                for ox in 0..<oW {
                    let grad = dy + ((n * oH + oy) * oW + ox) * Cout
                    for ky in 0..<k {
                        let iy = oy * g.stride - g.padding + ky
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<k {
                            let ix = ox * g.stride - g.padding + kx
                            if ix < 0 || ix >= g.width { continue }
                            let src = x + ((n * g.height + iy) * g.width + ix) * Cin
                            let row = partial + (ky * k + kx) * Cin * Cout
                            for ci in 0..<Cin {
                                let v = src[ci], target = row + ci * Cout
                                var co = 0
                                while co + 8 <= Cout {
                                    store8(load8(target + co).addingProduct(SIMD8(repeating: v), load8(grad + co)), target + co)
                                    co += 8
                                }
                                while co < Cout { target[co] += v * grad[co]; co += 1 }
                            }
                        }
                    }
                }
            }
        }
    }
    for block in 0..<blocks {
        let partial = scratch + block * P * Cout
        for co in 0..<Cout { for p in 0..<P { dweight[co * P + p] += partial[p * Cout + co] } }
    }
    guard let dx else { return }
    // dx[n, iy, ix, ci] = Σ over the outputs it feeds of dy(out) · w[co, tap, ci].
    withUnsafeTemporaryAllocation(of: Float.self, capacity: P * Cout) { buffer in
        let wt = buffer.baseAddress!
        transposeWeight(weight, wt, P: P, Cout: Cout)
        let imageSize = g.height * g.width * Cin
        parallelRanges(g.batch, grain: 1, pool: pool) { images in
            for n in images {
                zeroFloats(dx + n * imageSize, imageSize)
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        let grad = dy + ((n * oH + oy) * oW + ox) * Cout
                        for ky in 0..<k {
                            let iy = oy * g.stride - g.padding + ky
                            if iy < 0 || iy >= g.height { continue }
                            for kx in 0..<k {
                                let ix = ox * g.stride - g.padding + kx
                                if ix < 0 || ix >= g.width { continue }
                                let target = dx + ((n * g.height + iy) * g.width + ix) * Cin
                                let w = wt + (ky * k + kx) * Cin * Cout
                                for ci in 0..<Cin {
                                    var sum: Float = 0
                                    for co in 0..<Cout { sum += grad[co] * w[ci * Cout + co] }
                                    target[ci] += sum
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
