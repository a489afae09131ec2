import Foundation
import JSONSupport
import SchedulePlanner
import Training

/// Plans the schedule again with the growths an adaptive run decided so far
/// (`Planner.plan(_:growths:)` over the checked program; the CLI builds it). The runner never
/// sees the program, only this function.
public typealias AdaptiveReplanner = @Sendable ([AdaptiveGrowth]) throws -> Plan

/// One line of adaptive.jsonl: a check of an adaptive run (docs/adaptive.md).
public struct AdaptiveCheckRecord: Equatable, Sendable {
    /// The measured update (0-based), the stream samples done after it, and its phase's B.
    public var update: Int
    public var samples: Int
    public var batch: Int
    /// This update's unbiased estimates (either may be negative).
    public var gradientSquaredNorm: Double
    public var traceCovariance: Double
    /// The bias-corrected EMAs after it, and B_simple (nil: the smoothed |G|² is not positive).
    public var smoothedGradientSquaredNorm: Double
    public var smoothedTraceCovariance: Double
    public var noiseScale: Double?
    /// `AdaptiveDecision.name`: undefined, below, positive, waiting, at_limit, grow.
    public var decision: String
    /// Positive checks in a row after this one.
    public var inARow: Int
    /// On a growth, the batch from update `update + 1` on.
    public var newBatch: Int?

    public init(_ check: AdaptiveCheck, inARow: Int) {
        let m = check.measurement
        update = m.update
        samples = m.samples
        batch = m.batch
        gradientSquaredNorm = m.gradientSquaredNorm
        traceCovariance = m.traceCovariance
        smoothedGradientSquaredNorm = check.smoothedGradientSquaredNorm
        smoothedTraceCovariance = check.smoothedTraceCovariance
        noiseScale = check.noiseScale
        decision = check.decision.name
        self.inARow = inARow
        if case .grow(let growth) = check.decision { newBatch = growth.batch } else { newBatch = nil }
    }

    /// What the rule was given: replaying these gives the same checks.
    public var measurement: AdaptiveMeasurement {
        AdaptiveMeasurement(update: update, samples: samples, batch: batch, gradientSquaredNorm: gradientSquaredNorm,
                            traceCovariance: traceCovariance)
    }

    /// Keys in this order; numbers in their shortest exact form, so a replay reads the same bits.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("update", .int(update)), ("samples", .int(samples)), ("batch", .int(batch)),
            ("gradient_norm_sq", .number(gradientSquaredNorm)), ("trace_cov", .number(traceCovariance)),
            ("smoothed_gradient_norm_sq", .number(smoothedGradientSquaredNorm)),
            ("smoothed_trace_cov", .number(smoothedTraceCovariance)),
            ("b_simple", noiseScale.map { .number($0) } ?? .null), ("decision", .string(decision)), ("in_a_row", .int(inARow)),
        ]
        if let newBatch { members.append(("new_batch", .int(newBatch))) }
        return .object(members)
    }

    public var line: String { json.compact() }

    public init(line: String, origin: String) throws {
        let object = try JSONObject(data: Data(line.utf8), origin: origin)
        update = try object.int("update")
        samples = try object.int("samples")
        batch = try object.int("batch")
        gradientSquaredNorm = try object.double("gradient_norm_sq")
        traceCovariance = try object.double("trace_cov")
        smoothedGradientSquaredNorm = try object.double("smoothed_gradient_norm_sq")
        smoothedTraceCovariance = try object.double("smoothed_trace_cov")
        noiseScale = object.has("b_simple") ? try object.double("b_simple") : nil
        decision = try object.string("decision")
        inARow = try object.int("in_a_row")
        newBatch = try object.optionalInt("new_batch")
    }

    /// The records of adaptive.jsonl's complete lines (a torn last line is ignored, as in metrics.jsonl).
    public static func read(_ path: String) throws -> [AdaptiveCheckRecord] {
        guard FileIO.exists(path) else { return [] }
        var lines = try FileIO.readText(path).components(separatedBy: "\n")
        lines.removeLast()
        return try lines.enumerated().filter { !$0.element.isEmpty }.map {
            try AdaptiveCheckRecord(line: $0.element, origin: "\(path):\($0.offset + 1)")
        }
    }
}

/// The adaptive side of a run: the rule's state, the plan with the growths so far, and the
/// checks recorded. `TrainingRun` asks it before each update whether to measure, gives it the
/// measurement, and swaps to the plan it returns after a growth.
final class AdaptiveExecution {
    /// The plan with no growth (plan.json; the schedule hash is its).
    let initialPlan: Plan
    let replan: AdaptiveReplanner
    private(set) var rule: AdaptiveBatchRule
    /// The plan with `rule.growths` applied: what the run follows now.
    private(set) var plan: Plan
    private(set) var records: [AdaptiveCheckRecord] = []

    init(plan: Plan, replan: @escaping AdaptiveReplanner) throws {
        guard let rule = AdaptiveBatchRule(plan: plan) else {
            throw RunError(.internalError, "an adaptive execution needs a plan with an adaptive rule")
        }
        initialPlan = plan
        self.replan = replan
        self.rule = rule
        self.plan = plan
    }

