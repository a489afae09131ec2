import TensorKernels

/// One measurement of the gradient noise (McCandlish et al. 2018, "An Empirical Model of
/// Large-Batch Training", appendix A), from one update run as P ≥ 2 passes.
///
/// A pass of bᵢ examples gives the mean gradient gᵢ of a small batch, the update's B = Σ bᵢ
/// examples the mean gradient g_B of a large one. With G the true gradient and Σ the
/// per-example covariance, E|g_b|² = |G|² + tr(Σ)/b, so each pair (bᵢ, B) gives unbiased
/// estimates
///
///     |G|²  ≈ (B·|g_B|² − bᵢ·|gᵢ|²) / (B − bᵢ)
///     tr Σ ≈ (|gᵢ|² − |g_B|²) / (1/bᵢ − 1/B)
///
/// and the measurement is their mean over the passes. Either may be negative (a single
/// estimate is noisy); the paper keeps such values and averages before dividing, and so does
/// the rule that smooths them (`AdaptiveBatchRule`).
public struct GradientNoiseSample: Hashable, Sendable, Codable {
    /// The unbiased estimate of |G|², the squared norm of the true gradient.
    public var gradientSquaredNorm: Double
    /// The unbiased estimate of tr(Σ), the trace of the per-example gradient covariance.
    public var traceCovariance: Double

    public init(gradientSquaredNorm: Double, traceCovariance: Double) {
        self.gradientSquaredNorm = gradientSquaredNorm
        self.traceCovariance = traceCovariance
    }

    /// The estimates from the squared norms of the passes' mean gradients (`passSquaredNorms[i]`
    /// for the pass of `passSizes[i]` examples) and of the whole update's (`batchSquaredNorm`);
    /// nil with fewer than two passes (there is no small batch to compare with).
    public static func estimate(passSizes: [Int], passSquaredNorms: [Double], batchSquaredNorm: Double) -> GradientNoiseSample? {
        precondition(passSizes.count == passSquaredNorms.count, "one squared norm per pass")
        guard passSizes.count >= 2 else { return nil }
        let big = Double(passSizes.reduce(0, +))
        var gradient = 0.0, trace = 0.0
        for (size, norm) in zip(passSizes, passSquaredNorms) {
            let small = Double(size)
            gradient += (big * batchSquaredNorm - small * norm) / (big - small)
            trace += (norm - batchSquaredNorm) / (1 / small - 1 / big)
        }
        let count = Double(passSizes.count)
        return GradientNoiseSample(gradientSquaredNorm: gradient / count, traceCovariance: trace / count)
    }
}

extension Model {
    /// `trainStep(on:indices:passSizes:optimizer:)` that also measures the gradient noise: after
    /// each pass the squared norm of that pass's mean gradient, at the end that of the update's
    /// (before weight decay and momentum: the optimiser has not run yet). The update itself is
    /// bit for bit `trainStep`'s; the measurement costs one copy of the gradients and a few sums
    /// of squares per pass, so the runner asks for it only at its checks. Norms are summed
    /// serially in parameter and element order, so any thread count gives the same bits. The
    /// sample is nil with fewer than two passes.
    public func measuredTrainStep(on dataset: Dataset, indices: some Collection<Int>, passSizes: [Int],
                                  optimizer: Optimizer) -> (result: StepResult, noise: GradientNoiseSample?) {
        let batchIndices = Array(indices)
        let batch = batchIndices.count
        apiPrecondition(batch > 0, "a step needs at least one example")
        apiPrecondition(passSizes.allSatisfy { $0 > 0 } && passSizes.reduce(0, +) == batch,
                        "pass sizes \(passSizes) must be positive and sum to the batch of \(batch)")
        zeroGradients()
        // The gradients accumulated before the current pass, to take its share out of the sum.
        var before = parameters.map { [Float](repeating: 0, count: $0.gradient.count) }
        var passNorms: [Double] = []
        var result = StepResult(lossSum: 0, correct: 0, examples: batch)
        var offset = 0
        for (index, size) in passSizes.enumerated() {
            let passResult = accumulateGradients(from: dataset, indices: batchIndices[offset..<(offset + size)], batchSize: batch)
            result.lossSum += passResult.lossSum
            result.correct += passResult.correct
            offset += size
            // The pass added Σ over its examples of g/B; its own mean gradient is that × B/b.
            let scale = Double(batch) / Double(size)
            var sum = 0.0
            for (parameter, previous) in zip(parameters, before) {
                let g = parameter.gradient.data
                previous.withUnsafeBufferPointer { p in
                    for i in 0..<p.count {
                        let d = Double(g[i] - p[i])
                        sum += d * d
                    }
                }
            }
            passNorms.append(sum * scale * scale)
            if index + 1 < passSizes.count {
                for (k, parameter) in parameters.enumerated() {
                    before[k].withUnsafeMutableBufferPointer { p in
                        p.baseAddress!.update(from: parameter.gradient.data, count: p.count)
                    }
                }
            }
        }
        var batchNorm = 0.0
        for parameter in parameters {
            let g = parameter.gradient.data
            for i in 0..<parameter.gradient.count {
                let d = Double(g[i])
                batchNorm += d * d
            }
        }
        optimizer.step(parameters, pool: pool)
        let noise = GradientNoiseSample.estimate(passSizes: passSizes, passSquaredNorms: passNorms, batchSquaredNorm: batchNorm)
        return (result, noise)
    }
}
