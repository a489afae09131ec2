/// The rules on a run's sizes that lowering and every engine rely on: N and the epochs, max_batch,
/// the batch, micro_batch, ghost_batch and the policy's parameter. They are stated once, here:
/// the planner checks a program against them before lowering (an S300 diagnostic at the setting),
/// and `Plan.validate()` checks a plan against them before a run (the runtime's guard). The
/// checker reports the same limits earlier, with fix-its, in the words of the source.
public struct RunLimits: Hashable, Sendable {
    public var datasetSize: Int
    public var epochs: Int
    public var maxBatch: Int
    public var microBatch: Int?
    public var ghostBatch: Int?
    public var policy: Policy

    public init(datasetSize: Int, epochs: Int, maxBatch: Int, microBatch: Int?, ghostBatch: Int?, policy: Policy) {
        self.datasetSize = datasetSize
        self.epochs = epochs
        self.maxBatch = maxBatch
        self.microBatch = microBatch
        self.ghostBatch = ghostBatch
        self.policy = policy
    }

    /// The setting a broken rule is about (its name in a `.sched` file and in plan JSON).
    public enum Setting: String, Hashable, Sendable {
        case data, epochs, maxBatch = "max_batch", batch, microBatch = "micro_batch", ghostBatch = "ghost_batch", policy
    }

    /// A broken rule: which setting, and what is wrong with it.
    public struct Violation: Error, Hashable, Sendable, CustomStringConvertible {
        public var setting: Setting
        public var message: String
        public var description: String { message }
    }

    /// The first rule the settings break, or nil: N ≥ 1, epochs ≥ 1 with N·(epochs + 1) in range,
    /// max_batch ≥ 1, micro_batch and ghost_batch ≥ 1, hybrid(k) with k ≥ 0, adabatch(r) with r ≥ 1.
    public func violation() -> Violation? {
        func broken(_ setting: Setting, _ message: String) -> Violation { Violation(setting: setting, message: message) }
        guard datasetSize >= 1 else { return broken(.data, "the data set has no training examples") }
        guard epochs >= 1 else { return broken(.epochs, "epochs must be at least 1, not \(epochs)") }
        guard datasetSize.multipliedReportingOverflow(by: epochs + 1).overflow == false else {
            return broken(.epochs, "the run is too long to plan: \(epochs) epochs of \(datasetSize) examples")
        }
        guard maxBatch >= 1 else { return broken(.maxBatch, "max_batch must be at least 1, not \(maxBatch)") }
        if let micro = microBatch, micro < 1 { return broken(.microBatch, "micro_batch must be at least 1, not \(micro)") }
        if let ghost = ghostBatch, ghost < 1 { return broken(.ghostBatch, "ghost_batch must be at least 1, not \(ghost)") }
        switch policy {
        case .hybrid(let k) where k < 0: return broken(.policy, "hybrid(k) needs k ≥ 0, not \(k)")
        case .adabatch(let r) where !(r.isFinite && r >= 1):
            return broken(.policy, "adabatch(r) needs a growth factor r ≥ 1, not \(formatNumber(r))")
        default: return nil
        }
    }

    /// Whether `batch` is a batch this run can take: 1...max_batch.
    public func allows(batch: Int) -> Bool { batch >= 1 && batch <= maxBatch }
}

extension Plan {
    /// The plan's own limits.
    public var limits: RunLimits {
        RunLimits(datasetSize: datasetSize, epochs: epochs, maxBatch: maxBatch, microBatch: microBatch, ghostBatch: ghostBatch,
                  policy: policy)
    }
}
