// Batch norm, ReLU and 2×2 max-pool fused: x [N, H, W, C] → p [N, H/2, W/2, C] with
//   p = maxpool2(max(0, γ·(x − μ_g)/√(σ²_g + ε) + β))
// and statistics per ghost batch g as in BatchNorm.swift. The normalised activations — the
// largest tensor of a small CNN — are never written: the forward pools them on the fly and the
// backward recomputes them from x (their window maxima and ReLU masks) where it needs them.
// That removes two full-size writes and three full-size reads per layer and step compared
// with running the three layers one after another.
//
// Window extremes. y = x·scale + offset with scale = γ/√(σ² + ε) is monotone in x, increasing
// for γ ≥ 0 and decreasing for γ < 0, and so is the ReLU after it; a correctly rounded FMA
// keeps that order. So a window's pooled output is relu(e·scale + offset) — bit for bit —
// where e, the window's *extreme*, is its largest input for γ ≥ 0 and its smallest for γ < 0.
// The statistics pass, which reads x anyway, records e [N, H/2, W/2, C]; the normalisation
// and the backward's gradient sums then read e (a quarter of x) instead of x. Only the input
// gradient, dense in x, reads x again. A window's gradient goes to the first position (in
// (0,0), (0,1), (1,0), (1,1) order) holding e, and only if relu's argument there is positive.
// (Ties are taken on the inputs: two inputs that differ but round to the same normalised value
// are not a tie.)
//
// Each step takes a range of images, so a training pass can run in *pieces* small enough to
// stay in the caches while the statistics still cover whole ghost batches (Training's
// `PiecewiseStem`):
//   forward:  batchNormPoolExampleSums (per piece: sums and extremes) → batchNormPoolStatistics,
//             batchNormPoolAffine (once per pass) → batchNormReLUMaxPoolApply (per piece)
//   backward: batchNormReLUMaxPoolGradientSums (per piece) → batchNormReLUMaxPoolGradientCoefficients
//             (once per pass) → batchNormReLUMaxPoolInputGradient (per piece)
// Partial sums are kept per example (Float over its H·W positions, shifted by the example's
// own first row) and combined per group in example order (Double): the results do not depend
// on how a pass is cut into pieces, on the order the pieces run in, nor on the thread count. `batchNormReLUMaxPoolTrainingForward` and `…Backward` run the steps over a
// whole pass.
//
// Indexing: x, dp and dx passed with a range of images point at the range's first image (so a
// piece may live in a piece-sized buffer); p, the extremes and the per-example sums cover the
// whole pass (image n at offset n).

import KernelSIMD

/// The shape of a fused batch-norm/ReLU/max-pool.
public struct BatchNormPoolGeometry: Sendable {
    public let batch: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    /// Examples per statistics group (the ghost batch; the last group may be shorter).
    public let groupExamples: Int

    public init(batch: Int, height: Int, width: Int, channels: Int, groupExamples: Int) {
        kernelPrecondition(batch > 0 && height >= 2 && width >= 2 && channels > 0 && groupExamples > 0,
                     "fused batch norm and max-pool needs a batch, at least 2×2 pixels and channels")
        self.batch = batch; self.height = height; self.width = width; self.channels = channels
        self.groupExamples = min(groupExamples, batch)
    }

    public var statisticsLayout: BatchNormLayout {
        BatchNormLayout(rows: batch * height * width, channels: channels, groupRows: groupExamples * height * width)
    }
    public var groups: Int { (batch + groupExamples - 1) / groupExamples }
    /// The images of statistics group `group`.
    public func groupImages(_ group: Int) -> Range<Int> { (group * groupExamples)..<min(batch, (group + 1) * groupExamples) }
    public var imageCount: Int { height * width * channels }
    public var pooledImageCount: Int { (height / 2) * (width / 2) * channels }
    public var pooledCount: Int { batch * pooledImageCount }
    /// Floats of the per-example partial sums: three arrays [N, C] (the statistics' shifts,
    /// sums and squares; the backward reuses two of them).
    public var exampleSumsCount: Int { 3 * batch * channels }
    /// Floats of the per-pass coefficients: scale and offset [groups, C], and the backward's
    /// three coefficients of dx [groups, 3, C].
    public var coefficientCount: Int { 5 * groups * channels }
    /// Windows per image.
    public var windows: Int { (height / 2) * (width / 2) }
    /// Bytes of routing bit masks per window: four per block of eight channels.
    public var routeBytesPerWindow: Int { 4 * ((channels + 7) / 8) }
    /// Floats of scratch the whole-pass functions need.
    public var scratchCount: Int { exampleSumsCount + coefficientCount }

