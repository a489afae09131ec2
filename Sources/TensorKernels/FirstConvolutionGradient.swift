// The weight gradient of a network's first convolution when batch norm, ReLU and a 2×2
// max-pool follow it (Training's `ConvBatchNormReLUPool`), without the convolution's output or
// the batch norm's input gradient.
//
// Shapes: input x [N, H, W, Cin]; weight w [Cout, P], P = k·k·Cin, stride 1; the convolution's
// output y [N, H', W', Cout] (y = patch·wᵀ per position, no bias) goes through batch norm with
// ghost groups, ReLU and the pool. Batch norm's backward gives, per group g and channel c,
//   dy = a·routed + b·y + k
// (see batchNormReLUMaxPoolGradientCoefficients), and the convolution's weight gradient is
//   dw[c, j] = Σ_positions dy[c]·patch[j]
//            = Σ_g a_g[c]·R_g[j, c] + b_g[c]·(w·M_g)[c, j] + k_g[c]·S_g[j]
// with, over the group's output positions,
//   R[j, c] = Σ routed[c]·patch[j]   (only the position each window routes its gradient to)
//   M[i, j] = Σ patch[i]·patch[j]    (the patches' Gram matrix, P×P: tiny for a first layer)
//   S[j]    = Σ patch[j].
// Each is gathered per example (so pieces of a pass may come in any order) from the input
// images alone: y never has to outlive the piece that computed it, and dy is never formed.

import KernelSIMD

/// Per-example patch moments for `images`: gram [N, P, P] (Σ patch·patchᵀ over the image's
/// output positions) and patchSums [N, P] (Σ patch). x points at image images.lowerBound;
/// stride 1. Each product is summed in Float along an output row and in Double across rows.
public func convolutionPatchMoments(_ x: UnsafePointer<Float>, geometry g: Conv2dGeometry, images: Range<Int>,
                                    gram: UnsafeMutablePointer<Float>, patchSums: UnsafeMutablePointer<Float>,
                                    pool: ThreadPool = .shared) {
    kernelPrecondition(g.stride == 1, "patch moments need a stride-1 convolution")
    let Cin = g.inChannels, k = g.kernel, P = g.patch, oH = g.outHeight, oW = g.outWidth
    let Hp = g.height + 2 * g.padding, Wp = g.width + 2 * g.padding
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Cin * Hp * Wp) { planesBuffer in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: P * P + P) { totalsBuffer in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: P) { startsBuffer in
                    let planes = planesBuffer.baseAddress!, totals = totalsBuffer.baseAddress!, starts = startsBuffer.baseAddress!
                    // Tap j = (ky, kx, ci) reads plane ci of the padded image at (oy + ky, ox + kx):
                    // for a fixed output row, oW contiguous Floats from starts[j] + oy·Wp.
                    for j in 0..<P { starts[j] = ((j % Cin) * Hp + j / Cin / k) * Wp + j / Cin % k }
                    for n in (images.lowerBound + local.lowerBound)..<(images.lowerBound + local.upperBound) {
                        padIntoPlanes(x + (n - images.lowerBound) * g.height * g.width * Cin, planes, geometry: g)
                        totals.update(repeating: 0, count: P * P + P)
                        for oy in 0..<oH {
                            for i in 0..<P {
                                let a = planes + starts[i] + oy * Wp
                                totals[P * P + i] += Double(rowSum(a, oW))
                                var j = i
                                while j < P {
                                    totals[i * P + j] += Double(rowDot(a, planes + starts[j] + oy * Wp, oW))
                                    j += 1
                                }
                            }
                        }
                        let m = gram + n * P * P
                        for i in 0..<P {
                            for j in i..<P {
                                m[i * P + j] = Float(totals[i * P + j])
                                m[j * P + i] = Float(totals[i * P + j])
                            }
                            patchSums[n * P + i] = Float(totals[P * P + i])
                        }
                    }
                }
            }
        }
    }
}

