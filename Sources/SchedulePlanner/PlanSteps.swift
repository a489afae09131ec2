/// One parameter update as the runner executes it.
public struct PlannedStep: Hashable, Sendable {
    /// Global index of the update (0-based); `update` of the epoch's first step is the number of
    /// updates in all earlier epochs.
    public var update: Int
    public var epoch: Int
    /// Index into `Plan.phases`.
    public var phase: Int
    /// Positions in this epoch's shuffle of the N examples (consecutive, disjoint, and together
    /// exactly 0..<N over the epoch's steps).
    public var samples: Range<Int>
    /// The passes (gradients accumulated) that make up this update; they sum to `batchSize`.
    public var passSizes: [Int]
    /// ε for this update, warm-up applied.
    public var learningRate: Double
    public var momentum: Double

    /// Examples in this update (B, or fewer for the last update of an epoch).
    public var batchSize: Int { samples.count }
}

extension Plan {
    /// The updates of epoch `epoch` (0-based, < `epochs`), in order, exactly as they must run.
    public func steps(inEpoch epoch: Int) -> [PlannedStep] {
        guard epoch >= 0, epoch < epochs else { return [] }
        let n = datasetSize
        let epochStart = epoch * n, epochEnd = epochStart + n
        var steps: [PlannedStep] = []
        var index = phaseIndex(atSample: epochStart)
        while index < phases.count, phases[index].startSample < epochEnd {
            let phase = phases[index]
            let from = max(phase.startSample, epochStart), to = min(phase.endSample, epochEnd)
            var update = phase.startUpdate + updatesBefore(sample: from, in: phase)
            var offset = from - epochStart
            let stop = to - epochStart
            while offset < stop {
                let size = min(phase.batch, stop - offset)
                steps.append(PlannedStep(update: update, epoch: epoch, phase: index, samples: offset..<(offset + size),
                                         passSizes: size == phase.batch ? phase.passSizes
                                            : MicroBatching.passSizes(batch: size, microBatch: microBatch, ghostBatch: ghostBatch),
                                         learningRate: learningRate(atUpdate: update, phase: phase),
                                         momentum: phase.momentum))
                offset += size
                update += 1
            }
            index += 1
        }
        return steps
    }

    /// ε for update `update` (0-based), warm-up applied; nil past the end of the run.
    public func learningRate(atUpdate update: Int) -> Double? {
        guard let index = phaseIndex(atUpdate: update) else { return nil }
        return learningRate(atUpdate: update, phase: phases[index])
    }