    func checkImages(_ images: Range<Int>) {
        kernelPrecondition(images.lowerBound >= 0 && images.upperBound <= batch, "images \(images) outside a pass of \(batch)")
    }
}

/// Statistics, first step, for `images`: for each image n, its first row s_n (the shift),
/// sums[n, c] = Σ over its positions of (x − s_n) and squares[n, c] = Σ (x − s_n)² (shifting
/// by a value of the data keeps the variance free of the cancellation of Σx² − (Σx)²/n), and
/// the window extremes e [N, H/2, W/2, C] by the sign of gamma [C], and, if asked, each
/// window's routes [N, H/2, W/2, routeBytesPerWindow]: which position (q = 0 to 3 in (0,0),
/// (0,1), (1,0), (1,1) order) first holds e, as bit masks — per block of eight channels four
/// bytes, byte q having bit l set when channel 8·block + l routes to q. x points at image
/// images.lowerBound; shifts, sums, squares [N, C]. Nothing depends on another image, so the
/// images may come in any pieces and any order.
public func batchNormPoolExampleSums(_ x: UnsafePointer<Float>, geometry g: BatchNormPoolGeometry, images: Range<Int>,
                                     gamma: UnsafePointer<Float>, shifts: UnsafeMutablePointer<Float>,
                                     sums: UnsafeMutablePointer<Float>, squares: UnsafeMutablePointer<Float>,
                                     extremes: UnsafeMutablePointer<Float>, routes: UnsafeMutablePointer<UInt8>? = nil,
                                     pool: ThreadPool = .shared) {
    g.checkImages(images)
    let H = g.height, W = g.width, C = g.channels, oH = H / 2, oW = W / 2, positions = H * W
    let hasOddEdge = H % 2 == 1 || W % 2 == 1
    let zero = SIMD8<Float>(repeating: 0)
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        for n in (images.lowerBound + local.lowerBound)..<(images.lowerBound + local.upperBound) {
            let image = x + (n - images.lowerBound) * positions * C, e = extremes + n * g.windows * C
            let route = routes.map { $0 + n * g.windows * g.routeBytesPerWindow }
            let laneBits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128), noBits = SIMD8<Int32>(repeating: 0)
            let shift = shifts + n * C, s1 = sums + n * C, s2 = squares + n * C
            for c in 0..<C { shift[c] = image[c] }
            var c = 0
            // Eight channels at a time over the whole image: four independent accumulator
            // pairs (one per window position) keep the adds off the latency chain.
            while c + 8 <= C {
                let h = load8(shift + c), sign = sign8(gamma + c)
                var a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        let p00 = image + (2 * oy * W + 2 * ox) * C + c, p01 = p00 + C, p10 = p00 + W * C, p11 = p10 + C
                        let u0 = load8(p00), u1 = load8(p01), u2 = load8(p10), u3 = load8(p11)
                        let d0 = u0 - h, d1 = u1 - h, d2 = u2 - h, d3 = u3 - h
                        a0 += d0; a1 += d1; a2 += d2; a3 += d3
                        b0 = b0.addingProduct(d0, d0); b1 = b1.addingProduct(d1, d1)
                        b2 = b2.addingProduct(d2, d2); b3 = b3.addingProduct(d3, d3)
                        let v0 = u0 * sign, v1 = u1 * sign, v2 = u2 * sign
                        let top = max8(max8(v0, v1), max8(v2, u3 * sign))
                        store8(top * sign, e + (oy * oW + ox) * C + c)
                        if let route {
                            let first = v0 .== top
                            let second = (v1 .== top) .& .!first
                            let third = (v2 .== top) .& .!(first .| second)
                            let fourth = .!(first .| second .| third)
                            let bits = SIMD4<Int32>(noBits.replacing(with: laneBits, where: first).wrappedSum(),
                                                    noBits.replacing(with: laneBits, where: second).wrappedSum(),
                                                    noBits.replacing(with: laneBits, where: third).wrappedSum(),
                                                    noBits.replacing(with: laneBits, where: fourth).wrappedSum())
                            UnsafeMutableRawPointer(route + (oy * oW + ox) * g.routeBytesPerWindow + c / 2)
                                .storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: bits), as: SIMD4<UInt8>.self)
                        }
                    }
                }
                if hasOddEdge {
                    // Positions outside every window count in the statistics too.
                    for r in 0..<positions where r / W >= 2 * oH || r % W >= 2 * oW {
                        let d = load8(image + r * C + c) - h
                        a0 += d
                        b0 = b0.addingProduct(d, d)
                    }
                }
                store8((a0 + a1) + (a2 + a3), s1 + c)
                store8((b0 + b1) + (b2 + b3), s2 + c)
                c += 8
            }
            if let route, C % 8 != 0 {
                // The last, partial block's bits are set channel by channel below.
                for w in 0..<g.windows { (route + w * g.routeBytesPerWindow + c / 2).update(repeating: 0, count: 4) }
            }
            while c < C {
                let h = shift[c], sign: Float = gamma[c] < 0 ? -1 : 1
                var a: Float = 0, b: Float = 0
                for r in 0..<positions {
                    let d = image[r * C + c] - h
                    a += d
                    b += d * d
                }
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        let p00 = image + (2 * oy * W + 2 * ox) * C + c
                        let values = [p00[0] * sign, p00[C] * sign, p00[W * C] * sign, p00[W * C + C] * sign]
                        var which = 0
                        for i in 1..<4 where values[i] > values[which] { which = i }
                        e[(oy * oW + ox) * C + c] = values[which] * sign
                        route?[(oy * oW + ox) * g.routeBytesPerWindow + (c / 8) * 4 + which] |= UInt8(1 << (c % 8))
                    }
                }
                s1[c] = a
                s2[c] = b
                c += 1
            }
        }
    }
}

