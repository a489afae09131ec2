import ScheduleLanguage

/// The planner's entry points: checked program → timeline → plan.
public enum Planner {
    /// Lowers `program` under its own policy.
    public static func plan(_ program: CheckedProgram) throws -> Plan {
        try plan(program, policy: Policy(program.policy))
    }

    /// Lowers `program` under `policy` (e.g. to compare policies on one schedule).
    public static func plan(_ program: CheckedProgram, policy: Policy) throws -> Plan {
        let timeline = try Timeline(program, policy: policy)
        return try lower(timeline, program: program, policy: policy)
    }

    /// Simulates the update stream in time order: at each step, the pending entry that takes
    /// effect first (under the batch size in force now) is applied; ties go in timeline order.
    /// Step-timed entries are placed here, once the batches before them are known.
    static func lower(_ timeline: Timeline, program: CheckedProgram, policy: Policy) throws -> Plan {
        let n = timeline.datasetSize
        let endSample = n * timeline.epochs
        var state = LoweringState(optimizer: timeline.initial, floorBatch: timeline.initial.batch,
                                  warmupActive: program.warmup != nil, datasetSize: n,
                                  maxBatch: program.maxBatchSize, policy: policy)
        var builder = PhaseBuilder(datasetSize: n, microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize,
                                   state: state)
        var cursorSample = 0, cursorUpdate = 0
        let entries = timeline.entries
        // The entries not applied yet. Where a sample-timed entry takes effect only grows with its
        // target sample, so only the earliest of them (and those tied with it) can come next:
        // they are kept sorted by target, and only step-timed entries are all looked at. This
        // keeps an editor's re-plan on every keystroke linear in the events, with the choice
        // (fewest updates away, ties in timeline order) exactly as a scan of all of them makes it.
        var applied = [Bool](repeating: false, count: entries.count)
        var bySample: [(target: Int, index: Int)] = []
        var stepTimed: [Int] = []
        for (index, entry) in entries.enumerated() {
            switch entry.time {
            case .sample(let target): bySample.append((target, index))
            case .update: stepTimed.append(index)
            }
        }
        bySample.sort { ($0.target, $0.index) < ($1.target, $1.index) }
        var firstSample = 0 // bySample[..<firstSample] are all applied
        var changes: [PlanChange] = []
        var warmupUpdates: Int?

        while true {
            let batch = state.optimizer.batch
            let updatesToEnd = CountingRule.advance(from: cursorSample, toSample: endSample, batch: batch, datasetSize: n).updates
            // Where each candidate would take effect if nothing else happened first.
            var next: (index: Int, sample: Int, updates: Int)?
            func consider(_ index: Int, sample: Int, updates: Int) {
                guard sample < endSample else { return }
                if next == nil || updates < next!.updates || (updates == next!.updates && index < next!.index) {
                    next = (index, sample, updates)
                }
            }
            while firstSample < bySample.count, applied[bySample[firstSample].index] { firstSample += 1 }
            if firstSample < bySample.count {
                let earliest = CountingRule.advance(from: cursorSample, toSample: bySample[firstSample].target, batch: batch, datasetSize: n)
                // Every entry taking effect at the same update as the earliest target (same sample too).
                var position = firstSample
                while position < bySample.count {
                    let (target, index) = bySample[position]
                    position += 1
                    if applied[index] { continue }
                    let (sample, updates) = CountingRule.advance(from: cursorSample, toSample: target, batch: batch, datasetSize: n)
                    guard updates == earliest.updates else { break }
                    consider(index, sample: sample, updates: updates)
                }
            }
            for index in stepTimed where !applied[index] {
                guard case .update(let step) = entries[index].time else { continue }
                let updates = max(0, step - cursorUpdate)
                let sample = updates >= updatesToEnd ? endSample
                    : CountingRule.advance(from: cursorSample, updates: updates, batch: batch, datasetSize: n)
                consider(index, sample: sample, updates: updates)
            }
            guard let next else { break }  // everything left takes effect after the run

            if next.updates > 0 {
                builder.advance(toSample: cursorSample, update: cursorUpdate, state: state)
                cursorSample = next.sample
                cursorUpdate += next.updates
            }
            let entry = entries[next.index]
            applied[next.index] = true
            let before = state.optimizer
            let outcome = try state.apply(entry.change, range: entry.range)
            if case .warmupEnd = entry.change { warmupUpdates = cursorUpdate }
            changes.append(PlanChange(epoch: Double(cursorSample) / Double(n), update: cursorUpdate, sample: cursorSample,
                                      eventIndex: entry.eventIndex, at: entry.timeText, event: entry.text, effect: outcome.effect,
                                      limit: outcome.limit, note: outcome.note, before: before, after: state.optimizer,
                                      reason: entry.change.reason))
        }
        let pending = entries.indices.filter { !applied[$0] }.map { entries[$0] }

        builder.advance(toSample: cursorSample, update: cursorUpdate, state: state)
        let totalUpdates = cursorUpdate + CountingRule.advance(from: cursorSample, toSample: endSample,
                                                                batch: state.optimizer.batch, datasetSize: n).updates
        let phases = builder.finish(endSample: endSample, endUpdate: totalUpdates)

        for entry in pending {
            if case .warmupEnd = entry.change { warmupUpdates = totalUpdates }
            changes.append(PlanChange(epoch: Double(timeline.epochs), update: totalUpdates, sample: endSample,
                                      eventIndex: entry.eventIndex, at: entry.timeText, event: entry.text, effect: "none",
                                      limit: .afterEnd, note: "takes effect at or after the end of the run (epoch \(timeline.epochs))",
                                      before: state.optimizer, after: state.optimizer, reason: entry.change.reason))
        }

        let warmup = program.warmup.map {
            PlannedWarmup(length: $0.length, unit: $0.unit == .epoch ? .epoch : .step, updates: warmupUpdates ?? totalUpdates)
        }
        return Plan(schedule: program.name, dataset: program.dataset.known?.rawValue, datasetSize: n,
                    subset: program.dataset.subset, model: program.model.map(PlanModel.init),
                    optimizer: PlanOptimizer(program), seed: program.seed, epochs: timeline.epochs, policy: policy,
                    maxBatch: program.maxBatchSize, microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize,
                    warmup: warmup, totalUpdates: totalUpdates, phases: phases, changes: changes)
    }
}

