import ScheduleLanguage

/// The planner's entry points: checked program → timeline → plan.
public enum Planner {
    /// Lowers `program` under its own policy.
    public static func plan(_ program: CheckedProgram) throws -> Plan {
        try plan(program, policy: Policy(program.policy))
    }

    /// `plan(program)`, resuming from the lowering of an earlier version of the schedule
    /// (an editor's last analysis) where the two agree; the same plan either way (tested).
    /// Also returns what the next version can resume from (nil for an adaptive schedule,
    /// which is planned afresh).
    public static func plan(_ program: CheckedProgram, reusing previous: LoweringMemo?) throws -> (plan: Plan, memo: LoweringMemo?) {
        guard program.adaptive == nil else { return (try plan(program), nil) }
        let policy = Policy(program.policy)
        let (plan, memo) = try lower(Timeline(program, policy: policy), program: program, policy: policy, reusing: previous)
        return (plan, memo)
    }

    /// Lowers `program` under `policy` (e.g. to compare policies on one schedule).
    /// An adaptive schedule's plan has no growth (the batch grows only at run time, through
    /// `plan(_:growths:)`) and carries the rule in `adaptive`.
    public static func plan(_ program: CheckedProgram, policy: Policy) throws -> Plan {
        try plan(program, policy: policy, growths: [])
    }

    /// Simulates the update stream in time order: at each step, the pending entry that takes
    /// effect first (under the batch size in force now) is applied; ties go in timeline order.
    /// Step-timed entries are placed here, once the batches before them are known.
    static func lower(_ timeline: Timeline, program: CheckedProgram, policy: Policy) throws -> Plan {
        try lower(timeline, program: program, policy: policy, reusing: nil).plan
    }

    /// `lower`, resuming from the latest point of `previous` (the lowering of an earlier
    /// version) up to which both versions apply the same entries from the same state; and
    /// what this lowering keeps for the next.
    static func lower(_ timeline: Timeline, program: CheckedProgram, policy: Policy,
                      reusing previous: LoweringMemo?) throws -> (plan: Plan, memo: LoweringMemo) {
        let n = timeline.datasetSize
        let endSample = n * timeline.epochs
        let context = LoweringMemo.Context(datasetSize: n, epochs: timeline.epochs, initial: timeline.initial,
                                           warmup: program.warmup != nil, maxBatch: program.maxBatchSize,
                                           microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize, policy: policy)
        var state = LoweringState(optimizer: timeline.initial, floorBatch: timeline.initial.batch,
                                  warmupActive: program.warmup != nil, datasetSize: n,
                                  maxBatch: program.maxBatchSize, policy: policy)
        var builder = PhaseBuilder(datasetSize: n, microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize,
                                   state: state)
        var cursorSample = 0, cursorUpdate = 0
        var queue = PendingEntries(timeline.entries)
        var changes: [PlanChange] = []
        var warmupUpdates: Int?
        var checkpoints: [LoweringMemo.Checkpoint] = []
        var groups = 0
        var resumedAt = 0

        if let previous, previous.context == context, let checkpoint = previous.latestCheckpoint(sharedWith: queue) {
            state = checkpoint.state
            builder = checkpoint.builder
            builder.phases = Array(previous.plan.phases[..<checkpoint.phaseCount])
            cursorSample = checkpoint.cursorSample
            cursorUpdate = checkpoint.cursorUpdate
            queue.resume(sampleHead: checkpoint.sampleHead, updateHead: checkpoint.updateHead)
            changes = Array(previous.plan.changes[..<checkpoint.changeCount])
            warmupUpdates = checkpoint.warmupUpdates
            groups = checkpoint.groups
            resumedAt = groups
            checkpoints = previous.checkpoints.prefix { $0.groups <= checkpoint.groups }
        }

        // One step's entries, in a buffer kept across steps (most steps take one).
        var group: [Int] = []
        changes.reserveCapacity(timeline.entries.count)
        builder.phases.reserveCapacity(timeline.entries.count + 1)
        while true {
            if groups % LoweringMemo.checkpointInterval == 0, checkpoints.last?.groups != groups {
                var saved = builder
                saved.phases = [] // the plan's phases hold them; a copy here would be copied on the next append
                checkpoints.append(LoweringMemo.Checkpoint(
                    groups: groups, state: state, builder: saved, phaseCount: builder.phases.count, cursorSample: cursorSample,
                    cursorUpdate: cursorUpdate, sampleHead: queue.sampleHead, updateHead: queue.updateHead,
                    changeCount: changes.count, warmupUpdates: warmupUpdates))
            }
            let batch = state.optimizer.batch
            let updatesToEnd = CountingRule.advance(from: cursorSample, toSample: endSample, batch: batch, datasetSize: n).updates
            // Where an entry would take effect if nothing else happened first.
            func effect(_ time: Timeline.Time) -> (sample: Int, updates: Int) {
                switch time {
                case .sample(let target):
                    return CountingRule.advance(from: cursorSample, toSample: target, batch: batch, datasetSize: n)
                case .update(let index):
                    let updates = max(0, index - cursorUpdate)
                    let sample = updates >= updatesToEnd ? endSample
                        : CountingRule.advance(from: cursorSample, updates: updates, batch: batch, datasetSize: n)
                    return (sample, updates)
                }
            }
            // Everything left takes effect after the run.
            guard let next = queue.takeFirstGroup(effect: effect, endSample: endSample, into: &group) else { break }
            groups += 1

            if next.updates > 0 {
                builder.advance(toSample: cursorSample, update: cursorUpdate, state: state)
                cursorSample = next.sample
                cursorUpdate += next.updates
            }
            // The rest of the group now takes effect here too (no update runs between them), so the
            // batch the first one sets cannot move them: apply them in timeline order.
            for position in group {
                let entry = timeline.entries[position]
                let before = state.optimizer
                let outcome = try state.apply(entry.change, range: entry.range)
                if case .warmupEnd = entry.change { warmupUpdates = cursorUpdate }
                changes.append(PlanChange(epoch: Double(cursorSample) / Double(n), update: cursorUpdate, sample: cursorSample,
                                          eventIndex: entry.eventIndex, at: entry.timeText, event: entry.text,
                                          effect: outcome.effect, limit: outcome.limit, note: outcome.note, before: before,
                                          after: state.optimizer, reason: entry.change.reason))
            }
        }

        builder.advance(toSample: cursorSample, update: cursorUpdate, state: state)
        let totalUpdates = cursorUpdate + CountingRule.advance(from: cursorSample, toSample: endSample,
                                                                batch: state.optimizer.batch, datasetSize: n).updates
        let phases = builder.finish(endSample: endSample, endUpdate: totalUpdates)

        for entry in queue.remaining() {
            if case .warmupEnd = entry.change { warmupUpdates = totalUpdates }
            changes.append(PlanChange(epoch: Double(timeline.epochs), update: totalUpdates, sample: endSample,
                                      eventIndex: entry.eventIndex, at: entry.timeText, event: entry.text, effect: .words("none"),
                                      limit: .afterEnd, note: .afterEnd(epochs: timeline.epochs),
                                      before: state.optimizer, after: state.optimizer, reason: entry.change.reason))
        }

        let warmup = program.warmup.map {
            PlannedWarmup(length: $0.length, unit: $0.unit == .epoch ? .epoch : .step, updates: warmupUpdates ?? totalUpdates)
        }
        let plan = Plan(schedule: program.name, dataset: program.dataset.known?.rawValue, datasetSize: n,
                        subset: program.dataset.subset, model: program.model.map(PlanModel.init),
                        optimizer: PlanOptimizer(program), seed: program.seed, epochs: timeline.epochs, policy: policy,
                        maxBatch: program.maxBatchSize, microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize,
                        warmup: warmup, totalUpdates: totalUpdates, phases: phases, changes: changes)
        return (plan, LoweringMemo(context: context, queue: queue, checkpoints: checkpoints, plan: plan, resumedAt: resumedAt))
    }
}