    /// The phase that update `update` belongs to; nil past the end of the run.
    public func phaseIndex(atUpdate update: Int) -> Int? {
        guard update >= 0, update < totalUpdates, !phases.isEmpty else { return nil }
        var low = 0, high = phases.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if phases[mid].startUpdate <= update { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The phase in force at the start of epoch `epoch` (what its first update runs with).
    public func phase(atEpoch epoch: Int) -> Phase? {
        guard epoch >= 0, epoch < epochs, !phases.isEmpty else { return nil }
        return phases[phaseIndex(atSample: epoch * datasetSize)]
    }

    /// How many updates start before stream position `sample` (`e·N + o`): the step count a time
    /// in epochs corresponds to (`totalUpdates` from the end of the run on). An editor's hover
    /// converts `at epoch 60` to steps with it.
    public func updates(beforeSample sample: Int) -> Int {
        guard let last = phases.last, sample > 0 else { return 0 }
        guard sample < last.endSample else { return totalUpdates }
        let phase = phases[phaseIndex(atSample: sample)]
        return phase.startUpdate + updatesBefore(sample: sample, in: phase)
    }

    /// The phase containing sample `sample` of the stream (the last phase for the end).
    func phaseIndex(atSample sample: Int) -> Int {
        var low = 0, high = phases.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if phases[mid].startSample <= sample { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// Updates of `phase` that start before stream position `sample` (inside the phase).
    private func updatesBefore(sample: Int, in phase: Phase) -> Int {
        CountingRule.advance(from: phase.startSample, toSample: sample, batch: phase.batch, datasetSize: datasetSize).updates
    }

    private func learningRate(atUpdate update: Int, phase: Phase) -> Double {
        guard let warmup, update < warmup.updates else { return phase.learningRate }
        return phase.learningRate * Double(update + 1) / Double(warmup.updates)
    }
}

/// Why a decoded plan is not one the runner can execute.
public struct PlanValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Plan {
    /// Checks what an engine relies on before it runs a plan: the settings keep `RunLimits`, the
    /// model and optimizer are well formed, the phases tile the run without gaps, each starts
    /// where one of its updates starts, the update counts follow the counting rule, and each
    /// change's `changed` says what its states say. Every plan the planner makes passes; a
    /// hand-edited or truncated plan file may not.
    public func validate() throws {
        func fail(_ message: String) -> PlanValidationError { PlanValidationError(message: message) }
        if let violation = limits.violation() { throw fail(violation.message) }
        if let subset, subset != datasetSize { throw fail("subset \(subset) must equal dataset_size \(datasetSize)") }
        switch model {
        case .mlp(let hidden)? where hidden.contains(where: { $0 < 1 }):
            throw fail("model: every hidden width must be at least 1")
        case .wrn(let depth, let width)? where depth < 1 || width < 1:
            throw fail("model: wrn depth and width must be at least 1")
        default: break
        }
        let o = optimizer
        guard o.momentum >= 0, o.momentum < 1, o.weightDecay.isFinite, o.weightDecay >= 0,
              o.beta1 >= 0, o.beta1 < 1, o.beta2 >= 0, o.beta2 < 1, o.epsilon.isFinite, o.epsilon > 0 else {
            throw fail("optimizer: momentum, beta1 and beta2 must be in [0, 1), weight_decay ≥ 0 and epsilon > 0")
        }
        guard !phases.isEmpty else { throw fail("a plan has at least one phase") }
        var sample = 0, update = 0
        for (i, phase) in phases.enumerated() {
            let name = "phase \(i + 1)"
            guard phase.startSample == sample, phase.startUpdate == update else {
                throw fail("\(name) does not start where the previous one ends")
            }
            guard limits.allows(batch: phase.batch) else { throw fail("\(name): batch must be in 1...max_batch") }
            guard phase.endSample > phase.startSample, phase.endSample <= datasetSize * epochs else {
                throw fail("\(name): its samples must lie inside the run")
            }
            guard phase.learningRate.isFinite, phase.learningRate > 0, phase.momentum >= 0, phase.momentum < 1 else {
                throw fail("\(name): lr must be positive and momentum in 0 ≤ m < 1")
            }
            guard phase.passSizes.reduce(0, +) == phase.batch, phase.passSizes.allSatisfy({ $0 >= 1 }),
                  phase.passSizes.count == phase.accumulation else {
                throw fail("\(name): pass_sizes must be `accumulation` positive sizes summing to the batch")
            }
            guard phase.microBatch == phase.passSizes.max(), microBatch.map({ phase.microBatch <= $0 }) ?? true else {
                throw fail("\(name): micro_batch must be its largest pass, and no pass larger than the plan's micro_batch")
            }
            let counted = CountingRule.advance(from: phase.startSample, toSample: phase.endSample, batch: phase.batch,
                                               datasetSize: datasetSize)
            guard counted.sample == phase.endSample,
                  counted.updates == phase.updates, phase.endUpdate == phase.startUpdate + phase.updates else {
                throw fail("\(name): its update count does not follow the counting rule")
            }
            sample = phase.endSample
            update = phase.endUpdate
        }
        guard sample == datasetSize * epochs else { throw fail("the phases do not cover all \(epochs) epochs") }
        guard update == totalUpdates else { throw fail("total_updates does not match the phases") }
        if let warmup, warmup.updates < 1 || warmup.updates > totalUpdates {
            throw fail("warmup.updates must be in 1...total_updates")
        }
        if let violation = adaptive?.violation(maxBatch: maxBatch) { throw fail(violation) }
        for (i, change) in changes.enumerated() where change.changed != QuantityChange.between(change.before, change.after) {
            throw fail("change \(i + 1): 'changed' must list the quantities that differ between 'before' and 'after'")
        }
    }
}
