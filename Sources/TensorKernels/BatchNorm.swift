// Batch normalisation over NHWC activations viewed as x [rows, C] (rows = N·H·W), with
// statistics per *group* of consecutive rows: a ghost batch of G examples is G·H·W rows.
//
// Reductions are deterministic for any thread count: each group is cut into blocks of
// `reductionBlockRows` rows, a block's partial sums are taken in Float, and the blocks are
// combined in Double in block order. Work items are (group, block) pairs. A ReLU after the
// normalisation can be fused in (`relu`): it saves a pass over the activations each way.

#if canImport(Glibc)
import KernelSIMD
import Glibc
#endif

/// How the rows of a batch-norm input split into statistics groups and reduction blocks.
public struct BatchNormLayout: Sendable {
    public let rows: Int
    public let channels: Int
    /// Rows per statistics group (the last group may be shorter).
    public let groupRows: Int
    public var groups: Int { (rows + groupRows - 1) / groupRows }
    let blocksPerGroup: Int
    /// Work items of one pass: groups × blocksPerGroup (trailing blocks of a short last group are empty).
    public var items: Int { groups * blocksPerGroup }

    public init(rows: Int, channels: Int, groupRows: Int) {
        kernelPrecondition(rows > 0 && channels > 0 && groupRows > 0, "batch norm needs rows, channels and a group size")
        self.rows = rows
        self.channels = channels
        self.groupRows = min(groupRows, rows)
        blocksPerGroup = (self.groupRows + reductionBlockRows - 1) / reductionBlockRows
    }

    func groupRange(_ g: Int) -> Range<Int> { (g * groupRows)..<min((g + 1) * groupRows, rows) }
    func blockRange(_ item: Int) -> Range<Int> {
        let group = groupRange(item / blocksPerGroup)
        let start = group.lowerBound + (item % blocksPerGroup) * reductionBlockRows
        return min(start, group.upperBound)..<min(start + reductionBlockRows, group.upperBound)
    }
    /// Floats of scratch a forward or backward pass needs: two partial sums per item and channel.
    public var scratchCount: Int { 2 * items * channels }
}

/// Per-group statistics of x [rows, C]: mean, variance (biased, the one used to normalise) and
/// invStd = 1/√(variance + ε), each [groups, C]. scratch holds `layout.scratchCount` Floats.
///
/// One pass gathers Σ(x − s) and Σ(x − s)² per block, with s the group's first row: shifting
/// by a value of the data keeps the variance free of cancellation (unlike Σx² − (Σx)²/n).
public func batchNormStatistics(_ x: UnsafePointer<Float>, layout: BatchNormLayout, epsilon: Float,
                                mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                invStd: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                pool: ThreadPool = .shared) {
    let C = layout.channels
    let sums = scratch, squares = scratch + layout.items * C
    pool.parallelFor(layout.items) { item in
        let s1 = sums + item * C, s2 = squares + item * C
        let shift = x + layout.groupRange(item / layout.blocksPerGroup).lowerBound * C
        zeroFloats(s1, C)
        zeroFloats(s2, C)
        for r in layout.blockRange(item) {
            let row = x + r * C
            var c = 0
            while c + 8 <= C {
                let d = load8(row + c) - load8(shift + c)
                store8(load8(s1 + c) + d, s1 + c)
                store8(load8(s2 + c).addingProduct(d, d), s2 + c)
                c += 8
            }
            while c < C { let d = row[c] - shift[c]; s1[c] += d; s2[c] += d * d; c += 1 }
        }
    }
    for g in 0..<layout.groups {
        let group = layout.groupRange(g)
        let n = Double(group.count)
        let shift = x + group.lowerBound * C
        for c in 0..<C {
            var t1 = 0.0, t2 = 0.0
            for b in 0..<layout.blocksPerGroup {
                let item = g * layout.blocksPerGroup + b
                t1 += Double(sums[item * C + c])
                t2 += Double(squares[item * C + c])
            }
            let meanShifted = t1 / n
            let v = max(0, t2 / n - meanShifted * meanShifted)
            mean[g * C + c] = Float(Double(shift[c]) + meanShifted)
            variance[g * C + c] = Float(v)
            invStd[g * C + c] = Float(1 / (v + Double(epsilon)).squareRoot())
        }
    }
}