/// What lowering one version of a schedule keeps for lowering the next: the entries it
/// applied, in the order it took them, and its state every few steps. The next version
/// resumes from the latest such point up to which it would apply the very same entries
/// from the same settings: everything before that point is the same simulation.
public struct LoweringMemo: Sendable {
    /// What the simulation starts from, besides the entries.
    struct Context: Hashable, Sendable {
        var datasetSize: Int
        var epochs: Int
        var initial: OptimizerState
        var warmup: Bool
        var maxBatch: Int
        var microBatch: Int?
        var ghostBatch: Int?
        var policy: Policy
    }

    /// The lowering's state before its `groups`-th step.
    struct Checkpoint: Sendable {
        var groups: Int
        var state: LoweringState
        /// Without its phases: the first `phaseCount` of the plan's.
        var builder: PhaseBuilder
        var phaseCount: Int
        var cursorSample: Int
        var cursorUpdate: Int
        var sampleHead: Int
        var updateHead: Int
        /// The first `changeCount` of the plan's changes were made before it.
        var changeCount: Int
        var warmupUpdates: Int?
    }

    /// Steps between checkpoints: resuming replays at most this many.
    static let checkpointInterval = 16

    let context: Context
    let queue: PendingEntries
    let checkpoints: [Checkpoint]
    let plan: Plan
    /// The step this lowering resumed from (0: it started from scratch).
    let resumedAt: Int

    /// The latest checkpoint before which `queue` (the next version's entries) and this
    /// lowering's agree on every entry taken, and on the entry at each queue's head: from the
    /// same state, both then take the same steps up to it.
    func latestCheckpoint(sharedWith other: PendingEntries) -> Checkpoint? {
        /// Whether a queue's entries agree up to `head` and at it (or both queues end there).
        func agrees(_ mine: [Int], _ theirs: [Int]) -> (Int) -> Bool {
            let shared = PendingEntries.commonPrefix(queue, mine, other, theirs)
            let identical = shared == mine.count && shared == theirs.count
            return { head in head < shared || (identical && head == shared) }
        }
        let samples = agrees(queue.bySample, other.bySample), updates = agrees(queue.byUpdate, other.byUpdate)
        return checkpoints.last { samples($0.sampleHead) && updates($0.updateHead) }
    }
}

