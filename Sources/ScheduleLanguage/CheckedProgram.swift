/// The checked program: what a `.sched` file means, with every default filled in and every
/// static rule of docs/language.md already enforced. It is the contract between the language
/// front end and the later stages (planner, runner): they read this, never source text.
/// Source ranges ride along only so later stages can report diagnostics at the right place.
public struct CheckedProgram: Hashable, Sendable {
    /// `schedule NAME`.
    public var name: String
    public var dataset: DatasetSpec
    /// `model ...`; nil when the file does not name one (plannable, not runnable).
    public var model: ModelSpec?
    /// Total training length in epochs (`epochs N`).
    public var epochs: Int
    public var optimizer: OptimizerSpec
    /// Initial learning rate ε (`lr`).
    public var learningRate: Double
    /// Initial batch size B (`batch`).
    public var batchSize: Int
    /// B_max, the largest batch the hardware takes (`max_batch`); defaults to the data set size.
    public var maxBatchSize: Int
    /// Largest batch one forward/backward pass holds (`micro_batch`); nil = no limit.
    public var microBatchSize: Int?
    /// Ghost batch-norm size (`ghost_batch`); nil = ordinary batch norm over each pass.
    public var ghostBatchSize: Int?
    public var policy: LoweringPolicy
    /// Linear learning-rate warm-up (`warmup 5 epochs`); nil = none.
    public var warmup: Warmup?
    public var seed: UInt64
    public var weightDecay: Double
    /// Every event, `every` statements expanded, in source order within equal times and
    /// sorted by time where times are comparable without a plan (epochs and fractions;
    /// step-timed events keep source order and are placed by the planner).
    public var events: [ScheduleEvent]
    /// Where each setting was written (key: the setting's name, e.g. "max_batch"), so later
    /// stages can point diagnostics at it. Settings left at their default have no entry.
    public var settingRanges: [String: SourceRange]
    /// `adapt batch(...)`: the batch grows at run time when the measured noise scale says so;
    /// nil for a fixed schedule.
    public var adaptive: AdaptiveSpec?

    public init(name: String, dataset: DatasetSpec, model: ModelSpec?, epochs: Int,
                optimizer: OptimizerSpec, learningRate: Double, batchSize: Int, maxBatchSize: Int,
                microBatchSize: Int?, ghostBatchSize: Int?, policy: LoweringPolicy, warmup: Warmup?,
                seed: UInt64, weightDecay: Double, events: [ScheduleEvent],
                settingRanges: [String: SourceRange], adaptive: AdaptiveSpec? = nil) {
        self.name = name
        self.dataset = dataset
        self.model = model
        self.epochs = epochs
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.maxBatchSize = maxBatchSize
        self.microBatchSize = microBatchSize
        self.ghostBatchSize = ghostBatchSize
        self.policy = policy
        self.warmup = warmup
        self.seed = seed
        self.weightDecay = weightDecay
        self.events = events
        self.settingRanges = settingRanges
        self.adaptive = adaptive
    }
}

/// `data NAME`, `data NAME(subset: K)` or `data size N`.
public struct DatasetSpec: Hashable, Sendable {
    /// A data set schedc knows by name (see `KnownDataset`), or nil for `data size N`.
    public var known: KnownDataset?
    /// N: training examples the planner counts with (the subset size when one is given).
    public var trainingSize: Int
    /// `subset: K`: train on the first K training examples only.
    public var subset: Int?

    public init(known: KnownDataset?, trainingSize: Int, subset: Int? = nil) {
        self.known = known
        self.trainingSize = trainingSize
        self.subset = subset
    }
}

/// Data sets known by name: their sizes are what the planner uses for N.
public enum KnownDataset: String, CaseIterable, Hashable, Sendable {
    case fashion_mnist, mnist, cifar10, cifar100, imagenet

    public var trainingSize: Int {
        switch self {
        case .fashion_mnist, .mnist: return 60_000
        case .cifar10, .cifar100: return 50_000
        case .imagenet: return 1_281_167
        }
    }

