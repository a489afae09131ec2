// Direct convolution for short patches (P = k·k·Cin ≤ `directPatchLimit`: a network's first
// layer, Cin = 1 or 3). There im2col would copy 1–3 Floats per tap and the GEMM would run
// with an inner dimension of 9–27; a loop over the taps with Cout-wide vector FMAs is faster.
// Shapes as in Convolution.swift: x [N, H, W, Cin], weight [Cout, k, k, Cin], y [N, oH, oW, Cout].

import KernelSIMD

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

/// xp [Hp, Wp, Cin] ← image n of x with `padding` zeros around it (Hp = H + 2·padding).
@inline(__always)
private func padImage(_ x: UnsafePointer<Float>, image n: Int, into xp: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry) {
    let H = g.height, W = g.width, Cin = g.inChannels, pad = g.padding
    let Wp = W + 2 * pad, Hp = H + 2 * pad
    zeroFloats(xp, Hp * Wp * Cin)
    for iy in 0..<H {
        let src = x + ((n * H + iy) * W) * Cin
        let dst = xp + ((iy + pad) * Wp + pad) * Cin
        for i in 0..<(W * Cin) { dst[i] = src[i] }
    }
}

/// Forward: y [N, oH, oW, Cout] = conv(x, weight) + bias. Each image is first copied into a
/// zero-padded buffer, so every tap is in bounds; per output pixel the Cout sums live in
/// registers, 32 channels (four 8-wide vectors) at a time.
public func conv2dDirectForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry, pool: ThreadPool = .shared) {
    let P = g.patch, Cout = g.outChannels, Cin = g.inChannels, k = g.kernel, oH = g.outHeight, oW = g.outWidth
    let stride = g.stride, Wp = g.width + 2 * g.padding, paddedCount = (g.height + 2 * g.padding) * Wp * Cin
    withUnsafeTemporaryAllocation(of: Float.self, capacity: P * Cout + Cout) { buffer in
        let wt = buffer.baseAddress!, b = wt + P * Cout
        transposeWeight(weight, wt, P: P, Cout: Cout)
        for co in 0..<Cout { b[co] = bias?[co] ?? 0 }
        parallelRanges(g.batch, grain: 1, pool: pool) { images in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: paddedCount) { paddedBuffer in
                let xp = paddedBuffer.baseAddress!
                for n in images {
                    padImage(x, image: n, into: xp, geometry: g)
                    for oy in 0..<oH {
                        var ox = 0
                        // Two output pixels at a time: eight independent accumulator chains hide
                        // the FMA latency, and each weight vector loaded serves both pixels.
                        while ox + 2 <= oW && Cout % 32 == 0 {
                            let outA = y + ((n * oH + oy) * oW + ox) * Cout, outB = outA + Cout
                            let cornerA = xp + (oy * stride * Wp + ox * stride) * Cin, cornerB = cornerA + stride * Cin
                            var co = 0
                            while co < Cout {
                                var a0 = load8(b + co), a1 = load8(b + co + 8), a2 = load8(b + co + 16), a3 = load8(b + co + 24)
                                var b0 = a0, b1 = a1, b2 = a2, b3 = a3
                                for ky in 0..<k {
                                    let rowA = cornerA + ky * Wp * Cin, rowB = cornerB + ky * Wp * Cin
                                    for t in 0..<(k * Cin) {
                                        let w = wt + (ky * k * Cin + t) * Cout + co
                                        let w0 = load8(w), w1 = load8(w + 8), w2 = load8(w + 16), w3 = load8(w + 24)
                                        let va = SIMD8<Float>(repeating: rowA[t]), vb = SIMD8<Float>(repeating: rowB[t])
                                        a0 = a0.addingProduct(va, w0); a1 = a1.addingProduct(va, w1)
                                        a2 = a2.addingProduct(va, w2); a3 = a3.addingProduct(va, w3)
                                        b0 = b0.addingProduct(vb, w0); b1 = b1.addingProduct(vb, w1)
                                        b2 = b2.addingProduct(vb, w2); b3 = b3.addingProduct(vb, w3)
                                    }
                                }
                                store8(a0, outA + co); store8(a1, outA + co + 8); store8(a2, outA + co + 16); store8(a3, outA + co + 24)
                                store8(b0, outB + co); store8(b1, outB + co + 8); store8(b2, outB + co + 16); store8(b3, outB + co + 24)
                                co += 32
                            }
                            ox += 2
                        }
                        while ox < oW {
                            let out = y + ((n * oH + oy) * oW + ox) * Cout
                            let corner = xp + (oy * stride * Wp + ox * stride) * Cin
                            var co = 0
                            while co + 32 <= Cout {
                                var a0 = load8(b + co), a1 = load8(b + co + 8), a2 = load8(b + co + 16), a3 = load8(b + co + 24)
                                for ky in 0..<k {
                                    let row = corner + ky * Wp * Cin
                                    for t in 0..<(k * Cin) {  // (kx, ci) run contiguously in xp and in wt
                                        let v = SIMD8<Float>(repeating: row[t])
                                        let w = wt + (ky * k * Cin + t) * Cout + co
                                        a0 = a0.addingProduct(v, load8(w)); a1 = a1.addingProduct(v, load8(w + 8))
                                        a2 = a2.addingProduct(v, load8(w + 16)); a3 = a3.addingProduct(v, load8(w + 24))
                                    }
                                }
                                store8(a0, out + co); store8(a1, out + co + 8); store8(a2, out + co + 16); store8(a3, out + co + 24)
                                co += 32
                            }
                            while co + 8 <= Cout {
                                var a0 = load8(b + co)
                                for ky in 0..<k {
                                    let row = corner + ky * Wp * Cin
                                    for t in 0..<(k * Cin) {
                                        a0 = a0.addingProduct(SIMD8(repeating: row[t]), load8(wt + (ky * k * Cin + t) * Cout + co))
                                    }
                                }
                                store8(a0, out + co)
                                co += 8
                            }
                            while co < Cout {
                                var sum = b[co]
                                for ky in 0..<k {
                                    let row = corner + ky * Wp * Cin
                                    for t in 0..<(k * Cin) { sum += row[t] * wt[(ky * k * Cin + t) * Cout + co] }
                                }
                                out[co] = sum
                                co += 1
                            }
                            ox += 1
                        }
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
    let stride = g.stride, Wp = g.width + 2 * g.padding, paddedCount = (g.height + 2 * g.padding) * Wp * Cin
    if let dbias {
        columnSums(dy, rows: g.batch * g.positions, cols: Cout, into: dbias, accumulate: true, pool: pool)
    }
    let blocks = (g.batch + directBlockImages - 1) / directBlockImages
    // Per block of images: partial [P, Cout] = Σ over the block's output pixels of patch ⊗ dy-row,
    // the dy row held in registers while every tap adds into the (L1-resident) partial.
    pool.parallelFor(blocks) { block in
        let partial = scratch + block * P * Cout
        zeroFloats(partial, P * Cout)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: paddedCount) { paddedBuffer in
            let xp = paddedBuffer.baseAddress!
            for n in (block * directBlockImages)..<min(g.batch, (block + 1) * directBlockImages) {
                padImage(x, image: n, into: xp, geometry: g)
                for oy in 0..<oH {
                    var ox = 0
                    // Two output pixels per update of the partial: half the loads and stores.
                    while ox + 2 <= oW && Cout % 32 == 0 {
                        let gradA = dy + ((n * oH + oy) * oW + ox) * Cout, gradB = gradA + Cout
                        let cornerA = xp + (oy * stride * Wp + ox * stride) * Cin, cornerB = cornerA + stride * Cin
                        var co = 0
                        while co < Cout {
                            let a0 = load8(gradA + co), a1 = load8(gradA + co + 8), a2 = load8(gradA + co + 16), a3 = load8(gradA + co + 24)
                            let b0 = load8(gradB + co), b1 = load8(gradB + co + 8), b2 = load8(gradB + co + 16), b3 = load8(gradB + co + 24)
                            for ky in 0..<k {
                                let rowA = cornerA + ky * Wp * Cin, rowB = cornerB + ky * Wp * Cin
                                for t in 0..<(k * Cin) {
                                    let va = SIMD8<Float>(repeating: rowA[t]), vb = SIMD8<Float>(repeating: rowB[t])
                                    let target = partial + (ky * k * Cin + t) * Cout + co
                                    store8(load8(target).addingProduct(va, a0).addingProduct(vb, b0), target)
                                    store8(load8(target + 8).addingProduct(va, a1).addingProduct(vb, b1), target + 8)
                                    store8(load8(target + 16).addingProduct(va, a2).addingProduct(vb, b2), target + 16)
                                    store8(load8(target + 24).addingProduct(va, a3).addingProduct(vb, b3), target + 24)
                                }
                            }
                            co += 32
                        }
                        ox += 2
                    }
                    while ox < oW {
                        let grad = dy + ((n * oH + oy) * oW + ox) * Cout
                        let corner = xp + (oy * stride * Wp + ox * stride) * Cin
                        var co = 0
                        while co + 32 <= Cout {
                            let g0 = load8(grad + co), g1 = load8(grad + co + 8), g2 = load8(grad + co + 16), g3 = load8(grad + co + 24)
                            for ky in 0..<k {
                                let row = corner + ky * Wp * Cin
                                for t in 0..<(k * Cin) {
                                    let v = SIMD8<Float>(repeating: row[t])
                                    let target = partial + (ky * k * Cin + t) * Cout + co
                                    store8(load8(target).addingProduct(v, g0), target)
                                    store8(load8(target + 8).addingProduct(v, g1), target + 8)
                                    store8(load8(target + 16).addingProduct(v, g2), target + 16)
                                    store8(load8(target + 24).addingProduct(v, g3), target + 24)
                                }
                            }
                            co += 32
                        }
                        while co < Cout {
                            let gv = grad[co]
                            for ky in 0..<k {
                                let row = corner + ky * Wp * Cin
                                for t in 0..<(k * Cin) { partial[(ky * k * Cin + t) * Cout + co] += row[t] * gv }
                            }
                            co += 1
                        }
                        ox += 1
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
