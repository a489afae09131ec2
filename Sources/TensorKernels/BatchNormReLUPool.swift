// Batch norm, ReLU and 2×2 max-pool fused: x [N, H, W, C] → p [N, H/2, W/2, C] with
//   p = maxpool2(max(0, γ·(x − μ_g)/√(σ²_g + ε) + β))
// and statistics per ghost batch g as in BatchNorm.swift. The normalised activations — the
// largest tensor of a small CNN — are never written: the forward pools them on the fly and the
// backward recomputes them from x (their window maxima and ReLU masks) where it needs them.
// That removes two full-size writes and three full-size reads per layer and step compared
// with running the three layers one after another.

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
    public var groups: Int { statisticsLayout.groups }
    public var pooledCount: Int { batch * (height / 2) * (width / 2) * channels }
    /// Floats of scratch: the statistics pass's, and two per-example partial sums in the backward.
    public var scratchCount: Int { max(statisticsLayout.scratchCount, 2 * batch * channels) + 2 * groups * channels }
}

/// scale, offset [groups, C] of the affine map y = x·scale + offset.
private func affineCoefficients(gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
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

/// p ← max-pool of relu(x·scale + offset) for examples `images`; scale/offset per example's group.
private func poolAffine(_ x: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, geometry g: BatchNormPoolGeometry,
                        images: Range<Int>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, perGroup: Bool) {
    let H = g.height, W = g.width, C = g.channels, oH = H / 2, oW = W / 2
    let zero = SIMD8<Float>(repeating: 0)
    for n in images {
        let group = perGroup ? n / g.groupExamples : 0
        let s = scale + group * C, t = offset + group * C
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

/// Training-mode forward. Writes p [N, H/2, W/2, C] and mean, variance, invStd [groups, C].
public func batchNormReLUMaxPoolTrainingForward(_ x: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                                geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>,
                                                beta: UnsafePointer<Float>, epsilon: Float,
                                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                                invStd: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                                pool: ThreadPool = .shared) {
    batchNormStatistics(x, layout: g.statisticsLayout, epsilon: epsilon, mean: mean, variance: variance, invStd: invStd,
                        scratch: scratch, pool: pool)
    let scale = scratch, offset = scratch + g.groups * g.channels
    affineCoefficients(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: g.groups, channels: g.channels,
                       scale: scale, offset: offset)
    parallelRanges(g.batch, grain: 1, pool: pool) { images in
        poolAffine(x, p, geometry: g, images: images, scale: scale, offset: offset, perGroup: true)
    }
}

/// Evaluation-mode forward with the running statistics mean, variance [C].
public func batchNormReLUMaxPoolInference(_ x: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>,
                                          geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>,
                                          beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                          variance: UnsafePointer<Float>, epsilon: Float, pool: ThreadPool = .shared) {
    let C = g.channels
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * C) { buffer in
        let invStd = buffer.baseAddress!, scale = invStd + C, offset = scale + C
        for c in 0..<C { invStd[c] = 1 / (variance[c] + epsilon).squareRoot() }
        affineCoefficients(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: 1, channels: C, scale: scale, offset: offset)
        parallelRanges(g.batch, grain: 1, pool: pool) { images in
            poolAffine(x, p, geometry: g, images: images, scale: scale, offset: offset, perGroup: false)
        }
    }
}

/// Backward. dp [N, H/2, W/2, C] → dx [N, H, W, C] (overwritten); dgamma, dbeta [C] accumulate.
/// Within each window the gradient reaches the first position holding the maximum of the
/// normalised values, and only if that maximum is positive (the ReLU); then batch norm's
/// backward as in `batchNormTrainingBackward`. Per-example partial sums, combined in example
/// order: deterministic for any thread count.
public func batchNormReLUMaxPoolBackward(_ x: UnsafePointer<Float>, _ dp: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                         geometry g: BatchNormPoolGeometry, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                         mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                         dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                         scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let H = g.height, W = g.width, C = g.channels, oH = H / 2, oW = W / 2, groups = g.groups
    let scale = scratch, offset = scratch + groups * C
    let sumDy = offset + groups * C, sumDyXc = sumDy + g.batch * C
    affineCoefficients(gamma: gamma, beta: beta, mean: mean, invStd: invStd, groups: groups, channels: C,
                       scale: scale, offset: offset)
    let zero = SIMD8<Float>(repeating: 0)

    // Pass 1: per example, Σ routed dy and Σ routed dy·(x − mean).
    parallelRanges(g.batch, grain: 1, pool: pool) { images in
        for n in images {
            let group = n / g.groupExamples
            let s = scale + group * C, t = offset + group * C, m = mean + group * C
            let a = sumDy + n * C, b = sumDyXc + n * C
            zeroFloats(a, C)
            zeroFloats(b, C)
            for oy in 0..<oH {
                for ox in 0..<oW {
                    let x00 = x + ((n * H + 2 * oy) * W + 2 * ox) * C, x01 = x00 + C, x10 = x00 + W * C, x11 = x10 + C
                    let grad = dp + ((n * oH + oy) * oW + ox) * C
                    var c = 0
                    while c + 8 <= C {
                        let sc = load8(s + c), of = load8(t + c)
                        let u0 = load8(x00 + c), u1 = load8(x01 + c), u2 = load8(x10 + c), u3 = load8(x11 + c)
                        let y0 = of.addingProduct(u0, sc), y1 = of.addingProduct(u1, sc)
                        let y2 = of.addingProduct(u2, sc), y3 = of.addingProduct(u3, sc)
                        let top = max8(max8(y0, y1), max8(y2, y3))
                        let live = zero.replacing(with: load8(grad + c), where: top .> zero)
                        // The routed x: the first position holding the maximum.
                        var xr = u3
                        xr.replace(with: u2, where: y2 .== top)
                        xr.replace(with: u1, where: y1 .== top)
                        xr.replace(with: u0, where: y0 .== top)
                        store8(load8(a + c) + live, a + c)
                        store8(load8(b + c).addingProduct(live, xr - load8(m + c)), b + c)
                        c += 8
                    }
                    while c < C {
                        let ys = [x00[c], x01[c], x10[c], x11[c]].map { $0 * s[c] + t[c] }
                        var which = 0
                        for i in 1..<4 where ys[i] > ys[which] { which = i }
                        if ys[which] > 0 {
                            let xv = [x00, x01, x10, x11][which][c]
                            a[c] += grad[c]
                            b[c] += grad[c] * (xv - m[c])
                        }
                        c += 1
                    }
                }
            }
        }
    }
    // Per group: sums in example order (Double), dgamma, dbeta, and dx = a·routed + b·x + k.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * groups * C) { coefficients in
        for group in 0..<groups {
            let first = group * g.groupExamples, last = min(g.batch, first + g.groupExamples)
            let count = Double((last - first) * H * W)
            for c in 0..<C {
                var s1 = 0.0, s2 = 0.0
                for n in first..<last { s1 += Double(sumDy[n * C + c]); s2 += Double(sumDyXc[n * C + c]) }
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
        let coefficientBase = coefficients.baseAddress!
        parallelRanges(g.batch, grain: 1, pool: pool) { images in
            for n in images {
                let group = n / g.groupExamples
                let s = scale + group * C, t = offset + group * C
                let ca = coefficientBase + 3 * group * C, cb = ca + C, ck = cb + C
                if H % 2 == 1 || W % 2 == 1 {
                    // Positions outside every window get no routed gradient: dx = b·x + k.
                    for r in 0..<(H * W) where r / W >= 2 * oH || r % W >= 2 * oW {
                        let xr = x + (n * H * W + r) * C, out = dx + (n * H * W + r) * C
                        for c in 0..<C { out[c] = cb[c] * xr[c] + ck[c] }
                    }
                }
                for oy in 0..<oH {
                    for ox in 0..<oW {
                        let offset00 = ((n * H + 2 * oy) * W + 2 * ox) * C
                        let x00 = x + offset00, x01 = x00 + C, x10 = x00 + W * C, x11 = x10 + C
                        let d00 = dx + offset00, d01 = d00 + C, d10 = d00 + W * C, d11 = d10 + C
                        let grad = dp + ((n * oH + oy) * oW + ox) * C
                        var c = 0
                        while c + 8 <= C {
                            let sc = load8(s + c), of = load8(t + c)
                            let u0 = load8(x00 + c), u1 = load8(x01 + c), u2 = load8(x10 + c), u3 = load8(x11 + c)
                            let y0 = of.addingProduct(u0, sc), y1 = of.addingProduct(u1, sc)
                            let y2 = of.addingProduct(u2, sc), y3 = of.addingProduct(u3, sc)
                            let top = max8(max8(y0, y1), max8(y2, y3))
                            let routed = zero.replacing(with: load8(grad + c), where: top .> zero) * load8(ca + c)
                            let first = y0 .== top
                            let second = (y1 .== top) .& .!first
                            let third = (y2 .== top) .& .!(first .| second)
                            let fourth = .!(first .| second .| third)
                            let bb = load8(cb + c), kk = load8(ck + c)
                            store8(kk.addingProduct(bb, u0) + zero.replacing(with: routed, where: first), d00 + c)
                            store8(kk.addingProduct(bb, u1) + zero.replacing(with: routed, where: second), d01 + c)
                            store8(kk.addingProduct(bb, u2) + zero.replacing(with: routed, where: third), d10 + c)
                            store8(kk.addingProduct(bb, u3) + zero.replacing(with: routed, where: fourth), d11 + c)
                            c += 8
                        }
                        while c < C {
                            let positions = [x00, x01, x10, x11], targets = [d00, d01, d10, d11]
                            let ys = positions.map { $0[c] * s[c] + t[c] }
                            var which = 0
                            for i in 1..<4 where ys[i] > ys[which] { which = i }
                            for i in 0..<4 {
                                let routed: Float = i == which && ys[which] > 0 ? grad[c] : 0
                                targets[i][c] = ca[c] * routed + cb[c] * positions[i][c] + ck[c]
                            }
                            c += 1
                        }
                    }
                }
            }
        }
    }
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

// SIMD helpers, private to this file: debug builds compile file by file and never inline a
// function from another file, even @inline(__always).
@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
@inline(__always) private func zeroFloats(_ dst: UnsafeMutablePointer<Float>, _ count: Int) {
    var i = 0
    while i + 8 <= count { store8(SIMD8(repeating: 0), dst + i); i += 8 }
    while i < count { dst[i] = 0; i += 1 }
}
@inline(__always) private func max8(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)
}
