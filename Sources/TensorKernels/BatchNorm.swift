// Batch normalisation over NHWC activations viewed as x [rows, C] (rows = N·H·W), with
// statistics per *group* of consecutive rows: a ghost batch of G examples is G·H·W rows.
//
// Reductions are deterministic for any thread count: each group is cut into blocks of
// `reductionBlockRows` rows, a block's partial sums are taken in Float, and the blocks are
// combined in Double in block order. Work items are (group, block) pairs.

#if canImport(Glibc)
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
        precondition(rows > 0 && channels > 0 && groupRows > 0, "batch norm needs rows, channels and a group size")
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

/// Training-mode forward. x, y [rows, C]; gamma, beta [C].
/// Writes mean, variance (biased, the one used to normalise) and invStd [groups, C].
/// scratch holds `layout.scratchCount` Floats.
public func batchNormTrainingForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, layout: BatchNormLayout,
                                     gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float,
                                     mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                     invStd: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                     pool: ThreadPool = .shared) {
    let C = layout.channels
    // Pass 1: Σx per block → mean per group.
    pool.parallelFor(layout.items) { item in
        let partial = scratch + item * C
        for c in 0..<C { partial[c] = 0 }
        for r in layout.blockRange(item) {
            let row = x + r * C
            for c in 0..<C { partial[c] += row[c] }
        }
    }
    combineBlocks(scratch, layout: layout, into: mean, divideByCount: true)
    // Pass 2: Σ(x − mean)² per block → variance per group (two-pass: no cancellation).
    pool.parallelFor(layout.items) { item in
        let partial = scratch + item * C
        let m = mean + (item / layout.blocksPerGroup) * C
        for c in 0..<C { partial[c] = 0 }
        for r in layout.blockRange(item) {
            let row = x + r * C
            for c in 0..<C { let d = row[c] - m[c]; partial[c] += d * d }
        }
    }
    combineBlocks(scratch, layout: layout, into: variance, divideByCount: true)
    for i in 0..<(layout.groups * C) { invStd[i] = 1 / (variance[i] + epsilon).squareRoot() }
    // Pass 3: y = (x − mean)·invStd·gamma + beta, as y = x·scale + shift per (group, channel).
    let scale = scratch, shift = scratch + layout.groups * C
    for g in 0..<layout.groups {
        for c in 0..<C {
            let s = gamma[c] * invStd[g * C + c]
            scale[g * C + c] = s
            shift[g * C + c] = beta[c] - mean[g * C + c] * s
        }
    }
    pool.parallelFor(layout.items) { item in
        let g = item / layout.blocksPerGroup
        let s = scale + g * C, t = shift + g * C
        for r in layout.blockRange(item) {
            let inRow = x + r * C, outRow = y + r * C
            for c in 0..<C { outRow[c] = inRow[c] * s[c] + t[c] }
        }
    }
}

/// Training-mode backward. dy, dx [rows, C] (dx overwritten); mean, invStd [groups, C] from the forward.
/// dgamma[c] += Σ dy·x̂, dbeta[c] += Σ dy over all rows (groups in order);
/// dx = gamma·invStd·(dy − mean_g(dy) − x̂·mean_g(dy·x̂)) per group.
public func batchNormTrainingBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                      layout: BatchNormLayout, gamma: UnsafePointer<Float>,
                                      mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                      dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
                                      scratch: UnsafeMutablePointer<Float>, pool: ThreadPool = .shared) {
    let C = layout.channels
    let sumDy = scratch, sumDyXc = scratch + layout.items * C
    // Σdy and Σdy·(x − mean) per block.
    pool.parallelFor(layout.items) { item in
        let a = sumDy + item * C, b = sumDyXc + item * C
        let m = mean + (item / layout.blocksPerGroup) * C
        for c in 0..<C { a[c] = 0; b[c] = 0 }
        for r in layout.blockRange(item) {
            let xr = x + r * C, gr = dy + r * C
            for c in 0..<C { a[c] += gr[c]; b[c] += gr[c] * (xr[c] - m[c]) }
        }
    }
    // Per group: the two sums (Double, block order), then dx's per-channel coefficients
    // dx = a·dy + b·x + k. The coefficients overwrite the first partials of the group.
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
                let xr = x + r * C, gr = dy + r * C, out = dx + r * C
                for c in 0..<C { out[c] = a[c] * gr[c] + b[c] * xr[c] + k[c] }
            }
        }
    }
}

/// Evaluation-mode forward with fixed statistics: y = gamma·(x − mean)/√(variance + ε) + beta.
/// x, y [rows, C]; gamma, beta, mean, variance [C].
public func batchNormInference(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, channels C: Int,
                               gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                               mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, epsilon: Float,
                               pool: ThreadPool = .shared) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * C) { coefficients in
        let scale = coefficients.baseAddress!, shift = scale + C
        for c in 0..<C {
            scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        parallelRanges(rows, grain: 512, pool: pool) { range in
            for r in range {
                let inRow = x + r * C, outRow = y + r * C
                for c in 0..<C { outRow[c] = inRow[c] * scale[c] + shift[c] }
            }
        }
    }
}

/// Sums each group's block partials (Double, block order); divides by the group's row count if asked.
private func combineBlocks(_ partials: UnsafePointer<Float>, layout: BatchNormLayout, into out: UnsafeMutablePointer<Float>,
                           divideByCount: Bool) {
    let C = layout.channels
    for g in 0..<layout.groups {
        let n = Double(layout.groupRange(g).count)
        for c in 0..<C {
            var sum = 0.0
            for b in 0..<layout.blocksPerGroup { sum += Double(partials[(g * layout.blocksPerGroup + b) * C + c]) }
            out[g * C + c] = Float(divideByCount ? sum / n : sum)
        }
    }
}

/// Naive twin of the training forward and backward, in Double, one group at a time.
/// Returns y, and with dy given: dx, dgamma, dbeta (not accumulated).
public func batchNormTrainingNaive(x: [Float], rows: Int, channels C: Int, groupRows: Int, gamma: [Float], beta: [Float],
                                   epsilon: Float, outputGradient dy: [Float]?)
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
            for r in start..<end { y[r * C + c] = Float(Double(gamma[c]) * (Double(x[r * C + c]) - m) * inv + Double(beta[c])) }
            if let dy {
                var sdy = 0.0, sdyxh = 0.0
                for r in start..<end {
                    let xh = (Double(x[r * C + c]) - m) * inv
                    sdy += Double(dy[r * C + c]); sdyxh += Double(dy[r * C + c]) * xh
                }
                dgamma[c] += Float(sdyxh); dbeta[c] += Float(sdy)
                for r in start..<end {
                    let xh = (Double(x[r * C + c]) - m) * inv
                    dx[r * C + c] = Float(Double(gamma[c]) * inv * (Double(dy[r * C + c]) - sdy / n - xh * sdyxh / n))
                }
            }
        }
        start = end
    }
    // means/variances were appended channel-inner per group: already [groups, C].
    return (y, dx, dgamma, dbeta, means, variances)
}
