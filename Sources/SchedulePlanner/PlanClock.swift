/// The plan as a function of consumed samples: the one clock every engine keeps.
///
/// An engine that knows how many training samples it has consumed (Megatron-LM's
/// `consumed_train_samples`, the PyTorch module's sampler, the embedded runtime's count) asks
/// the clock what the next update is: its phase, global batch, passes (micro batch ×
/// accumulation), ε (warm-up applied), m and weight decay. Nothing else is state: resuming is
/// knowing the consumed samples, the sampler's epoch and the seed.
///
/// **The boundary rule.** A phase applies from the first update whose first sample is at or
/// past the phase's start (`Phase.startSample`); updates never cross an epoch, and the last
/// update of an epoch (or of a phase's part of it) takes the samples left. The clock reads
/// `Plan.steps(inEpoch:)`'s layout without listing an epoch: O(log phases) per question.
public struct PlanClock: Sendable {
    public let plan: Plan
    /// The optimiser's weight decay. Constant over a run; a reading carries it so an engine
    /// sets every optimiser quantity from one place.
    public let weightDecay: Double

    public init(plan: Plan, weightDecay: Double = 0) {
        self.plan = plan
        self.weightDecay = weightDecay
    }

    /// Samples in the whole run: N × epochs.
    public var totalSamples: Int { plan.datasetSize * plan.epochs }

    /// The update that trains sample `sample` of the stream (0 ≤ sample < N·epochs): at an
    /// update's first sample that is the update starting there, the engine's next one.
    public func reading(atSample sample: Int) -> ClockReading? {
        guard sample >= 0, sample < totalSamples else { return nil }
        let n = plan.datasetSize
        let index = plan.phaseIndex(atSample: sample)
        let phase = plan.phases[index]
        let epoch = sample / n
        let epochStart = epoch * n
        // The phase's part of this epoch: updates of B from `from`, the last one short.
        let from = max(phase.startSample, epochStart), to = min(phase.endSample, epochStart + n)
        let start = from + (sample - from) / phase.batch * phase.batch
        let size = min(phase.batch, to - start)
        let update = phase.startUpdate
            + CountingRule.advance(from: phase.startSample, toSample: start, batch: phase.batch, datasetSize: n).updates
        let passes = size == phase.batch ? phase.passSizes
            : MicroBatching.passSizes(batch: size, microBatch: plan.microBatch, ghostBatch: plan.ghostBatch)
        return ClockReading(update: update, epoch: epoch, phase: index, consumedSamples: start, batch: size,
                            phaseBatch: phase.batch, passSizes: passes,
                            learningRate: plan.learningRate(atUpdate: update) ?? phase.learningRate,
                            momentum: phase.momentum, weightDecay: weightDecay)
    }

    /// Update number `update` (0-based, < total_updates).
    public func reading(atUpdate update: Int) -> ClockReading? {
        guard let index = plan.phaseIndex(atUpdate: update) else { return nil }
        let phase = plan.phases[index]
        let start = CountingRule.advance(from: phase.startSample, updates: update - phase.startUpdate, batch: phase.batch,
                                         datasetSize: plan.datasetSize)
        return reading(atSample: start)
    }

    /// Every update of the run in order (what the engines' logs must list).
    public func readings() -> [ClockReading] {
        var out: [ClockReading] = []
        out.reserveCapacity(plan.totalUpdates)
        var sample = 0
        while let reading = reading(atSample: sample) {
            out.append(reading)
            sample = reading.consumedSamples + reading.batch
        }
        return out
    }

    /// Where a run stands after `consumed` samples, if an update boundary is there (the end of
    /// the run included). A count inside an update is no state a run can be in.
    public func resumeState(consumedSamples consumed: Int, seed: UInt64) -> ResumeState? {
        let n = plan.datasetSize
        if consumed == totalSamples {
            return ResumeState(consumedSamples: consumed, updates: plan.totalUpdates, samplerEpoch: plan.epochs,
                               epochOffset: 0, seed: seed)
        }
        guard let reading = reading(atSample: consumed), reading.consumedSamples == consumed else { return nil }
        return ResumeState(consumedSamples: consumed, updates: reading.update, samplerEpoch: consumed / n,
                           epochOffset: consumed % n, seed: seed)
    }
}

/// What one update runs with, read from the clock.
public struct ClockReading: Hashable, Sendable {
    /// The update's index (0-based) and its epoch.
    public var update: Int
    public var epoch: Int
    /// Index into `Plan.phases`.
    public var phase: Int
    /// Samples consumed before this update: the clock's value. Its examples are positions
    /// `consumedSamples mod N ..< + batch` of epoch `epoch`'s shuffle.
    public var consumedSamples: Int
    /// Global examples in this update (B, or fewer for the last update of an epoch or of a
    /// phase's part of it), and B of its phase.
    public var batch: Int
    public var phaseBatch: Int
    /// The passes (gradients accumulated) of this update, largest first; they sum to `batch`.
    public var passSizes: [Int]
    /// ε (warm-up applied), m and the weight decay of this update.
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double

    /// The largest pass and the number of passes: micro batch × accumulation.
    public var microBatch: Int { passSizes.first ?? 0 }
    public var accumulation: Int { passSizes.count }
}

/// Everything a run needs to continue exactly: the clock, and the sampler's position in its
/// epoch's shuffle (which is fixed by the seed and the epoch).
public struct ResumeState: Hashable, Sendable {
    public var consumedSamples: Int
    /// Updates done (the next update's index).
    public var updates: Int
    /// The epoch whose shuffle the next update reads, and where in it.
    public var samplerEpoch: Int
    public var epochOffset: Int
    public var seed: UInt64

    public init(consumedSamples: Int, updates: Int, samplerEpoch: Int, epochOffset: Int, seed: UInt64) {
        self.consumedSamples = consumedSamples
        self.updates = updates
        self.samplerEpoch = samplerEpoch
        self.epochOffset = epochOffset
        self.seed = seed
    }
}
