/// A lowered schedule: the exact batch sizes, learning rates and momenta of a run, phase by
/// phase, and the update stream the runner executes (`steps(inEpoch:)`).
///
/// Positions are counted in the *sample stream*: sample `e·N + o` is example `o` of epoch `e`'s
/// shuffle. Every phase starts at the first sample of one of its updates. The plan's JSON form
/// (`jsonText()`, docs/plan-json.md) and its `Codable` form use the same keys, so a saved plan
/// reloads with `JSONDecoder` and is checked (`validate()`) as it loads.
public struct Plan: Hashable, Sendable, Codable {
    /// `schedule NAME`.
    public var schedule: String
    /// The known data set's name, nil for `data size N`.
    public var dataset: String?
    /// N: examples per epoch.
    public var datasetSize: Int
    public var epochs: Int
    /// "increase_batch", "decay_lr", "hybrid(1)", "adabatch(2)".
    public var policy: String
    /// B_max.
    public var maxBatch: Int
    /// The `micro_batch` setting: the largest pass; nil = a batch is always one pass.
    public var microBatch: Int?
    /// The `ghost_batch` setting, for the runtime's ghost batch norm.
    public var ghostBatch: Int?
    public var warmup: PlannedWarmup?
    public var totalUpdates: Int
    public var phases: [Phase]
    /// One entry per event (and the warm-up's end), in the order they were applied.
    public var changes: [PlanChange]

    enum CodingKeys: String, CodingKey {
        case schedule, dataset, datasetSize = "dataset_size", epochs, policy, maxBatch = "max_batch",
             microBatch = "micro_batch", ghostBatch = "ghost_batch", warmup, totalUpdates = "total_updates",
             phases, changes
    }

    public init(schedule: String, dataset: String?, datasetSize: Int, epochs: Int, policy: String, maxBatch: Int,
                microBatch: Int?, ghostBatch: Int?, warmup: PlannedWarmup?, totalUpdates: Int, phases: [Phase],
                changes: [PlanChange]) {
        self.schedule = schedule
        self.dataset = dataset
        self.datasetSize = datasetSize
        self.epochs = epochs
        self.policy = policy
        self.maxBatch = maxBatch
        self.microBatch = microBatch
        self.ghostBatch = ghostBatch
        self.warmup = warmup
        self.totalUpdates = totalUpdates
        self.phases = phases
        self.changes = changes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schedule = try c.decode(String.self, forKey: .schedule)
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset)
        datasetSize = try c.decode(Int.self, forKey: .datasetSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        policy = try c.decode(String.self, forKey: .policy)
        maxBatch = try c.decode(Int.self, forKey: .maxBatch)
        microBatch = try c.decodeIfPresent(Int.self, forKey: .microBatch)
        ghostBatch = try c.decodeIfPresent(Int.self, forKey: .ghostBatch)
        warmup = try c.decodeIfPresent(PlannedWarmup.self, forKey: .warmup)
        totalUpdates = try c.decode(Int.self, forKey: .totalUpdates)
        phases = try c.decode([Phase].self, forKey: .phases)
        changes = try c.decode([PlanChange].self, forKey: .changes)
        do {
            try validate()
        } catch let error as PlanValidationError {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a valid plan: \(error.message)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(datasetSize, forKey: .datasetSize)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(policy, forKey: .policy)
        try c.encode(maxBatch, forKey: .maxBatch)
        try c.encode(microBatch, forKey: .microBatch)
        try c.encode(ghostBatch, forKey: .ghostBatch)
        try c.encode(warmup, forKey: .warmup)
        try c.encode(totalUpdates, forKey: .totalUpdates)
        try c.encode(phases, forKey: .phases)
        try c.encode(changes, forKey: .changes)
    }
}

/// A run of updates with the same B, ε, m (and warm-up state).
public struct Phase: Hashable, Sendable, Codable {
    /// Where the phase starts and ends, in epochs (`startSample / N`): 60, 60.5, 200.
    public var startEpoch: Double
    public var endEpoch: Double
    /// Index of the phase's first update; `endUpdate` is one past its last.
    public var startUpdate: Int
    public var endUpdate: Int
    /// Exact positions in the sample stream (`e·N + o`), half open.
    public var startSample: Int
    public var endSample: Int
    /// B: examples per update (the last update of each epoch takes the N mod B left over).
    public var batch: Int
    /// The largest pass of a full batch, and how many passes it takes (gradients accumulated).
    public var microBatch: Int
    public var accumulation: Int
    /// The passes of one full batch, largest first (sum = batch).
    public var passSizes: [Int]
    /// ε as scheduled (the warm-up ramp, if any, applies on top: `Plan.learningRate(atUpdate:)`).
    public var learningRate: Double
    public var momentum: Double
    /// g = ε·N / (B·(1 − m)).
    public var noise: Double
    /// `endUpdate − startUpdate`.
    public var updates: Int
    /// Whether the learning-rate warm-up covers this phase.
    public var warmup: Bool

    enum CodingKeys: String, CodingKey {
        case startEpoch = "start_epoch", endEpoch = "end_epoch", startUpdate = "start_update", endUpdate = "end_update",
             startSample = "start_sample", endSample = "end_sample", batch, microBatch = "micro_batch",
             accumulation, passSizes = "pass_sizes", learningRate = "lr", momentum, noise, updates, warmup
    }

    /// The optimizer state this phase runs with.
    public var state: OptimizerState {
        OptimizerState(learningRate: learningRate, batch: batch, momentum: momentum)
    }
}

/// The linear learning-rate warm-up (Goyal et al. 2017), resolved to updates: update u < updates
/// uses ε·(u + 1)/updates, where ε is the scheduled rate at u; from `updates` on, ε itself.
public struct PlannedWarmup: Hashable, Sendable, Codable {
    /// As written: 5 (epochs) or 500 (steps).
    public var length: Double
    /// "epoch" or "step".
    public var unit: String
    /// How many updates the ramp covers.
    public var updates: Int
}

/// What one event did: where it took effect, the state before and after, and what limited it.
public struct PlanChange: Hashable, Sendable, Codable {
    /// Where it took effect: the start of update `update`, sample `sample` of the stream.
    public var epoch: Double
    public var update: Int
    public var sample: Int
    /// Index into the program's events; nil for the warm-up's end.
    public var eventIndex: Int?
    /// When the event asked for, as written: "epoch 160", "step 1000", "75%", "warmup 5 epochs".
    public var at: String
    /// What it asked for, as written: "noise /= 5", "lr = 0.5, keep noise", "warm-up ends".
    public var event: String
    /// What changed: "B 3200 → 5120, ε 0.1 → 0.032".
    public var effect: String
    public var limit: ChangeLimit?
    /// Why, when something limited it: "B capped at max_batch 5120; ε ÷ 3.125 instead".
    public var note: String?
    public var before: OptimizerState
    public var after: OptimizerState

    enum CodingKeys: String, CodingKey {
        case epoch, update, sample, eventIndex = "event_index", at, event, effect, limit, note, before, after
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(update, forKey: .update)
        try c.encode(sample, forKey: .sample)
        try c.encode(eventIndex, forKey: .eventIndex)
        try c.encode(at, forKey: .at)
        try c.encode(event, forKey: .event)
        try c.encode(effect, forKey: .effect)
        try c.encode(limit, forKey: .limit)
        try c.encode(note, forKey: .note)
        try c.encode(before, forKey: .before)
        try c.encode(after, forKey: .after)
    }
}
