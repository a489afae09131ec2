// Element-wise kernels over contiguous Floats, eight lanes at a time with a scalar tail.
// Written with SIMD8 rather than left to the auto-vectoriser, whose loops run scalar whenever the
// output overlaps an input — and the layers call these kernels in place (docs/performance.md).
// Each lane reads its inputs before writing the same index, so in place is safe here.
import KernelSIMD

/// y[i] = max(x[i], 0) for i in 0..<count (NaN gives 0). x and y may be the same buffer.
public func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool = .shared) {
    parallelRanges(count, grain: 1 << 16, pool: pool) { range in
        var i = range.lowerBound
        let zero = SIMD8<Float>(repeating: 0)
        while i + 8 <= range.upperBound {
            let v = load8(x + i)
            store8(zero.replacing(with: v, where: v .> zero), y + i)
            i += 8
        }
        while i < range.upperBound { let v = x[i]; y[i] = v > 0 ? v : 0; i += 1 }
    }
}

/// dx[i] = dy[i] where y[i] > 0, else 0; y is the ReLU's output. dy and dx may be the same buffer.
public func reluBackward(output y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                         count: Int, pool: ThreadPool = .shared) {
    parallelRanges(count, grain: 1 << 16, pool: pool) { range in
        var i = range.lowerBound
        let zero = SIMD8<Float>(repeating: 0)
        while i + 8 <= range.upperBound {
            store8(zero.replacing(with: load8(dy + i), where: load8(y + i) .> zero), dx + i)
            i += 8
        }
        while i < range.upperBound { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
    }
}

/// z[i] = x[i] + y[i]. z may alias x or y.
public func add(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, count: Int,
                pool: ThreadPool = .shared) {
    parallelRanges(count, grain: 1 << 16, pool: pool) { range in
        var i = range.lowerBound
        while i + 8 <= range.upperBound { store8(load8(x + i) + load8(y + i), z + i); i += 8 }
        while i < range.upperBound { z[i] = x[i] + y[i]; i += 1 }
    }
}

/// y[i] += alpha · x[i] (a multiply and an add, not a fused multiply-add: the same rounding
/// as the scalar tail, so a result does not depend on where a range starts).
public func axpy(alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                 pool: ThreadPool = .shared) {
    parallelRanges(count, grain: 1 << 16, pool: pool) { range in
        var i = range.lowerBound
        let a = SIMD8<Float>(repeating: alpha)
        while i + 8 <= range.upperBound { store8(load8(y + i) + a * load8(x + i), y + i); i += 8 }
        while i < range.upperBound { y[i] += alpha * x[i]; i += 1 }
    }
}

/// x is [rows, cols]; out[c] (+)= Σ_r x[r, c] (the bias gradient of a linear or conv layer).
/// Rows are summed in blocks of `reductionBlockRows` in Float, blocks combined in Double, in
/// row order: the result does not depend on the thread count. Threads split the columns.
public func columnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>,
                       accumulate: Bool, pool: ThreadPool = .shared) {
    parallelRanges(cols, grain: 64, pool: pool) { columns in
        let width = columns.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: width) { total in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: width) { block in
                for j in 0..<width { total[j] = 0 }
                var r0 = 0
                while r0 < rows {
                    let r1 = min(r0 + reductionBlockRows, rows)
                    for j in 0..<width { block[j] = 0 }
                    for r in r0..<r1 {
                        let row = x + r * cols + columns.lowerBound
                        for j in 0..<width { block[j] += row[j] }
                    }
                    for j in 0..<width { total[j] += Double(block[j]) }
                    r0 = r1
                }
                for j in 0..<width {
                    let c = columns.lowerBound + j
                    out[c] = (accumulate ? out[c] : 0) + Float(total[j])
                }
            }
        }
    }
}

/// Naive twin of `columnSums`: one Double accumulator per column.
public func columnSumsNaive(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>,
                            accumulate: Bool) {
    for c in 0..<cols {
        var sum = 0.0
        for r in 0..<rows { sum += Double(x[r * cols + c]) }
        out[c] = (accumulate ? out[c] : 0) + Float(sum)
    }
}
