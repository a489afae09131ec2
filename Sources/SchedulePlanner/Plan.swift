/// A lowered schedule, self-sufficient: everything an engine needs to execute the run — the data
/// set and N, the model, the optimizer, the seed, the batch limits, and the exact batch sizes,
/// learning rates and momenta phase by phase with the update stream the runner executes
/// (`steps(inEpoch:)`). An engine reads the plan and nothing else (no schedule, no program).
///
/// Positions are counted in the *sample stream*: sample `e·N + o` is example `o` of epoch `e`'s
/// shuffle. Every phase starts at the first sample of one of its updates. The plan's JSON form
/// (`jsonText()`, docs/plan-json.md) and its `Codable` form use the same keys; `Plan(jsonText:)`
/// reads a plan file back, refusing versions it does not know and checking it (`validate()`).
public struct Plan: Hashable, Sendable, Codable {
    /// The `format` every plan file starts with.
    public static let format = "schedc-plan"
    /// The plan JSON version this schedc writes and reads (docs/plan-json.md).
    public static let version = 1

    /// `schedule NAME`.
    public var schedule: String
    /// The known data set's name, nil for `data size N`.
    public var dataset: String?
    /// N: examples per epoch (the subset, when there is one).
    public var datasetSize: Int
    /// `data NAME(subset: K)`: the run trains on the first K training examples; nil = all of them.
    public var subset: Int?
    /// The network; nil when the schedule names none (plannable, not runnable).
    public var model: PlanModel?
    public var optimizer: PlanOptimizer
    /// The run's seed: weight initialisation and every epoch's shuffle.
    public var seed: UInt64
    public var epochs: Int
    public var policy: Policy
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
    /// `adapt batch(...)`: the rule by which the runtime grows the batch; nil for a fixed plan and
    /// for a realised one (whose growths are among `changes`, reason `adaptive`).
    public var adaptive: AdaptiveBatch?

    enum CodingKeys: String, CodingKey {
        case format, version, schedule, dataset, datasetSize = "dataset_size", subset, model, optimizer, seed, epochs, policy,
             maxBatch = "max_batch", microBatch = "micro_batch", ghostBatch = "ghost_batch", warmup,
             totalUpdates = "total_updates", phases, changes, adaptive
    }

    public init(schedule: String, dataset: String?, datasetSize: Int, subset: Int?, model: PlanModel?, optimizer: PlanOptimizer,
                seed: UInt64, epochs: Int, policy: Policy, maxBatch: Int, microBatch: Int?, ghostBatch: Int?,
                warmup: PlannedWarmup?, totalUpdates: Int, phases: [Phase], changes: [PlanChange], adaptive: AdaptiveBatch? = nil) {
        self.schedule = schedule
        self.dataset = dataset
        self.datasetSize = datasetSize
        self.subset = subset
        self.model = model
        self.optimizer = optimizer
        self.seed = seed
        self.epochs = epochs
        self.policy = policy
        self.maxBatch = maxBatch
        self.microBatch = microBatch
        self.ghostBatch = ghostBatch
        self.warmup = warmup
        self.totalUpdates = totalUpdates
        self.phases = phases
        self.changes = changes
        self.adaptive = adaptive
    }