/// Statistics, second step, once every image's sums are in: mean, variance (biased, the one
/// used to normalise) and invStd = 1/√(variance + ε), each [groups, C]. Each image's sums are
/// moved from its own shift s_n to the group's first image's shift r, in Double:
/// Σ(x − r) = S₁ + m·d and Σ(x − r)² = S₂ + 2d·S₁ + m·d² with d = s_n − r and m positions,
/// and added in example order.
public func batchNormPoolStatistics(geometry g: BatchNormPoolGeometry, shifts: UnsafePointer<Float>,
                                    sums: UnsafePointer<Float>, squares: UnsafePointer<Float>, epsilon: Float,
                                    mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                    invStd: UnsafeMutablePointer<Float>) {
    let C = g.channels, positions = Double(g.height * g.width)
    for group in 0..<g.groups {
        let images = g.groupImages(group)
        let n = Double(images.count) * positions
        let reference = shifts + images.lowerBound * C
        for c in 0..<C {
            let r = Double(reference[c])
            var t1 = 0.0, t2 = 0.0
            for i in images {
                let d = Double(shifts[i * C + c]) - r, s1 = Double(sums[i * C + c])
                t1 += s1 + positions * d
                t2 += Double(squares[i * C + c]) + 2 * d * s1 + positions * d * d
            }
            let meanShifted = t1 / n
            let v = max(0, t2 / n - meanShifted * meanShifted)
            mean[group * C + c] = Float(r + meanShifted)
            variance[group * C + c] = Float(v)
            invStd[group * C + c] = Float(1 / (v + Double(epsilon)).squareRoot())
        }
    }
}

