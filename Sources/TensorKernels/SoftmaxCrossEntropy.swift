#if canImport(Glibc)
import Glibc
#endif

/// What a softmax cross-entropy pass over a batch returns.
public struct CrossEntropyResult: Equatable, Sendable {
    /// Σ over the rows of −log softmax(logits)[label], unweighted, in Double.
    public var lossSum: Double
    /// Rows whose largest logit is at the label (first maximum wins ties).
    public var correct: Int
    public init(lossSum: Double, correct: Int) {
        self.lossSum = lossSum
        self.correct = correct
    }
}

/// Softmax cross-entropy, numerically safe (log-sum-exp after subtracting the row maximum).
///
/// logits [rows, classes]; labels [rows], each in 0..<classes.
/// If `gradient` is given, it receives dlogits [rows, classes] = (softmax − onehot) · gradientScale
/// (overwritten): with gradientScale = 1/B the pass's share of the mean loss over a batch of B.
public func softmaxCrossEntropy(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
                                gradient: UnsafeMutablePointer<Float>?, gradientScale: Float,
                                pool: ThreadPool = .shared) -> CrossEntropyResult {
    // Rows are independent; per-row losses are summed afterwards in row order (deterministic).
    let K = classes
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(rows, 1)) { rowLoss in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: max(rows, 1)) { rowCorrect in
            parallelRanges(rows, grain: 64, pool: pool) { range in
                for r in range {
                    let z = logits + r * K
                    let label = Int(labels[r])
                    kernelPrecondition(label >= 0 && label < K, "label \(label) outside 0..<\(K)")
                    var maxValue = z[0], argmax = 0
                    for j in 1..<K where z[j] > maxValue { maxValue = z[j]; argmax = j }
                    var sum: Float = 0
                    for j in 0..<K { sum += expf(z[j] - maxValue) }
                    let logSum = logf(sum)
                    rowLoss[r] = Double(logSum - (z[label] - maxValue))
                    rowCorrect[r] = argmax == label ? 1 : 0
                    if let gradient {
                        let g = gradient + r * K
                        let inverse = gradientScale / sum
                        for j in 0..<K { g[j] = expf(z[j] - maxValue) * inverse }
                        g[label] -= gradientScale
                    }
                }
            }
            var result = CrossEntropyResult(lossSum: 0, correct: 0)
            for r in 0..<rows {
                result.lossSum += rowLoss[r]
                result.correct += rowCorrect[r]
            }
            return result
        }
    }
}

/// Naive twin in Double, straight from the definition −log(e^{z_label} / Σ e^{z_j}), with the
/// maximum subtracted so large logits do not overflow.
public func softmaxCrossEntropyNaive(logits: [Float], labels: [Int32], classes: Int, gradientScale: Float)
    -> (result: CrossEntropyResult, gradient: [Float]) {
    let rows = labels.count
    var gradient = [Float](repeating: 0, count: logits.count)
    var result = CrossEntropyResult(lossSum: 0, correct: 0)
    for r in 0..<rows {
        let z = (0..<classes).map { Double(logits[r * classes + $0]) }
        let m = z.max()!
        let e = z.map { exp($0 - m) }
        let s = e.reduce(0, +)
        let label = Int(labels[r])
        result.lossSum += -log(e[label] / s)
        if z.firstIndex(of: m)! == label { result.correct += 1 }
        for j in 0..<classes {
            gradient[r * classes + j] = Float((e[j] / s - (j == label ? 1 : 0)) * Double(gradientScale))
        }
    }
    return (result, gradient)
}