    /// Decodes and validates a plan; `format` and `version` must be this schedc's
    /// (`Plan(jsonText:)` says so in a clearer message before decoding).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        guard format == Plan.format else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription: "not a schedc plan: format '\(format)'")
        }
        let version = try c.decode(Int.self, forKey: .version)
        guard version == Plan.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c,
                                                   debugDescription: "plan version \(version); this schedc reads version \(Plan.version)")
        }
        schedule = try c.decode(String.self, forKey: .schedule)
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset)
        datasetSize = try c.decode(Int.self, forKey: .datasetSize)
        subset = try c.decodeIfPresent(Int.self, forKey: .subset)
        model = try c.decodeIfPresent(PlanModel.self, forKey: .model)
        optimizer = try c.decode(PlanOptimizer.self, forKey: .optimizer)
        seed = try c.decode(UInt64.self, forKey: .seed)
        epochs = try c.decode(Int.self, forKey: .epochs)
        policy = try c.decode(Policy.self, forKey: .policy)
        maxBatch = try c.decode(Int.self, forKey: .maxBatch)
        microBatch = try c.decodeIfPresent(Int.self, forKey: .microBatch)
        ghostBatch = try c.decodeIfPresent(Int.self, forKey: .ghostBatch)
        warmup = try c.decodeIfPresent(PlannedWarmup.self, forKey: .warmup)
        totalUpdates = try c.decode(Int.self, forKey: .totalUpdates)
        phases = try c.decode([Phase].self, forKey: .phases)
        changes = try c.decode([PlanChange].self, forKey: .changes)
        adaptive = try c.decodeIfPresent(AdaptiveBatch.self, forKey: .adaptive)
        do {
            try validate()
        } catch let error as PlanValidationError {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a valid plan: \(error.message)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Plan.format, forKey: .format)
        try c.encode(Plan.version, forKey: .version)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(datasetSize, forKey: .datasetSize)
        try c.encode(subset, forKey: .subset)
        try c.encode(model, forKey: .model)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(seed, forKey: .seed)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(policy, forKey: .policy)
        try c.encode(maxBatch, forKey: .maxBatch)
        try c.encode(microBatch, forKey: .microBatch)
        try c.encode(ghostBatch, forKey: .ghostBatch)
        try c.encode(warmup, forKey: .warmup)
        try c.encode(totalUpdates, forKey: .totalUpdates)
        try c.encode(phases, forKey: .phases)
        try c.encode(changes, forKey: .changes)
        try c.encodeIfPresent(adaptive, forKey: .adaptive)
    }
}

/// The network a plan trains.
public enum PlanModel: Hashable, Sendable {
    /// A multilayer perceptron with these hidden widths.
    case mlp(hidden: [Int])
    /// The small convolutional network of docs/runtime.md.
    case cnn
    /// A wide residual network WRN-depth-width.
    case wrn(depth: Int, width: Int)

    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable { case mlp, cnn, wrn }

    public var kind: Kind {
        switch self {
        case .mlp: return .mlp
        case .cnn: return .cnn
        case .wrn: return .wrn
        }
    }
}

/// `{"kind": "mlp", "hidden": [512, 512]}`, `{"kind": "cnn"}`, `{"kind": "wrn", "depth": 16, "width": 4}`.
extension PlanModel: Codable {
    enum CodingKeys: String, CodingKey { case kind, hidden, depth, width }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .mlp: self = .mlp(hidden: try c.decode([Int].self, forKey: .hidden))
        case .cnn: self = .cnn
        case .wrn: self = .wrn(depth: try c.decode(Int.self, forKey: .depth), width: try c.decode(Int.self, forKey: .width))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .mlp(let hidden): try c.encode(hidden, forKey: .hidden)
        case .cnn: break
        case .wrn(let depth, let width):
            try c.encode(depth, forKey: .depth)
            try c.encode(width, forKey: .width)
        }
    }
}

/// The optimizer a plan runs with. ε and m change per phase (the phases carry them); the rest
/// is fixed for the run.
public struct PlanOptimizer: Hashable, Sendable, Codable {
    /// `nesterov` is SGD with Nesterov momentum.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable { case sgd, nesterov, adam }
    public var kind: Kind
    /// The initial m (Adam: 0; its β1 is not the papers' momentum accumulator).
    public var momentum: Double
    /// L2 weight decay, added to the gradient.
    public var weightDecay: Double
    /// Adam's moment decays and ε (carried for every kind; only Adam reads them).
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    enum CodingKeys: String, CodingKey {
        case kind, momentum, weightDecay = "weight_decay", beta1, beta2, epsilon
    }

    public init(kind: Kind, momentum: Double, weightDecay: Double, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8) {
        self.kind = kind
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
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
    public var unit: Unit
    /// What `length` counts.
    public enum Unit: String, Hashable, Sendable, Codable, CaseIterable { case epoch, step }
    /// How many updates the ramp covers.
    public var updates: Int
}

/// Why a change happened: which kind of statement (or setting) asked for it.
public enum ChangeReason: String, Hashable, Sendable, Codable, CaseIterable {
    /// `noise /= d` or `noise *= u`, lowered by the policy.
    case noiseEvent = "noise_event"
    /// An explicit `lr`, `batch` or `momentum` change.
    case explicit
    /// An `lr` or `momentum` change with `, keep noise`: B follows so g stays put.
    case keepNoise = "keep_noise"
    /// The learning-rate warm-up is over.
    case warmupEnd = "warmup_end"
    /// A growth an adaptive run decided from the measured noise scale (`adapt batch`).
    case adaptive
}

/// A quantity a change can move.
public enum Quantity: String, Hashable, Sendable, Codable, CaseIterable {
    case batch, lr, momentum
}

/// One quantity a change moved, from what to what.
public struct QuantityChange: Hashable, Sendable, Codable {
    public var quantity: Quantity
    public var from: Double
    public var to: Double