/// scale, offset [groups, C] of the affine map y = x·scale + offset (scale = γ·invStd,
/// offset = β − mean·scale) from mean, invStd [groups, C] and gamma, beta [C].
public func batchNormPoolAffine(gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                invStd: UnsafePointer<Float>, groups: Int, channels C: Int,
                                scale: UnsafeMutablePointer<Float>, offset: UnsafeMutablePointer<Float>) {
    for g in 0..<groups {
        for c in 0..<C {
            let s = gamma[c] * invStd[g * C + c]
            scale[g * C + c] = s
            offset[g * C + c] = beta[c] - mean[g * C + c] * s
        }
    }
}

/// Training forward, last step, for `images`: p = relu(e·scale + offset) [N, H/2, W/2, C] from
/// the extremes e; scale and offset [groups, C] from `batchNormPoolAffine`.
public func batchNormReLUMaxPoolApply(_ extremes: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                      geometry g: BatchNormPoolGeometry, images: Range<Int>,
                                      scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, pool: ThreadPool = .shared) {
    g.checkImages(images)
    let C = g.channels, windows = g.windows
    let zero = SIMD8<Float>(repeating: 0)
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        for n in (images.lowerBound + local.lowerBound)..<(images.lowerBound + local.upperBound) {
            let group = n / g.groupExamples
            let s = scale + group * C, t = offset + group * C
            let e = extremes + n * windows * C, out = p + n * windows * C
            for w in 0..<windows {
                var c = 0
                while c + 8 <= C {
                    store8(max8(load8(t + c).addingProduct(load8(e + w * C + c), load8(s + c)), zero), out + w * C + c)
                    c += 8
                }
                while c < C { out[w * C + c] = max(e[w * C + c] * s[c] + t[c], 0); c += 1 }
            }
        }
    }
}

/// Training-mode forward over the whole pass. Writes p [N, H/2, W/2, C], the extremes
/// [N, H/2, W/2, C] the backward reads, and mean, variance, invStd [groups, C]; scratch holds
/// `geometry.scratchCount` Floats.
public func batchNormReLUMaxPoolTrainingForward(_ x: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                                geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>,
                                                beta: UnsafePointer<Float>, epsilon: Float,
                                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                                invStd: UnsafeMutablePointer<Float>, extremes: UnsafeMutablePointer<Float>,
                                                scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let all = 0..<g.batch, C = g.channels
    let shifts = scratch, sums = shifts + g.batch * C, squares = sums + g.batch * C
    let scale = scratch + g.exampleSumsCount, offset = scale + g.groups * C
    batchNormPoolExampleSums(x, geometry: g, images: all, gamma: gamma, shifts: shifts, sums: sums, squares: squares,
                             extremes: extremes, pool: pool)
    batchNormPoolStatistics(geometry: g, shifts: shifts, sums: sums, squares: squares, epsilon: epsilon, mean: mean,
                            variance: variance, invStd: invStd)
    batchNormPoolAffine(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: g.groups, channels: C,
                        scale: scale, offset: offset)
    batchNormReLUMaxPoolApply(extremes, p, geometry: g, images: all, scale: scale, offset: offset, pool: pool)
}

/// Evaluation-mode forward with the running statistics mean, variance [C].
public func batchNormReLUMaxPoolInference(_ x: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                          geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>,
                                          beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                          variance: UnsafePointer<Float>, epsilon: Float, pool: ThreadPool = .shared) {
    let H = g.height, W = g.width, C = g.channels, oH = H / 2, oW = W / 2
    let zero = SIMD8<Float>(repeating: 0)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * C) { buffer in
        let invStd = buffer.baseAddress!, s = invStd + C, t = s + C
        for c in 0..<C { invStd[c] = 1 / (variance[c] + epsilon).squareRoot() }
        batchNormPoolAffine(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: 1, channels: C, scale: s, offset: t)
        parallelRanges(g.batch, grain: 1, pool: pool) { images in
            for n in images {
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        let p00 = x + ((n * H + 2 * oy) * W + 2 * ox) * C, p01 = p00 + C, p10 = p00 + W * C, p11 = p10 + C
                        let out = p + ((n * oH + oy) * oW + ox) * C
                        var c = 0
                        while c + 8 <= C {
                            let sc = load8(s + c), of = load8(t + c)
                            let a = of.addingProduct(load8(p00 + c), sc), b = of.addingProduct(load8(p01 + c), sc)
                            let e = of.addingProduct(load8(p10 + c), sc), f = of.addingProduct(load8(p11 + c), sc)
                            store8(max8(max8(max8(a, b), max8(e, f)), zero), out + c)
                            c += 8
                        }
                        while c < C {
                            let a = p00[c] * s[c] + t[c], b = p01[c] * s[c] + t[c], e = p10[c] * s[c] + t[c], f = p11[c] * s[c] + t[c]
                            out[c] = max(max(max(a, b), max(e, f)), 0)
                            c += 1
                        }
                    }
                }
            }
        }
    }
}