/// Training-mode forward. x, y [rows, C]; gamma, beta [C]; with `relu`, y = max(0, BN(x)).
/// Writes mean, variance and invStd [groups, C] (see `batchNormStatistics`).
public func batchNormTrainingForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, layout: BatchNormLayout,
                                     gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float, relu: Bool = false,
                                     mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                     invStd: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                     pool: ThreadPool = .shared) {
    let C = layout.channels
    batchNormStatistics(x, layout: layout, epsilon: epsilon, mean: mean, variance: variance, invStd: invStd,
                        scratch: scratch, pool: pool)
    // y = (x − mean)·invStd·gamma + beta, as y = x·scale + shift per (group, channel).
    let scale = scratch, offset = scratch + layout.groups * C
    for g in 0..<layout.groups {
        for c in 0..<C {
            let s = gamma[c] * invStd[g * C + c]
            scale[g * C + c] = s
            offset[g * C + c] = beta[c] - mean[g * C + c] * s
        }
    }
    pool.parallelFor(layout.items) { item in
        let g = item / layout.blocksPerGroup
        affineRows(x, y, rows: layout.blockRange(item), channels: C, scale: scale + g * C, offset: offset + g * C, relu: relu)
    }
}

/// y[r, c] = x[r, c]·scale[c] + offset[c] (then max(0, ·) with `relu`) for r in rows.
@inline(__always)
private func affineRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Range<Int>, channels C: Int,
                        scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, relu: Bool) {
    let zero = SIMD8<Float>(repeating: 0)
    for r in rows {
        let inRow = x + r * C, outRow = y + r * C
        var c = 0
        while c + 8 <= C {
            let v = load8(offset + c).addingProduct(load8(inRow + c), load8(scale + c))
            store8(relu ? max8(v, zero) : v, outRow + c)
            c += 8
        }
        while c < C {
            let v = inRow[c] * scale[c] + offset[c]
            outRow[c] = relu ? max(v, 0) : v
            c += 1
        }
    }
}

/// Training-mode backward. dy, dx [rows, C] (dx overwritten); mean, invStd [groups, C] from the forward.
/// With `reluOutput` (the forward's y when it ran with `relu`), dy counts only where y > 0.
/// dgamma[c] += Σ dy·x̂, dbeta[c] += Σ dy over all rows (groups in order);
/// dx = gamma·invStd·(dy − mean_g(dy) − x̂·mean_g(dy·x̂)) per group.
public func batchNormTrainingBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                      layout: BatchNormLayout, gamma: UnsafePointer<Float>,
                                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                      reluOutput: UnsafePointer<Float>? = nil,
                                      dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                      scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let C = layout.channels
    let sumDy = scratch, sumDyXc = scratch + layout.items * C
    let zero = SIMD8<Float>(repeating: 0)
    // Σdy and Σdy·(x − mean) per block.
    pool.parallelFor(layout.items) { item in
        let a = sumDy + item * C, b = sumDyXc + item * C
        let m = mean + (item / layout.blocksPerGroup) * C
        zeroFloats(a, C)
        zeroFloats(b, C)
        for r in layout.blockRange(item) {
            let xr = x + r * C, gr = dy + r * C, yr = reluOutput.map { $0 + r * C }
            var c = 0
            while c + 8 <= C {
                var g = load8(gr + c)
                if let yr { g = zero.replacing(with: g, where: load8(yr + c) .> zero) }
                store8(load8(a + c) + g, a + c)
                store8(load8(b + c).addingProduct(g, load8(xr + c) - load8(m + c)), b + c)
                c += 8
            }
            while c < C {
                var g = gr[c]
                if let yr, !(yr[c] > 0) { g = 0 }
                a[c] += g
                b[c] += g * (xr[c] - m[c])
                c += 1
            }
        }
    }
    // Per group: the two sums (Double, block order), then dx's per-channel coefficients
    // dx = a·dy + b·x + k.
    let groups = layout.groups
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * groups * C) { coefficients in
        for g in 0..<groups {
            let n = Double(layout.groupRange(g).count)
            for c in 0..<C {
                var s1 = 0.0, s2 = 0.0
                for b in 0..<layout.blocksPerGroup {
                    let item = g * layout.blocksPerGroup + b
                    s1 += Double(sumDy[item * C + c])
                    s2 += Double(sumDyXc[item * C + c])
                }
                let inv = Double(invStd[g * C + c])
                let sumDyXhat = s2 * inv
                dbeta[c] += Float(s1)
                dgamma[c] += Float(sumDyXhat)
                let a = Double(gamma[c]) * inv
                let meanDy = s1 / n, meanDyXhat = sumDyXhat / n
                let b = -a * inv * meanDyXhat
                let k = -a * meanDy - b * Double(mean[g * C + c])
                coefficients[(3 * g) * C + c] = Float(a)
                coefficients[(3 * g + 1) * C + c] = Float(b)
                coefficients[(3 * g + 2) * C + c] = Float(k)
            }
        }
        let coefficientBase = coefficients.baseAddress!
        pool.parallelFor(layout.items) { item in
            let g = item / layout.blocksPerGroup
            let a = coefficientBase + 3 * g * C, b = a + C, k = b + C
            for r in layout.blockRange(item) {
                let xr = x + r * C, gr = dy + r * C, out = dx + r * C, yr = reluOutput.map { $0 + r * C }
                var c = 0
                while c + 8 <= C {
                    var grad = load8(gr + c)
                    if let yr { grad = zero.replacing(with: grad, where: load8(yr + c) .> zero) }
                    store8(load8(k + c).addingProduct(load8(a + c), grad).addingProduct(load8(b + c), load8(xr + c)), out + c)
                    c += 8
                }
                while c < C {
                    var grad = gr[c]
                    if let yr, !(yr[c] > 0) { grad = 0 }
                    out[c] = a[c] * grad + b[c] * xr[c] + k[c]
                    c += 1
                }
            }
        }
    }
}