    /// The run is refused up front when its plan adapts and nothing can replan it.
    static func refusal(_ plan: Plan) -> RunError {
        RunError(.notRunnable, "the plan of '\(plan.schedule)' still adapts its batch ('adapt batch'): with no schedule to "
                 + "plan the growths from, it cannot run; run the .sched file, or the realised plan (realised-plan.json) "
                 + "an adaptive run writes")
    }

    /// Restores the state after `updates` updates from adaptive.jsonl: its checks of earlier updates
    /// are replayed through a fresh rule (the decisions are a function of the measurements, so
    /// this is the state the run had), the later ones cut off and the file rewritten.
    func restore(from path: String, beforeUpdate updates: Int) throws {
        let kept = try AdaptiveCheckRecord.read(path).filter { $0.update < updates }
        for (index, record) in kept.enumerated() {
            let check = rule.check(record.measurement)
            guard check.decision.name == record.decision, check.noiseScale == record.noiseScale else {
                throw RunError(.checkpoint, "\(path):\(index + 1): replaying the recorded measurements decides "
                               + "'\(check.decision.name)', the run recorded '\(record.decision)'; cannot resume this run")
            }
            records.append(record)
        }
        try FileIO.writeAtomically(kept.map { $0.line + "\n" }.joined(), to: path)
        if !rule.growths.isEmpty { plan = try planned(rule.growths) }
    }

    /// Whether to measure `step` of epoch `epoch`: its end reaches a check time, it has the two
    /// passes the estimate needs, and an update follows it.
    func shouldMeasure(_ step: PlannedStep, epoch: Int) -> Bool {
        step.passSizes.count >= 2 && step.update + 1 < plan.totalUpdates
            && rule.isDue(updates: step.update + 1, samples: epoch * plan.datasetSize + step.samples.upperBound)
    }

    /// Decides on the measurement of `step`, appends the check to adaptive.jsonl, and on a growth
    /// swaps to the plan with it (checking that everything already run is planned the same).
    /// Returns the new plan when there was a growth.
    func check(_ noise: GradientNoiseSample, of step: PlannedStep, epoch: Int, path: String) throws -> (AdaptiveCheckRecord, Plan?) {
        let measurement = AdaptiveMeasurement(update: step.update, samples: epoch * plan.datasetSize + step.samples.upperBound,
                                              batch: plan.phases[step.phase].batch,
                                              gradientSquaredNorm: noise.gradientSquaredNorm,
                                              traceCovariance: noise.traceCovariance)
        let check = rule.check(measurement)
        let record = AdaptiveCheckRecord(check, inARow: rule.positivesInARow)
        try FileIO.append(record.line + "\n", to: path)
        records.append(record)
        guard case .grow(let growth) = check.decision else { return (record, nil) }
        let next = try planned(rule.growths)
        try Self.checkPrefix(of: next, agreesWith: plan, before: growth.update)
        plan = next
        return (record, next)
    }

    /// The realised plan: the plan the run followed, with no rule left (runs on any engine).
    var realisedPlan: Plan { plan.realised() }

    private func planned(_ growths: [AdaptiveGrowth]) throws -> Plan {
        do {
            return try replan(growths)
        } catch {
            throw RunError(.internalError, "planning the growth to B \(growths.last?.batch ?? 0) at update "
                           + "\((growths.last?.update ?? 0) + 1) failed: \(error)")
        }
    }

    /// A growth at `update` must leave every update before it as it was: the phases that end by
    /// then unchanged, and the one running then starting where and as it did.
    static func checkPrefix(of next: Plan, agreesWith current: Plan, before update: Int) throws {
        for (index, phase) in current.phases.enumerated() where phase.startUpdate < update {
            guard index < next.phases.count else {
                throw RunError(.internalError, "the plan with a growth at update \(update + 1) lost phase \(index + 1)")
            }
            let other = next.phases[index]
            let same = phase.endUpdate <= update
                ? other == phase
                : other.startUpdate == phase.startUpdate && other.startSample == phase.startSample && other.batch == phase.batch
                    && other.passSizes == phase.passSizes && other.learningRate == phase.learningRate
                    && other.momentum == phase.momentum && other.warmup == phase.warmup
            guard same else {
                throw RunError(.internalError, "the plan with a growth at update \(update + 1) changes phase \(index + 1), "
                               + "which has already run")
            }
        }
    }
}

extension RunDirectory {
    /// adaptive.jsonl: one line per check of an adaptive run.
    public var adaptivePath: String { file("adaptive.jsonl") }
    /// realised-plan.json: the plan an adaptive run followed, written when it finishes.
    public var realisedPlanPath: String { file("realised-plan.json") }
}

extension RunSpecification {
    /// The adaptive side of the run, or nil for a fixed plan; a plan that adapts with nothing to
    /// replan it is refused.
    func adaptiveExecution() throws -> AdaptiveExecution? {
        guard plan.adaptive != nil else { return nil }
        guard let replan else { throw AdaptiveExecution.refusal(plan) }
        return try AdaptiveExecution(plan: plan, replan: replan)
    }
}