/// Backward, first step, for `images`: per example, sumDy[n, c] = Σ of the gradient routed
/// through the pool and the ReLU and sumDyXc[n, c] = Σ routed·(e − mean), from the extremes e
/// alone (the routed position holds e). dp points at image images.lowerBound's [H/2, W/2, C];
/// scale, offset, mean [groups, C]; sumDy, sumDyXc [N, C].
public func batchNormReLUMaxPoolGradientSums(_ extremes: UnsafePointer<Float>, _ dp: UnsafePointer<Float>,
                                             geometry g: BatchNormPoolGeometry, images: Range<Int>,
                                             scale: UnsafePointer<Float>, offset: UnsafePointer<Float>,
                                             mean: UnsafePointer<Float>, sumDy: UnsafeMutablePointer<Float>,
                                             sumDyXc: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    g.checkImages(images)
    let C = g.channels, windows = g.windows, first = images.lowerBound
    let zero = SIMD8<Float>(repeating: 0)
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        for n in (first + local.lowerBound)..<(first + local.upperBound) {
            let group = n / g.groupExamples
            let s = scale + group * C, t = offset + group * C, m = mean + group * C
            let e = extremes + n * windows * C, grad = dp + (n - first) * windows * C
            let a = sumDy + n * C, b = sumDyXc + n * C
            var c = 0
            while c + 8 <= C {
                let sc = load8(s + c), of = load8(t + c), mc = load8(m + c)
                var a0 = zero, a1 = zero, b0 = zero, b1 = zero
                var w = 0
                // Two windows at a time: two accumulator chains.
                while w + 2 <= windows {
                    let e0 = load8(e + w * C + c), e1 = load8(e + (w + 1) * C + c)
                    let live0 = zero.replacing(with: load8(grad + w * C + c), where: of.addingProduct(e0, sc) .> zero)
                    let live1 = zero.replacing(with: load8(grad + (w + 1) * C + c), where: of.addingProduct(e1, sc) .> zero)
                    a0 += live0; a1 += live1
                    b0 = b0.addingProduct(live0, e0 - mc); b1 = b1.addingProduct(live1, e1 - mc)
                    w += 2
                }
                if w < windows {
                    let e0 = load8(e + w * C + c)
                    let live0 = zero.replacing(with: load8(grad + w * C + c), where: of.addingProduct(e0, sc) .> zero)
                    a0 += live0
                    b0 = b0.addingProduct(live0, e0 - mc)
                }
                store8(a0 + a1, a + c)
                store8(b0 + b1, b + c)
                c += 8
            }
            while c < C {
                var sa: Float = 0, sb: Float = 0
                for w in 0..<windows where e[w * C + c] * s[c] + t[c] > 0 {
                    sa += grad[w * C + c]
                    sb += grad[w * C + c] * (e[w * C + c] - m[c])
                }
                a[c] = sa
                b[c] = sb
                c += 1
            }
        }
    }
}