/// Evaluation-mode forward with fixed statistics: y = gamma·(x − mean)/√(variance + ε) + beta
/// (then max(0, ·) with `relu`). x, y [rows, C]; gamma, beta, mean, variance [C].
public func batchNormInference(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, channels C: Int,
                               gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                               mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, epsilon: Float, relu: Bool = false,
                               pool: ThreadPool = .shared) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * C) { coefficients in
        let scale = coefficients.baseAddress!, offset = scale + C
        for c in 0..<C {
            scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
            offset[c] = beta[c] - mean[c] * scale[c]
        }
        parallelRanges(rows, grain: 512, pool: pool) { range in
            affineRows(x, y, rows: range, channels: C, scale: scale, offset: offset, relu: relu)
        }
    }
}

/// Naive twin of the training forward and backward, in Double, one group at a time.
/// Returns y, and with dy given: dx, dgamma, dbeta (not accumulated).
public func batchNormTrainingNaive(x: [Float], rows: Int, channels C: Int, groupRows: Int, gamma: [Float], beta: [Float],
                                   epsilon: Float, relu: Bool = false, outputGradient dy: [Float]?)
    -> (y: [Float], dx: [Float], dgamma: [Float], dbeta: [Float], mean: [Float], variance: [Float]) {
    var y = [Float](repeating: 0, count: x.count), dx = y
    var dgamma = [Float](repeating: 0, count: C), dbeta = dgamma
    var means: [Float] = [], variances: [Float] = []
    var start = 0
    while start < rows {
        let end = min(start + groupRows, rows)
        let n = Double(end - start)
        for c in 0..<C {
            var m = 0.0
            for r in start..<end { m += Double(x[r * C + c]) }
            m /= n
            var v = 0.0
            for r in start..<end { let d = Double(x[r * C + c]) - m; v += d * d }
            v /= n
            means.append(Float(m)); variances.append(Float(v))
            let inv = 1 / (v + Double(epsilon)).squareRoot()
            for r in start..<end {
                let v = Float(Double(gamma[c]) * (Double(x[r * C + c]) - m) * inv + Double(beta[c]))
                y[r * C + c] = relu ? max(v, 0) : v
            }
            if let dy {
                // Through the ReLU first: the gradient reaches BN only where its output was positive.
                func grad(_ r: Int) -> Double { relu && !(y[r * C + c] > 0) ? 0 : Double(dy[r * C + c]) }
                var sdy = 0.0, sdyxh = 0.0
                for r in start..<end {
                    let xh = (Double(x[r * C + c]) - m) * inv
                    sdy += grad(r); sdyxh += grad(r) * xh
                }
                dgamma[c] += Float(sdyxh); dbeta[c] += Float(sdy)
                for r in start..<end {
                    let xh = (Double(x[r * C + c]) - m) * inv
                    dx[r * C + c] = Float(Double(gamma[c]) * inv * (grad(r) - sdy / n - xh * sdyxh / n))
                }
            }
        }
        start = end
    }
    // means/variances were appended channel-inner per group: already [groups, C].
    return (y, dx, dgamma, dbeta, means, variances)
}
