import SchedulePlanner

/// A plan on DeepSpeed: a ds_config.json for the first update and the updates at which to
/// call `engine.set_train_batch_size(b)`.
///
/// DeepSpeed fixes train_batch_size = micro batch per GPU × gradient_accumulation_steps × world
/// size in its config; `set_train_batch_size` changes the batch later by changing the
/// accumulation steps only, the micro batch staying. So every update's batch (the short last
/// update of an epoch included) must be a multiple of micro × world (`EngineLimits`, S401), and
/// the schedule lists a change wherever the batch differs from the update before — at phase
/// boundaries, and around every short update. ε, m and weight decay are the exported Python
/// hook's: DeepSpeed's schedulers (WarmupLR, WarmupDecayLR, OneCycle) have no plan steps.
public struct DeepSpeedSchedule: Sendable {
    public struct Change: Hashable, Sendable {
        /// The update (0-based) from which the batch holds, and the samples consumed before it.
        public var update: Int
        public var consumedSamples: Int
        public var trainBatchSize: Int
        public var gradientAccumulationSteps: Int
    }

    public var microBatch: Int
    public var worldSize: Int
    /// The first entry is update 0 (the config's own batch).
    public var changes: [Change]

    public init(plan: Plan, target: EngineTarget) {
        microBatch = EngineLimits.microBatch(for: plan, target: target)
        worldSize = target.worldSize
        var changes: [Change] = []
        for reading in PlanClock(plan: plan).readings() where changes.last?.trainBatchSize != reading.batch {
            changes.append(Change(update: reading.update, consumedSamples: reading.consumedSamples,
                                  trainBatchSize: reading.batch,
                                  gradientAccumulationSteps: reading.batch / (microBatch * worldSize)))
        }
        self.changes = changes
    }

    /// ds_config.json: the first update's batch. The optimiser is the caller's torch optimiser
    /// (passed to `deepspeed.initialize`), its lr and momentum set by the hook before each update.
    public var configText: String {
        let first = changes[0]
        return """
        {
          "train_batch_size": \(first.trainBatchSize),
          "train_micro_batch_size_per_gpu": \(microBatch),
          "gradient_accumulation_steps": \(first.gradientAccumulationSteps),
          "steps_per_print": 100,
          "wall_clock_breakdown": false
        }

        """
    }

    /// batch_schedule.json: world size, micro batch, and every change.
    public var scheduleText: String {
        var text = "{\n  \"world_size\": \(worldSize),\n  \"train_micro_batch_size_per_gpu\": \(microBatch),\n  \"changes\": ["
        for (i, change) in changes.enumerated() {
            text += (i == 0 ? "\n" : ",\n")
            text += "    {\"update\": \(change.update), \"consumed_samples\": \(change.consumedSamples), "
                + "\"train_batch_size\": \(change.trainBatchSize), \"gradient_accumulation_steps\": \(change.gradientAccumulationSteps)}"
        }
        return text + "\n  ]\n}\n"
    }
}
