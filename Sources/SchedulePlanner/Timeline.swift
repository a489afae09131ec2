import ScheduleLanguage

/// The intermediate form between a checked program and a plan: every change the program asks
/// for, in absolute training time, independent of any lowering policy.
///
/// Absolute time is a position in the *sample stream*: epoch e, example offset o within that
/// epoch's shuffle, i.e. sample `e·N + o`. Epoch- and percent-timed events resolve to a sample
/// position here (rounded up to a whole example). Step-timed events cannot: the sample where the
/// k-th update starts depends on the batch sizes before it, which depend on the policy. They keep
/// their update index and are placed while lowering simulates the update stream.
public struct Timeline: Hashable, Sendable {
    /// N, the examples in one epoch.
    public var datasetSize: Int
    public var epochs: Int
    /// ε, B and m before the first event.
    public var initial: OptimizerState
    /// Changes in program order (the front end sorts comparable times; ties keep source order).
    public var entries: [Entry]

    public struct Entry: Hashable, Sendable {
        public var time: Time
        public var change: Change
        /// Index into `CheckedProgram.events`; nil for entries the settings imply (warm-up end).
        public var eventIndex: Int?
        /// When, as written: "epoch 60", "step 1000", "75%", "warmup 5 epochs".
        public var timeText: ChangeTime
        /// What, as written: "noise /= 5", "lr = 0.5, keep noise", "warm-up ends".
        public var text: ChangeRequest
        /// The statement (or setting) that asked for it, for diagnostics.
        public var range: SourceRange

        /// Compared as written, without making the words.
        public static func == (a: Entry, b: Entry) -> Bool {
            a.time == b.time && a.change == b.change && a.eventIndex == b.eventIndex && a.range == b.range
                && a.timeText.isIdentical(to: b.timeText) && a.text.isIdentical(to: b.text)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(time)
            hasher.combine(change)
            hasher.combine(eventIndex)
            hasher.combine(range)
        }
    }

    public enum Time: Hashable, Sendable {
        /// Takes effect at the first update starting at or after this sample of the stream.
        case sample(Int)
        /// Takes effect before the update with this index (`at step 1000` = before the 1001st).
        case update(Int)
    }

    public enum Change: Hashable, Sendable {
        /// g ← g · f (`noise *= f`) or g ← g / f (`noise /= f`): lowered by the policy.
        case noise(EventOperation)
        /// Explicit ε change; with `keepNoise`, B follows (linear scaling rule, B ∝ ε).
        case learningRate(EventOperation, keepNoise: Bool)
        /// Explicit B change (rounded to a whole batch, clamped into 1...max_batch).
        case batch(EventOperation)
        /// Explicit m change; with `keepNoise`, B follows (B ∝ 1/(1 − m)).
        case momentum(EventOperation, keepNoise: Bool)
        /// The linear learning-rate warm-up is over from here on.
        case warmupEnd
        /// A growth an adaptive run decided under `rule` (`Planner.plan(_:growths:)`).
        case adaptiveGrowth(AdaptiveGrowth, rule: AdaptiveBatch)
    }

    /// Builds the timeline under `policy`, checking every value the planner relies on
    /// (`RunLimits`, the batch, ε and m; the front end enforces the same rules, so a hand-built
    /// program that breaks them gets an S300 error, not a crash).
    public init(_ program: CheckedProgram) throws {
        try self.init(program, policy: Policy(program.policy))
    }

