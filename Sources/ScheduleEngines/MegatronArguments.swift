import JSONSupport
import SchedulePlanner

/// A plan's batch schedule as Megatron-LM arguments.
///
/// Megatron-LM decides the global batch of every iteration from the samples consumed before
/// it (megatron/core/num_microbatches_calculator.py, `update_num_microbatches(consumed_samples)`
/// before each iteration) — the same clock as schedc's, so a phase boundary in samples is a
/// threshold in samples:
///
/// - `--step-batch-size-schedule "0:B0 S1:B1 ..."` (`StepBatchsizeNumMicroBatchesCalculator`,
///   since April 2026): the batch is that of the last threshold ≤ consumed samples. Any
///   piecewise-constant batch schedule.
/// - `--rampup-batch-size START INCR SAMPLES` (`RampupBatchsizeNumMicroBatchesCalculator`,
///   deprecated and ignored since the step schedule replaced it): with k = (global − START)/INCR
///   increments, batch(s) = START + INCR·⌊s / (SAMPLES/k)⌋ while s ≤ SAMPLES, the global batch
///   after. Emitted only when the plan is exactly such a ramp.
///
/// Neither knows epochs: every iteration takes a full global batch. So the plan must have no
/// short updates (B divides N in every phase; `EngineLimits` reports S403 otherwise), and the
/// learning rate, momentum and warm-up of the plan go through the exported Python hook (its
/// `OptimizerParamScheduler` has decay styles, not a plan's steps).
public struct MegatronArguments: Sendable {
    /// (threshold in consumed samples, global batch), the first at 0, thresholds increasing.
    public var steps: [(sample: Int, batch: Int)]
    public var microBatch: Int
    public var worldSize: Int
    /// `--train-samples`: N × epochs.
    public var trainSamples: Int
    /// `--lr`: the first phase's ε.
    public var learningRate: Double
    /// (START, INCR, SAMPLES) when the plan is exactly a linear ramp.
    public var rampup: (start: Int, increment: Int, samples: Int)?

    public init(plan: Plan, target: EngineTarget) {
        steps = Self.batchSteps(of: plan)
        microBatch = EngineLimits.microBatch(for: plan, target: target)
        worldSize = target.worldSize
        trainSamples = plan.datasetSize * plan.epochs
        learningRate = plan.phases[0].learningRate
        rampup = Self.linearRamp(of: plan)
    }

    /// The global batch Megatron-LM's step schedule gives after `consumed` samples
    /// (`_get_batch_size_for_samples`).
    public func stepBatch(consumed: Int) -> Int {
        var batch = steps[0].batch
        for step in steps where consumed >= step.sample { batch = step.batch }
        return batch
    }

    /// The global batch Megatron-LM's ramp-up gives after `consumed` samples, computed as its
    /// `RampupBatchsizeNumMicroBatchesCalculator.update` does (Python floats are doubles).
    public static func rampupBatch(consumed: Int, start: Int, increment: Int, samples: Int, global: Int) -> Int {
        if consumed > samples { return global }
        let increments = (global - start) / increment
        let perIncrement = Double(samples) / Double(increments)
        let steps = Int(Double(consumed) / perIncrement)
        return start + steps * increment
    }

    /// The schedule's iterations as Megatron-LM runs them: from 0 consumed samples, each
    /// iteration takes the batch the schedule gives and adds it, until `trainSamples`.
    public func iterations(rampup useRampup: Bool = false) -> [(consumed: Int, batch: Int)] {
        var out: [(consumed: Int, batch: Int)] = []
        var consumed = 0
        let global = steps.last!.batch
        while consumed < trainSamples {
            let batch: Int
            if useRampup, let rampup {
                batch = Self.rampupBatch(consumed: consumed, start: rampup.start, increment: rampup.increment,
                                         samples: rampup.samples, global: global)
            } else {
                batch = stepBatch(consumed: consumed)
            }
            out.append((consumed, batch))
            consumed += batch
        }
        return out
    }

    /// `"0:32 20000:128 60000:512"`: thresholds in samples (no sequence length given).
    public var stepSchedule: String { steps.map { "\($0.sample):\($0.batch)" }.joined(separator: " ") }