/// Backward, second step, once every image's sums are in: per group, the two sums (Double,
/// example order) give dbeta[c] += Σ routed, dgamma[c] += Σ routed·x̂ and the coefficients of
/// dx = a·routed + b·x + k, coefficients [groups, 3, C] (a, b, k).
public func batchNormReLUMaxPoolGradientCoefficients(geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>,
                                                     mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                                     sumDy: UnsafePointer<Float>, sumDyXc: UnsafePointer<Float>,
                                                     dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                                     coefficients: UnsafeMutablePointer<Float>) {
    let C = g.channels, positions = g.height * g.width
    for group in 0..<g.groups {
        let images = g.groupImages(group)
        let count = Double(images.count * positions)
        for c in 0..<C {
            var s1 = 0.0, s2 = 0.0
            for n in images { s1 += Double(sumDy[n * C + c]); s2 += Double(sumDyXc[n * C + c]) }
            let inv = Double(invStd[group * C + c])
            let sumDyXhat = s2 * inv
            dbeta[c] += Float(s1)
            dgamma[c] += Float(sumDyXhat)
            let a = Double(gamma[c]) * inv
            let b = -a * inv * sumDyXhat / count
            let k = -a * s1 / count - b * Double(mean[group * C + c])
            coefficients[(3 * group) * C + c] = Float(a)
            coefficients[(3 * group + 1) * C + c] = Float(b)
            coefficients[(3 * group + 2) * C + c] = Float(k)
        }
    }
}

/// Backward, last step, for `images`: dx = a·routed + b·x + k (overwritten), the routing
/// recomputed from x (the first position holding the window's extreme by the sign of gamma
/// [C]). x, dp and dx point at image images.lowerBound; coefficients from
/// `batchNormReLUMaxPoolGradientCoefficients`.
public func batchNormReLUMaxPoolInputGradient(_ x: UnsafePointer<Float>, _ dp: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                              geometry g: BatchNormPoolGeometry, images: Range<Int>, gamma: UnsafePointer<Float>,
                                              scale: UnsafePointer<Float>, offset: UnsafePointer<Float>,
                                              coefficients: UnsafePointer<Float>, pool: ThreadPool = .shared) {
    g.checkImages(images)
    let H = g.height, W = g.width, C = g.channels, oH = H / 2, oW = W / 2, first = images.lowerBound
    let zero = SIMD8<Float>(repeating: 0)
    parallelRanges(images.count, grain: 1, pool: pool) { local in
        for n in (first + local.lowerBound)..<(first + local.upperBound) {
            let group = n / g.groupExamples
            let s = scale + group * C, t = offset + group * C
            let ca = coefficients + 3 * group * C, cb = ca + C, ck = cb + C
            let xImage = x + (n - first) * H * W * C, dxImage = dx + (n - first) * H * W * C
            if H % 2 == 1 || W % 2 == 1 {
                // Positions outside every window get no routed gradient: dx = b·x + k.
                for r in 0..<(H * W) where r / W >= 2 * oH || r % W >= 2 * oW {
                    let xr = xImage + r * C, out = dxImage + r * C
                    for c in 0..<C { out[c] = cb[c] * xr[c] + ck[c] }
                }
            }
            for oy in 0..<oH {
                for ox in 0..<oW {
                    let offset00 = (2 * oy * W + 2 * ox) * C
                    let x00 = xImage + offset00, x01 = x00 + C, x10 = x00 + W * C, x11 = x10 + C
                    let d00 = dxImage + offset00, d01 = d00 + C, d10 = d00 + W * C, d11 = d10 + C
                    let grad = dp + (((n - first) * oH + oy) * oW + ox) * C
                    var c = 0
                    while c + 8 <= C {
                        let sign = sign8(gamma + c)
                        let u0 = load8(x00 + c), u1 = load8(x01 + c), u2 = load8(x10 + c), u3 = load8(x11 + c)
                        let v0 = u0 * sign, v1 = u1 * sign, v2 = u2 * sign, v3 = u3 * sign
                        let top = max8(max8(v0, v1), max8(v2, v3))
                        let live = load8(t + c).addingProduct(top * sign, load8(s + c)) .> zero
                        let routed = zero.replacing(with: load8(grad + c), where: live) * load8(ca + c)
                        let first = v0 .== top
                        let second = (v1 .== top) .& .!first
                        let third = (v2 .== top) .& .!(first .| second)
                        let fourth = .!(first .| second .| third)
                        let bb = load8(cb + c), kk = load8(ck + c)
                        store8(kk.addingProduct(bb, u0) + zero.replacing(with: routed, where: first), d00 + c)
                        store8(kk.addingProduct(bb, u1) + zero.replacing(with: routed, where: second), d01 + c)
                        store8(kk.addingProduct(bb, u2) + zero.replacing(with: routed, where: third), d10 + c)
                        store8(kk.addingProduct(bb, u3) + zero.replacing(with: routed, where: fourth), d11 + c)
                        c += 8
                    }
                    while c < C {
                        let sign: Float = gamma[c] < 0 ? -1 : 1
                        let positions = [x00, x01, x10, x11], targets = [d00, d01, d10, d11]
                        var which = 0
                        for i in 1..<4 where positions[i][c] * sign > positions[which][c] * sign { which = i }
                        let live = positions[which][c] * s[c] + t[c] > 0
                        for i in 0..<4 {
                            let routed: Float = i == which && live ? grad[c] : 0
                            targets[i][c] = ca[c] * routed + cb[c] * positions[i][c] + ck[c]
                        }
                        c += 1
                    }
                }
            }
        }
    }
}