    public init(quantity: Quantity, from: Double, to: Double) {
        self.quantity = quantity
        self.from = from
        self.to = to
    }

    /// One entry per quantity that differs between `before` and `after`, in the order batch, lr, momentum.
    public static func between(_ before: OptimizerState, _ after: OptimizerState) -> [QuantityChange] {
        var changed: [QuantityChange] = []
        if before.batch != after.batch { changed.append(.init(quantity: .batch, from: Double(before.batch), to: Double(after.batch))) }
        if before.learningRate != after.learningRate {
            changed.append(.init(quantity: .lr, from: before.learningRate, to: after.learningRate))
        }
        if before.momentum != after.momentum { changed.append(.init(quantity: .momentum, from: before.momentum, to: after.momentum)) }
        return changed
    }
}

/// What one event did: where it took effect, the state before and after, why, and what limited it.
public struct PlanChange: Hashable, Sendable, Codable {
    /// Where it took effect: the start of update `update`, sample `sample` of the stream.
    public var epoch: Double
    public var update: Int
    public var sample: Int
    /// Index into the program's events; nil for the warm-up's end.
    public var eventIndex: Int?
    /// When the event asked for, as written: "epoch 160", "step 1000", "75%", "warmup 5 epochs".
    public var at: String { atText.description }
    public var atText: ChangeTime
    /// What it asked for, as written: "noise /= 5", "lr = 0.5, keep noise", "warm-up ends".
    public var event: String { eventText.description }
    public var eventText: ChangeRequest
    /// What changed, for people: "B 3200 → 5120, ε 0.1 → 0.032" (`changed` says it as data).
    public var effect: String { effectText.description }
    /// `effect` as the numbers it is written from (written out when read).
    public var effectText: ChangeEffect
    public var limit: ChangeLimit?
    /// Why, when something limited it: "B capped at max_batch 5120; ε ÷ 3.125 instead".
    public var note: String? { noteText?.description }
    public var noteText: ChangeNote?
    public var before: OptimizerState
    public var after: OptimizerState
    public var reason: ChangeReason
    /// One entry per quantity that changed (empty when the change moved nothing).
    public var changed: [QuantityChange]

    enum CodingKeys: String, CodingKey {
        case epoch, update, sample, eventIndex = "event_index", at, event, effect, limit, note, before, after, reason, changed
    }

    public init(epoch: Double, update: Int, sample: Int, eventIndex: Int?, at: ChangeTime, event: ChangeRequest, effect: ChangeEffect,
                limit: ChangeLimit?, note: ChangeNote?, before: OptimizerState, after: OptimizerState, reason: ChangeReason) {
        self.epoch = epoch
        self.update = update
        self.sample = sample
        self.eventIndex = eventIndex
        atText = at
        eventText = event
        effectText = effect
        self.limit = limit
        noteText = note
        self.before = before
        self.after = after
        self.reason = reason
        changed = QuantityChange.between(before, after)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(Double.self, forKey: .epoch)
        update = try c.decode(Int.self, forKey: .update)
        sample = try c.decode(Int.self, forKey: .sample)
        eventIndex = try c.decodeIfPresent(Int.self, forKey: .eventIndex)
        atText = .words(try c.decode(String.self, forKey: .at))
        eventText = .words(try c.decode(String.self, forKey: .event))
        effectText = .words(try c.decode(String.self, forKey: .effect))
        limit = try c.decodeIfPresent(ChangeLimit.self, forKey: .limit)
        noteText = try c.decodeIfPresent(String.self, forKey: .note).map(ChangeNote.words)
        before = try c.decode(OptimizerState.self, forKey: .before)
        after = try c.decode(OptimizerState.self, forKey: .after)
        reason = try c.decode(ChangeReason.self, forKey: .reason)
        changed = try c.decode([QuantityChange].self, forKey: .changed)
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
        try c.encode(reason, forKey: .reason)
        try c.encode(changed, forKey: .changed)
    }
}