    /// The command-line arguments, one per line, for a shell script or to paste.
    public var commandLine: [String] {
        let lines = ["--micro-batch-size \(microBatch)",
                     "--global-batch-size \(steps.last!.batch)",
                     "--step-batch-size-schedule \"\(stepSchedule)\"",
                     "--train-samples \(trainSamples)",
                     "--lr \(JSONScalar.number(learningRate))",
                     "--lr-decay-style constant"]
        return lines
    }

    /// `--rampup-batch-size START INCR SAMPLES`, for Megatron-LM releases before the step
    /// schedule, when the plan is exactly such a ramp.
    public var rampupArgument: String? {
        rampup.map { "--rampup-batch-size \($0.start) \($0.increment) \($0.samples)" }
    }

    /// Where the global batch changes: consecutive phases with one batch merge.
    static func batchSteps(of plan: Plan) -> [(sample: Int, batch: Int)] {
        var steps: [(sample: Int, batch: Int)] = []
        for phase in plan.phases where steps.last?.batch != phase.batch {
            steps.append((phase.startSample, phase.batch))
        }
        return steps
    }

    /// (START, INCR, SAMPLES) when Megatron-LM's ramp-up gives exactly the plan's batch at every
    /// update; nil otherwise.
    public static func linearRamp(of plan: Plan) -> (start: Int, increment: Int, samples: Int)? {
        rampSearch(of: plan).ramp
    }

    /// Why `--rampup-batch-size` cannot describe the plan, and the phase where that shows; nil
    /// when it can, or when the batch never changes (no ramp is needed).
    static func rampupRefusal(for plan: Plan) -> (phase: Int, message: String)? {
        let search = rampSearch(of: plan)
        if search.ramp != nil { return nil }
        return search.refusal
    }

    private static func rampSearch(of plan: Plan) -> (ramp: (start: Int, increment: Int, samples: Int)?, refusal: (phase: Int, message: String)?) {
        let steps = batchSteps(of: plan)
        guard steps.count >= 2 else { return (nil, nil) }
        func phase(at sample: Int) -> Int { plan.phases.firstIndex { $0.startSample == sample } ?? 0 }
        let start = steps[0].batch, increment = steps[1].batch - steps[0].batch
        guard increment > 0 else {
            return (nil, (phase(at: steps[1].sample), "the batch falls from \(steps[0].batch) to \(steps[1].batch); --rampup-batch-size only grows it"))
        }
        for i in 2..<steps.count where steps[i].batch - steps[i - 1].batch != increment {
            return (nil, (phase(at: steps[i].sample),
                          "batch \(steps[i - 1].batch) → \(steps[i].batch) is not the ramp's step of \(increment) "
                          + "(\(start) → \(steps[1].batch)); --rampup-batch-size grows the batch by equal steps"))
        }
        // Increment i applies from the first update with consumed ≥ i·SAMPLES/k: SAMPLES lies in
        // (k·before_i/i, k·t_i/i] for each i, where t_i is where step i starts and before_i the
        // consumed count of the update before it.
        let readings = PlanClock(plan: plan).readings()
        let k = steps.count - 1
        var low = 0, high = Int.max
        for i in 1...k {
            let t = steps[i].sample
            guard let before = readings.last(where: { $0.consumedSamples < t })?.consumedSamples else { continue }
            high = min(high, k * t / i)
            low = max(low, k * before / i + 1)
        }
        let spacing = "the ramp's steps start at samples " + steps.dropFirst().map { String($0.sample) }.joined(separator: ", ")
        guard low <= high else {
            return (nil, (phase(at: steps[1].sample), "\(spacing), not equally spaced as --rampup-batch-size spaces them"))
        }
        let global = steps.last!.batch
        // Check the candidate with Megatron-LM's own arithmetic, update by update.
        for samples in [high, low] {
            let exact = readings.allSatisfy { reading in
                rampupBatch(consumed: reading.consumedSamples, start: start, increment: increment, samples: samples,
                            global: global) == reading.phaseBatch
            }
            if exact { return ((start, increment, samples), nil) }
        }
        return (nil, (phase(at: steps[1].sample), "\(spacing); no ramp length gives these batches at every update"))
    }
}