/// Backward over the whole pass. dp [N, H/2, W/2, C] → dx [N, H, W, C] (overwritten); dgamma,
/// dbeta [C] accumulate; mean, invStd [groups, C] and the extremes from the forward; scratch
/// holds `geometry.scratchCount` Floats. Deterministic for any thread count.
public func batchNormReLUMaxPoolBackward(_ x: UnsafePointer<Float>, _ dp: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                         geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, extremes: UnsafePointer<Float>,
                                         dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                         scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let all = 0..<g.batch, C = g.channels
    let sumDy = scratch, sumDyXc = scratch + g.batch * C
    let scale = scratch + g.exampleSumsCount, offset = scale + g.groups * C, coefficients = offset + g.groups * C
    batchNormPoolAffine(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: g.groups, channels: C,
                        scale: scale, offset: offset)
    batchNormReLUMaxPoolGradientSums(extremes, dp, geometry: g, images: all, scale: scale, offset: offset, mean: mean,
                                     sumDy: sumDy, sumDyXc: sumDyXc, pool: pool)
    batchNormReLUMaxPoolGradientCoefficients(geometry: g, gamma: gamma, mean: mean, invStd: invStd, sumDy: sumDy,
                                             sumDyXc: sumDyXc, dgamma: dgamma, dbeta: dbeta, coefficients: coefficients)
    batchNormReLUMaxPoolInputGradient(x, dp, dx, geometry: g, images: all, gamma: gamma, scale: scale, offset: offset,
                                      coefficients: coefficients, pool: pool)
}

/// Naive twin: batch norm (with ReLU) then max-pool, from their naive twins.
public func batchNormReLUMaxPoolNaive(x: [Float], geometry g: BatchNormPoolGeometry, gamma: [Float], beta: [Float], epsilon: Float,
                                      pooledGradient dp: [Float]?) -> (p: [Float], dx: [Float], dgamma: [Float], dbeta: [Float]) {
    let rows = g.batch * g.height * g.width
    let normalised = batchNormTrainingNaive(x: x, rows: rows, channels: g.channels, groupRows: g.groupExamples * g.height * g.width,
                                            gamma: gamma, beta: beta, epsilon: epsilon, relu: true, outputGradient: nil)
    let pooled = maxPool2Naive(normalised.y, batch: g.batch, height: g.height, width: g.width, channels: g.channels,
                               outputGradient: dp)
    guard dp != nil else { return (pooled.y, [], [], []) }
    let back = batchNormTrainingNaive(x: x, rows: rows, channels: g.channels, groupRows: g.groupExamples * g.height * g.width,
                                      gamma: gamma, beta: beta, epsilon: epsilon, relu: true, outputGradient: pooled.dx)
    return (pooled.y, back.dx, back.dgamma, back.dbeta)
}

/// +1 where γ ≥ 0, −1 where γ < 0: max(σ·x)·σ is the window extreme.
@inline(__always) private func sign8(_ gamma: UnsafePointer<Float>) -> SIMD8<Float> {
    SIMD8<Float>(repeating: 1).replacing(with: -1, where: load8(gamma) .< SIMD8<Float>(repeating: 0))
}