    /// Whether the embedded runtime can load it (the others are plannable only).
    public var isRunnable: Bool {
        switch self {
        case .fashion_mnist, .mnist, .cifar10: return true
        case .cifar100, .imagenet: return false
        }
    }
}

/// `model mlp(hidden: [512, 512])`, `model cnn`, `model wrn(16, 4)`.
public enum ModelSpec: Hashable, Sendable {
    case mlp(hidden: [Int])
    case cnn
    case wrn(depth: Int, width: Int)
}

/// `optimizer sgd(momentum: 0.9)`, `nesterov(momentum: 0.9)`, `adam(beta1: 0.9, beta2: 0.999)`.
public struct OptimizerSpec: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Sendable { case sgd, nesterov, adam }
    public var kind: Kind
    /// m in the noise scale g = εN / (B(1 − m)). sgd defaults to 0, nesterov to 0.9;
    /// always 0 for adam (its β1 is not the papers' momentum accumulator).
    public var momentum: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    public init(kind: Kind, momentum: Double = 0, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8) {
        self.kind = kind
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// How `noise` events are lowered (`policy ...`).
public enum LoweringPolicy: Hashable, Sendable {
    /// Grow B by the full factor; past B_max, B = B_max and ε takes the rest (Smith et al.).
    case increaseBatch
    /// B fixed, ε takes the whole factor.
    case decayLearningRate
    /// The first `k` noise decays grow B (under B_max), later ones decay ε.
    case hybrid(k: Int)
    /// B grows by at most `r` per decay (under B_max), ε takes the rest (AdaBatch).
    case adabatch(r: Double)
}

/// `warmup 5 epochs` / `warmup 500 steps`: ε ramps linearly up to its scheduled value.
public struct Warmup: Hashable, Sendable {
    public var length: Double
    public var unit: TimeUnit
    public init(length: Double, unit: TimeUnit) {
        self.length = length
        self.unit = unit
    }
}

public enum TimeUnit: String, Hashable, Sendable { case epoch, step }

/// When an event happens.
public enum EventTime: Hashable, Sendable {
    /// `at epoch 60` (may be fractional).
    case epoch(Double)
    /// `at step 1000`: after that many parameter updates.
    case step(Int)
    /// `at 30%`: a fraction (0...1) of the run's epochs.
    case fraction(Double)
}

/// What an event changes.
public enum EventTarget: String, Hashable, Sendable, CaseIterable {
    /// The noise scale g; lowered by the policy.
    case noise
    /// Explicit hyperparameter changes bypass the policy.
    case lr, batch, momentum
}

public enum EventOperation: Hashable, Sendable {
    case set(Double)
    case multiply(Double)
    case divide(Double)

    /// The value after applying the operation to `value`.
    public func apply(to value: Double) -> Double {
        switch self {
        case .set(let v): return v
        case .multiply(let f): return value * f
        case .divide(let f): return value / f
        }
    }
}

/// `at epoch 60: noise /= 5`, `at epoch 0: lr = 0.5, keep noise`, ...
public struct ScheduleEvent: Hashable, Sendable {
    public var time: EventTime
    public var target: EventTarget
    public var operation: EventOperation
    /// `, keep noise`: change the target but rescale B so the noise scale g stays put
    /// (linear scaling rule B ∝ ε; momentum rule B ∝ 1/(1 − m)). Only for lr and momentum.
    public var keepNoise: Bool
    /// The whole statement (for an expanded `every`, the `every` statement).
    public var range: SourceRange
    /// Just this event's time in the source (for an expanded `every`, the `every` clause).
    public var timeRange: SourceRange

    public init(time: EventTime, target: EventTarget, operation: EventOperation, keepNoise: Bool = false,
                range: SourceRange, timeRange: SourceRange) {
        self.time = time
        self.target = target
        self.operation = operation
        self.keepNoise = keepNoise
        self.range = range
        self.timeRange = timeRange
    }
}