/// Per-example routed sums for `images`: routedSums[n] [P, C] = Σ over the image's pooling
/// windows of the live gradient times the patch of the position the window routes it to.
/// x points at image images.lowerBound (the convolution's input); dp points at the same
/// image's pooled gradient [H'/2, W'/2, C]; extremes [N, H'/2, W'/2, C] and routes (bit masks,
/// [N, H'/2, W'/2, routeBytesPerWindow]) are pass-indexed, from `batchNormPoolExampleSums`;
/// scale, offset [groups, C]. A window's gradient is live
/// where relu's argument at its extreme is positive, as in `batchNormReLUMaxPoolGradientSums`.
public func routedPatchSums(_ x: UnsafePointer<Float>, _ dp: UnsafePointer<Float>, convolution g: Conv2dGeometry,
                            pooling pg: BatchNormPoolGeometry, images: Range<Int>, routes: UnsafePointer<UInt8>,
                            extremes: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>,
                            routedSums: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    kernelPrecondition(g.stride == 1 && pg.height == g.outHeight && pg.width == g.outWidth && pg.channels == g.outChannels,
                       "routed patch sums need a stride-1 convolution feeding the pool")
    let Cin = g.inChannels, k = g.kernel, P = g.patch, C = pg.channels, windows = pg.windows, oW = pg.width / 2
    let Wp = g.width + 2 * g.padding, Hp = g.height + 2 * g.padding
    // Offsets of the taps from a position's corner in the padded NHWC image, nine at a time
    // (a chunk's missing taps read offset 0 and are not stored).
    let chunks = (P + 8) / 9
    let zero = SIMD8<Float>(repeating: 0)
    let laneBits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128), noBits = SIMD8<Int32>(repeating: 0)
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Hp * Wp * Cin) { paddedBuffer in
          withUnsafeTemporaryAllocation(of: Int.self, capacity: 9 * chunks) { offsetsBuffer in
            let xp = paddedBuffer.baseAddress!, offsets = offsetsBuffer.baseAddress!
            for j in 0..<(9 * chunks) { offsets[j] = j < P ? ((j / Cin / k) * Wp + j / Cin % k) * Cin + j % Cin : 0 }
            for n in (images.lowerBound + local.lowerBound)..<(images.lowerBound + local.upperBound) {
                padImage(x + (n - images.lowerBound) * g.height * g.width * Cin, xp, geometry: g)
                let group = n / pg.groupExamples
                let s = scale + group * C, t = offset + group * C
                let e = extremes + n * windows * C, r = routes + n * windows * pg.routeBytesPerWindow
                let grad = dp + (n - images.lowerBound) * windows * C
                let out = routedSums + n * P * C
                for chunk in 0..<chunks {
                    let o = 9 * chunk
                    let o0 = offsets[o], o1 = offsets[o + 1], o2 = offsets[o + 2], o3 = offsets[o + 3], o4 = offsets[o + 4]
                    let o5 = offsets[o + 5], o6 = offsets[o + 6], o7 = offsets[o + 7], o8 = offsets[o + 8]
                    var c = 0
                    while c + 8 <= C {
                        let sc = load8(s + c), of = load8(t + c)
                        var r0 = zero, r1 = zero, r2 = zero, r3 = zero, r4 = zero, r5 = zero, r6 = zero, r7 = zero, r8 = zero
                        for w in 0..<windows {
                            let ew = load8(e + w * C + c)
                            let live = zero.replacing(with: load8(grad + w * C + c), where: of.addingProduct(ew, sc) .> zero)
                            let masks = UnsafeRawPointer(r + w * pg.routeBytesPerWindow + c / 2).loadUnaligned(as: UInt32.self)
                            let corner = xp + (2 * (w / oW) * Wp + 2 * (w % oW)) * Cin
                            for q in 0..<4 {
                                let bits = SIMD8<Int32>(repeating: Int32((masks >> (8 * UInt32(q))) & 0xFF)) & laneBits
                                let gq = zero.replacing(with: live, where: bits .!= noBits)
                                let p = corner + ((q / 2) * Wp + q % 2) * Cin
                                r0 = r0.addingProduct(gq, SIMD8(repeating: p[o0])); r1 = r1.addingProduct(gq, SIMD8(repeating: p[o1]))
                                r2 = r2.addingProduct(gq, SIMD8(repeating: p[o2])); r3 = r3.addingProduct(gq, SIMD8(repeating: p[o3]))
                                r4 = r4.addingProduct(gq, SIMD8(repeating: p[o4])); r5 = r5.addingProduct(gq, SIMD8(repeating: p[o5]))
                                r6 = r6.addingProduct(gq, SIMD8(repeating: p[o6])); r7 = r7.addingProduct(gq, SIMD8(repeating: p[o7]))
                                r8 = r8.addingProduct(gq, SIMD8(repeating: p[o8]))
                            }
                        }
                        let count = min(9, P - 9 * chunk), base = out + 9 * chunk * C + c
                        store8(r0, base)
                        if count > 1 { store8(r1, base + C) }
                        if count > 2 { store8(r2, base + 2 * C) }
                        if count > 3 { store8(r3, base + 3 * C) }
                        if count > 4 { store8(r4, base + 4 * C) }
                        if count > 5 { store8(r5, base + 5 * C) }
                        if count > 6 { store8(r6, base + 6 * C) }
                        if count > 7 { store8(r7, base + 7 * C) }
                        if count > 8 { store8(r8, base + 8 * C) }
                        c += 8
                    }
                    while c < C {
                        for j in (9 * chunk)..<min(P, 9 * chunk + 9) {
                            var sum: Float = 0
                            for w in 0..<windows where e[w * C + c] * s[c] + t[c] > 0 {
                                let bytes = r + w * pg.routeBytesPerWindow + (c / 8) * 4
                                var q = 0
                                while q < 3 && bytes[q] & UInt8(1 << (c % 8)) == 0 { q += 1 }
                                let corner = xp + ((2 * (w / oW) + q / 2) * Wp + 2 * (w % oW) + q % 2) * Cin
                                sum += grad[w * C + c] * corner[offsets[j]]
                            }
                            out[j * C + c] = sum
                        }
                        c += 1
                    }
                }
            }
          }
        }
    }
}