extension PlanModel {
    /// The model a checked program names.
    init(_ model: ModelSpec) {
        switch model {
        case .mlp(let hidden): self = .mlp(hidden: hidden)
        case .cnn: self = .cnn
        case .wrn(let depth, let width): self = .wrn(depth: depth, width: width)
        }
    }
}

extension PlanOptimizer {
    /// The optimizer settings of a checked program (`optimizer`, `weight_decay`).
    init(_ program: CheckedProgram) {
        let spec = program.optimizer
        let kind: Kind
        switch spec.kind {
        case .sgd: kind = .sgd
        case .nesterov: kind = .nesterov
        case .adam: kind = .adam
        }
        self.init(kind: kind, momentum: spec.momentum, weightDecay: program.weightDecay, beta1: spec.beta1, beta2: spec.beta2,
                  epsilon: spec.epsilon)
    }
}

extension Timeline.Change {
    /// The kind of statement this change comes from, for the plan.
    var reason: ChangeReason {
        switch self {
        case .noise: return .noiseEvent
        case .learningRate(_, let keepNoise), .momentum(_, let keepNoise): return keepNoise ? .keepNoise : .explicit
        case .batch: return .explicit
        case .warmupEnd: return .warmupEnd
        }
    }
}

/// Collects phases: a new one starts wherever the state in force changes between updates.
private struct PhaseBuilder {
    let datasetSize: Int
    let microBatch: Int?
    let ghostBatch: Int?
    var phases: [Phase] = []
    var startSample = 0, startUpdate = 0
    var phaseState: (optimizer: OptimizerState, warmup: Bool)

    init(datasetSize: Int, microBatch: Int?, ghostBatch: Int?, state: LoweringState) {
        self.datasetSize = datasetSize
        self.microBatch = microBatch
        self.ghostBatch = ghostBatch
        phaseState = (state.optimizer, state.warmupActive)
    }

    /// Updates are about to run from (`sample`, `update`) with `state`: close the current phase
    /// there if the state differs (a phase with no updates yet just takes the new state).
    mutating func advance(toSample sample: Int, update: Int, state: LoweringState) {
        guard state.optimizer != phaseState.optimizer || state.warmupActive != phaseState.warmup else { return }
        if update > startUpdate { close(endSample: sample, endUpdate: update) }
        startSample = sample
        startUpdate = update
        phaseState = (state.optimizer, state.warmupActive)
    }

    mutating func finish(endSample: Int, endUpdate: Int) -> [Phase] {
        if endUpdate > startUpdate || phases.isEmpty { close(endSample: endSample, endUpdate: endUpdate) }
        return phases
    }

    private mutating func close(endSample: Int, endUpdate: Int) {
        let s = phaseState.optimizer
        let passes = MicroBatching.passSizes(batch: s.batch, microBatch: microBatch, ghostBatch: ghostBatch)
        phases.append(Phase(startEpoch: Double(startSample) / Double(datasetSize), endEpoch: Double(endSample) / Double(datasetSize),
                            startUpdate: startUpdate, endUpdate: endUpdate, startSample: startSample, endSample: endSample,
                            batch: s.batch, microBatch: passes.max() ?? s.batch, accumulation: passes.count, passSizes: passes,
                            learningRate: s.learningRate, momentum: s.momentum, noise: decimalClean(s.noiseScale(datasetSize: datasetSize)),
                            updates: endUpdate - startUpdate, warmup: phaseState.warmup))
    }
}