    public init(_ program: CheckedProgram, policy: Policy) throws {
        let n = program.dataset.trainingSize
        let limits = RunLimits(datasetSize: n, epochs: program.epochs, maxBatch: program.maxBatchSize,
                               microBatch: program.microBatchSize, ghostBatch: program.ghostBatchSize, policy: policy)
        if let violation = limits.violation() {
            throw PlanningError(violation.message, range: program.range(ofSetting: violation.setting.rawValue))
        }
        guard limits.allows(batch: program.batchSize) else {
            throw PlanningError("batch must be in 1...\(program.maxBatchSize) (max_batch), not \(program.batchSize)",
                                range: program.range(ofSetting: "batch"))
        }
        guard program.learningRate.isFinite, program.learningRate > 0 else {
            throw PlanningError("lr must be a positive number, not \(formatNumber(program.learningRate))",
                                range: program.range(ofSetting: "lr"))
        }
        let momentum = program.optimizer.momentum
        guard momentum >= 0, momentum < 1 else {
            throw PlanningError("momentum must be in 0 ≤ m < 1, not \(formatNumber(momentum))",
                                range: program.range(ofSetting: "optimizer"))
        }

        datasetSize = n
        epochs = program.epochs
        initial = OptimizerState(learningRate: program.learningRate, batch: program.batchSize, momentum: momentum)
        entries = []
        let endSample = n * program.epochs

        for (index, event) in program.events.enumerated() {
            let time: Time
            switch event.time {
            case .epoch(let epoch):
                guard epoch.isFinite, epoch >= 0 else {
                    throw PlanningError("event time must be a non-negative epoch, not \(formatNumber(epoch))", range: event.timeRange)
                }
                time = .sample(Timeline.samplePosition(ofEpoch: epoch, datasetSize: n, cap: endSample))
            case .fraction(let fraction):
                guard fraction.isFinite, fraction >= 0 else {
                    throw PlanningError("event time must be a non-negative share of the run, not \(formatNumber(fraction * 100))%",
                                        range: event.timeRange)
                }
                time = .sample(Timeline.samplePosition(ofEpoch: fraction * Double(program.epochs), datasetSize: n, cap: endSample))
            case .step(let step):
                guard step >= 0 else {
                    throw PlanningError("event step must be non-negative, not \(step)", range: event.timeRange)
                }
                time = .update(step)
            }
            let change: Change
            switch event.target {
            case .noise:
                guard !event.keepNoise else {
                    throw PlanningError("'keep noise' applies to lr and momentum events only", range: event.range)
                }
                switch event.operation {
                case .set:
                    throw PlanningError("the noise scale changes by a factor ('noise *=' or 'noise /='), it cannot be set",
                                        range: event.range)
                case .multiply(let f), .divide(let f):
                    guard f.isFinite, f > 0 else {
                        throw PlanningError("noise factor must be a positive number, not \(formatNumber(f))", range: event.range)
                    }
                }
                change = .noise(event.operation)
            case .lr:
                change = .learningRate(event.operation, keepNoise: event.keepNoise)
            case .batch:
                guard !event.keepNoise else {
                    throw PlanningError("'keep noise' applies to lr and momentum events only", range: event.range)
                }
                change = .batch(event.operation)
            case .momentum:
                guard program.optimizer.kind != .adam else {
                    throw PlanningError("adam has no momentum coefficient to change (its β1 is not m)", range: event.range)
                }
                change = .momentum(event.operation, keepNoise: event.keepNoise)
            }
            if case .multiply(let f) = event.operation, !f.isFinite {
                throw PlanningError("factor must be a finite number", range: event.range)
            }
            if case .divide(let f) = event.operation, !(f.isFinite && f != 0) {
                throw PlanningError("cannot divide by \(formatNumber(f))", range: event.range)
            }
            if case .set(let v) = event.operation, !v.isFinite {
                throw PlanningError("value must be a finite number", range: event.range)
            }
            entries.append(Entry(time: time, change: change, eventIndex: index, timeText: .event(event.time),
                                 text: .event(target: event.target, operation: event.operation, keepNoise: event.keepNoise),
                                 range: event.range))
        }

        if let warmup = program.warmup {
            guard warmup.length.isFinite, warmup.length > 0 else {
                throw PlanningError("warmup length must be positive, not \(formatNumber(warmup.length))",
                                    range: program.range(ofSetting: "warmup"))
            }
            let time: Time
            switch warmup.unit {
            case .epoch:
                // At least one example in, so the ramp covers at least one update.
                time = .sample(max(1, Timeline.samplePosition(ofEpoch: warmup.length, datasetSize: n, cap: endSample)))
            case .step:
                guard warmup.length == warmup.length.rounded(), warmup.length <= Double(Int.max / 2) else {
                    throw PlanningError("a warmup in steps needs a whole number of steps, not \(formatNumber(warmup.length))",
                                        range: program.range(ofSetting: "warmup"))
                }
                time = .update(Int(warmup.length))
            }
            entries.append(Entry(time: time, change: .warmupEnd, eventIndex: nil,
                                 timeText: .warmup(warmup), text: .warmupEnd,
                                 range: program.range(ofSetting: "warmup")))
        }
    }

    /// The sample-stream position of epoch time `epoch`: `epoch·N` rounded up to a whole example.
    /// Decimal fractions are not exact in binary (0.1·50000 = 5000.000000000001), so a product
    /// within 1e-9 (relative) of an integer counts as that integer. Times past the end are capped
    /// just past the end (`cap + 1`), so they stay "after the run" without overflowing.
    static func samplePosition(ofEpoch epoch: Double, datasetSize n: Int, cap: Int) -> Int {
        let exact = epoch * Double(n)
        if exact > Double(cap) * (1 + 1e-9) { return cap + 1 }
        let nearest = exact.rounded()
        if abs(exact - nearest) <= 1e-9 * max(1, abs(exact)) { return min(Int(nearest), cap + 1) }
        return min(Int(exact.rounded(.up)), cap + 1)
    }
}

/// The three hyperparameters the noise scale depends on (N is fixed per plan).
public struct OptimizerState: Hashable, Sendable, Codable {
    public var learningRate: Double
    public var batch: Int
    public var momentum: Double

    public init(learningRate: Double, batch: Int, momentum: Double) {
        self.learningRate = learningRate
        self.batch = batch
        self.momentum = momentum
    }

    /// g = ε·N / (B·(1 − m)).
    public func noiseScale(datasetSize n: Int) -> Double {
        learningRate * Double(n) / (Double(batch) * (1 - momentum))
    }

    enum CodingKeys: String, CodingKey {
        case batch, learningRate = "lr", momentum
    }
}

func describe(_ time: EventTime) -> String {
    switch time {
    case .epoch(let e): return "epoch \(formatNumber(e))"
    case .step(let s): return "step \(s)"
    case .fraction(let f): return "\(formatNumber(f * 100))%"
    }
}

func describe(target: EventTarget, operation: EventOperation, keepNoise: Bool) -> String {
    let op: String
    switch operation {
    case .set(let v): op = "= \(formatNumber(v))"
    case .multiply(let f): op = "*= \(formatNumber(f))"
    case .divide(let f): op = "/= \(formatNumber(f))"
    }
    return "\(target.rawValue) \(op)" + (keepNoise ? ", keep noise" : "")
}