/// Once a pass's per-example sums and batch norm's coefficients [groups, 3, C] (a, b, k) are
/// in: weightGradient [Cout, P] += Σ_g a_g·R_g + b_g·(w·M_g) + k_g ⊗ S_g, the group sums
/// added in example order and everything in Double.
public func firstConvolutionWeightGradient(weight: UnsafePointer<Float>, convolution g: Conv2dGeometry,
                                           pooling pg: BatchNormPoolGeometry, gram: UnsafePointer<Float>,
                                           patchSums: UnsafePointer<Float>, routedSums: UnsafePointer<Float>,
                                           coefficients: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>) {
    let P = g.patch, C = pg.channels
    var total = [Double](repeating: 0, count: C * P)
    var m = [Double](repeating: 0, count: P * P), sums = [Double](repeating: 0, count: P)
    var routed = [Double](repeating: 0, count: P * C), wm = [Double](repeating: 0, count: C * P)
    for group in 0..<pg.groups {
        for i in m.indices { m[i] = 0 }
        for i in sums.indices { sums[i] = 0 }
        for i in routed.indices { routed[i] = 0 }
        for n in pg.groupImages(group) {
            for i in 0..<(P * P) { m[i] += Double(gram[n * P * P + i]) }
            for i in 0..<P { sums[i] += Double(patchSums[n * P + i]) }
            for i in 0..<(P * C) { routed[i] += Double(routedSums[n * P * C + i]) }
        }
        for c in 0..<C {
            for j in 0..<P {
                var dot = 0.0
                for i in 0..<P { dot += Double(weight[c * P + i]) * m[i * P + j] }
                wm[c * P + j] = dot
            }
        }
        let a = coefficients + 3 * group * C, b = a + C, k = b + C
        for c in 0..<C {
            for j in 0..<P {
                total[c * P + j] += Double(a[c]) * routed[j * C + c] + Double(b[c]) * wm[c * P + j] + Double(k[c]) * sums[j]
            }
        }
    }
    for i in 0..<(C * P) { weightGradient[i] += Float(total[i]) }
}

/// planes [Cin, H + 2p, W + 2p] ← one image of x [H, W, Cin], zero-padded, channel by channel.
@inline(__always)
private func padIntoPlanes(_ image: UnsafePointer<Float>, _ planes: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry) {
    let Cin = g.inChannels, pad = g.padding, Hp = g.height + 2 * pad, Wp = g.width + 2 * pad
    planes.update(repeating: 0, count: Cin * Hp * Wp)
    for iy in 0..<g.height {
        for ix in 0..<g.width {
            for ci in 0..<Cin { planes[(ci * Hp + iy + pad) * Wp + ix + pad] = image[(iy * g.width + ix) * Cin + ci] }
        }
    }
}

/// xp [H + 2p, W + 2p, Cin] ← one image of x, zero-padded.
@inline(__always)
private func padImage(_ image: UnsafePointer<Float>, _ xp: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry) {
    let Cin = g.inChannels, pad = g.padding, Wp = g.width + 2 * pad
    xp.update(repeating: 0, count: (g.height + 2 * pad) * Wp * Cin)
    for iy in 0..<g.height {
        (xp + ((iy + pad) * Wp + pad) * Cin).update(from: image + iy * g.width * Cin, count: g.width * Cin)
    }
}

/// Σ a[i]·b[i] for i < count, in Float (eight lanes, then the lanes added).
@inline(__always)
private func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count { acc = acc.addingProduct(load8(a + i), load8(b + i)); i += 8 }
    var sum = acc.sum()
    while i < count { sum += a[i] * b[i]; i += 1 }
    return sum
}

/// Σ a[i] for i < count, in Float.
@inline(__always)
private func rowSum(_ a: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= count { acc += load8(a + i); i += 8 }
    var sum = acc.sum()
    while i < count { sum += a[i]; i += 1 }
    return sum
}
