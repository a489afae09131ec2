/// What one update (or one evaluation) saw.
public struct StepResult: Equatable, Sendable {
    /// Σ of the per-example losses (unweighted).
    public var lossSum: Double
    public var correct: Int
    public var examples: Int
    public var meanLoss: Double { examples == 0 ? 0 : lossSum / Double(examples) }
    public var accuracy: Double { examples == 0 ? 0 : Double(correct) / Double(examples) }
    public init(lossSum: Double, correct: Int, examples: Int) {
        self.lossSum = lossSum
        self.correct = correct
        self.examples = examples
    }
}

extension Model {
    /// One parameter update on the batch `indices` of `dataset`, in the passes the plan says
    /// (`pass_sizes`, which may differ from pass to pass: 1001 in passes of 334, 334, 333): zero
    /// the gradients, run `indices` in consecutive passes of `passSizes` examples (each weighted
    /// by its share of the batch, each cut into chunks and lanes by `PassCut`), then
    /// `optimizer.step`. The sizes must be positive and sum to the number of indices (nil: one
    /// pass). The update
    /// equals one full-batch step whatever the passes, as long as each pass is a whole number of
    /// ghost batches (batch norm) — the planner's passes are.
    @discardableResult
    public func trainStep(on dataset: Dataset, indices: some Collection<Int>, passSizes: [Int]? = nil,
                          optimizer: Optimizer) -> StepResult {
        let batchIndices = Array(indices)  // concrete from here on (one small copy per step)
        let batch = batchIndices.count
        apiPrecondition(batch > 0, "a step needs at least one example")
        let passSizes = passSizes ?? [batch]
        apiPrecondition(passSizes.allSatisfy { $0 > 0 } && passSizes.reduce(0, +) == batch,
                        "pass sizes \(passSizes) must be positive and sum to the batch of \(batch)")
        zeroGradients()
        var result = StepResult(lossSum: 0, correct: 0, examples: batch)
        var offset = 0
        for size in passSizes {
            let passResult = accumulateGradients(from: dataset, indices: batchIndices[offset..<(offset + size)], batchSize: batch)
            result.lossSum += passResult.lossSum
            result.correct += passResult.correct
            offset += size
        }
        optimizer.step(parameters, pool: pool)
        return result
    }

    /// Evaluation loss and accuracy over a whole data set.
    public func evaluate(on dataset: Dataset, batchSize: Int = 500) -> StepResult {
        let result = evaluate(dataset, range: 0..<dataset.count, batchSize: batchSize)
        return StepResult(lossSum: result.lossSum, correct: result.correct, examples: dataset.count)
    }
}