/// The timeline entries not yet applied, as two queues in time order: sample-timed and
/// step-timed. Under any batch, where an entry takes effect is monotone in its time within one
/// queue, so the entry that takes effect first is at the head of one of them; this keeps lowering
/// linear in the number of events (scanning every pending entry per change made it quadratic).
/// The queues hold positions in the timeline (entries are not copied to sort or take them).
struct PendingEntries: Sendable {
    let entries: [Timeline.Entry]
    /// Timeline positions, sorted by time, ties by position; `heads` index the next unapplied.
    private(set) var bySample: [Int] = []
    private(set) var byUpdate: [Int] = []
    private(set) var sampleHead = 0, updateHead = 0

    /// Continues from a checkpoint of a lowering of the same entries.
    mutating func resume(sampleHead: Int, updateHead: Int) {
        self.sampleHead = sampleHead
        self.updateHead = updateHead
    }

    /// How many leading entries two queues share (position and entry alike).
    static func commonPrefix(_ a: PendingEntries, _ aQueue: [Int], _ b: PendingEntries, _ bQueue: [Int]) -> Int {
        var count = 0
        while count < aQueue.count, count < bQueue.count, aQueue[count] == bQueue[count],
              a.entries[aQueue[count]] == b.entries[bQueue[count]] { count += 1 }
        return count
    }

    init(_ entries: [Timeline.Entry]) {
        self.entries = entries
        var sampleKeys: [(time: Int, position: Int)] = [], updateKeys: [(time: Int, position: Int)] = []
        for (position, entry) in entries.enumerated() {
            switch entry.time {
            case .sample(let s): sampleKeys.append((s, position))
            case .update(let u): updateKeys.append((u, position))
            }
        }
        bySample = sampleKeys.sorted { ($0.time, $0.position) < ($1.time, $1.position) }.map(\.position)
        byUpdate = updateKeys.sorted { ($0.time, $0.position) < ($1.time, $1.position) }.map(\.position)
    }

    /// Removes the entries that take effect first (fewest updates from the cursor, before
    /// `endSample`) and puts their timeline positions in `group`, in timeline order; returns
    /// where they take effect, or nil when none does.
    mutating func takeFirstGroup(effect: (Timeline.Time) -> (sample: Int, updates: Int), endSample: Int,
                                 into group: inout [Int]) -> (sample: Int, updates: Int)? {
        func headEffect(_ queue: [Int], _ head: Int) -> (sample: Int, updates: Int)? {
            guard head < queue.count else { return nil }
            let e = effect(entries[queue[head]].time)
            return e.sample < endSample ? e : nil
        }
        let a = headEffect(bySample, sampleHead), b = headEffect(byUpdate, updateHead)
        // The earlier of the two heads (the sample queue's on a tie), without an array per step.
        let first: (sample: Int, updates: Int)
        switch (a, b) {
        case (let a?, let b?): first = b.updates < a.updates ? b : a
        case (let a?, nil): first = a
        case (nil, let b?): first = b
        case (nil, nil): return nil
        }
        group.removeAll(keepingCapacity: true)
        func take(_ queue: [Int], _ head: inout Int) {
            while let e = headEffect(queue, head), e.updates == first.updates {
                group.append(queue[head])
                head += 1
            }
        }
        take(bySample, &sampleHead)
        take(byUpdate, &updateHead)
        if group.count > 1 { group.sort() }
        return first
    }

    /// The entries never applied, in timeline order.
    func remaining() -> [Timeline.Entry] {
        (bySample[sampleHead...] + byUpdate[updateHead...]).sorted().map { entries[$0] }
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
        case .adaptiveGrowth: return .adaptive
        }
    }
}

/// Collects phases: a new one starts wherever the state in force changes between updates.
struct PhaseBuilder: Sendable {
    let datasetSize: Int
    let microBatch: Int?
    let ghostBatch: Int?
    var phases: [Phase] = []
    var startSample = 0, startUpdate = 0
    var phaseState: (optimizer: OptimizerState, warmup: Bool)
    /// The last batch's pass sizes: consecutive phases mostly share a batch (shared, not rebuilt).
    private var lastPasses: (batch: Int, passes: [Int])?

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
        let passes = lastPasses?.batch == s.batch ? lastPasses!.passes
            : MicroBatching.passSizes(batch: s.batch, microBatch: microBatch, ghostBatch: ghostBatch)
        lastPasses = (s.batch, passes)
        phases.append(Phase(startEpoch: Double(startSample) / Double(datasetSize), endEpoch: Double(endSample) / Double(datasetSize),
                            startUpdate: startUpdate, endUpdate: endUpdate, startSample: startSample, endSample: endSample,
                            batch: s.batch, microBatch: passes.max() ?? s.batch, accumulation: passes.count, passSizes: passes,
                            learningRate: s.learningRate, momentum: s.momentum, noise: decimalClean(s.noiseScale(datasetSize: datasetSize)),
                            updates: endUpdate - startUpdate, warmup: phaseState.warmup))
    }
}
