import ScheduleLanguage
import SchedulePlanner

/// One thing an engine cannot run (S4xx), tied to the phase (and so to the event) that causes it.
/// `schedc lint --engine E` reports them and `schedc export --engine E` refuses with the same
/// errors, so a plan that lints clean for an engine exports.
public struct EngineFinding: Hashable, Sendable {
    public var code: DiagnosticCode
    public var severity: Diagnostic.Severity
    /// Index into `Plan.phases`; nil for a finding about the whole plan (the micro batch).
    public var phase: Int?
    public var message: String
    public var notes: [String]
    /// What tells it apart from the same code's findings on other phases: "phase 3: 272".
    public var short: String = ""
}

/// What each engine cannot express, checked update by update against the plan's clock.
public enum EngineLimits {
    /// Every finding for `plan` on `target`, in phase order.
    public static func findings(for plan: Plan, target: EngineTarget) -> [EngineFinding] {
        var findings: [EngineFinding] = []
        let w = target.worldSize
        if let micro = target.microBatch, let limit = plan.microBatch, micro > limit {
            findings.append(EngineFinding(
                code: .microBatchOverLimit, severity: .error, phase: nil,
                message: "micro batch \(micro) per rank is over the plan's micro_batch \(limit)",
                notes: ["micro_batch is the largest pass the schedule says fits in memory; use --micro-batch \(limit) or less"]))
        }
        switch target.engine {
        case .embedded, .pytorch:
            // The embedded runtime runs every plan; the PyTorch module splits any pass among
            // the ranks (by ghost batches, shares differing by at most one) and weights each
            // rank's loss so the all-reduce gives the global mean (docs/engines.md).
            return findings
        case .megatron, .deepspeed:
            break
        }
        let micro = microBatch(for: plan, target: target)
        let sizes = updateSizes(of: plan)
        for (index, phase) in plan.phases.enumerated() {
            let phaseSizes = sizes[index]
            let unit = micro * w
            let bad = phaseSizes.filter { $0 % unit != 0 }
            if !bad.isEmpty {
                var notes = ["\(displayName(target.engine)) runs a batch of b examples as b / (micro × world) micro batches "
                             + "of \(micro) on each of \(w) ranks"]
                if bad.contains(where: { $0 != phase.batch }) {
                    notes.append("the last update of an epoch takes the examples left (N mod B); "
                                 + "a batch that divides N = \(plan.datasetSize) has none")
                }
                let list = bad.sorted(by: >).map(String.init).joined(separator: ", ")
                findings.append(EngineFinding(
                    code: .indivisibleBatch, severity: .error, phase: index,
                    message: "phase \(index + 1): batch \(list) is not a multiple of micro batch × world size = \(micro) × \(w) = \(unit)",
                    notes: notes, short: "phase \(index + 1) (batch \(list))"))
            }
            if target.engine == .megatron, phaseSizes.contains(where: { $0 != phase.batch }) {
                let short = phaseSizes.filter { $0 != phase.batch }.sorted(by: >).map(String.init).joined(separator: ", ")
                findings.append(EngineFinding(
                    code: .shortUpdates, severity: .error, phase: index,
                    message: "phase \(index + 1): Megatron-LM cannot run its short updates (\(short) examples); "
                        + "its sample stream would cross epochs and shift every later update",
                    notes: ["Megatron-LM's global batch depends on consumed samples only; schedc ends every epoch with the "
                            + "N mod B examples left, so B must divide N = \(plan.datasetSize)"],
                    short: "phase \(index + 1) (\(short) examples)"))
            }
        }
        if target.engine == .megatron, let reason = MegatronArguments.rampupRefusal(for: plan) {
            findings.append(EngineFinding(code: .notALinearRamp, severity: .information, phase: reason.phase,
                                          message: reason.message,
                                          notes: ["--step-batch-size-schedule (Megatron-LM since April 2026) runs any batch "
                                                  + "schedule; --rampup-batch-size, deprecated there, only a linear ramp"]))
        }
        return findings
    }

    /// The per-rank micro batch an export uses: the one asked for, or the largest that divides
    /// every update's share of a rank and fits the plan's micro_batch (1 when no such one).
    public static func microBatch(for plan: Plan, target: EngineTarget) -> Int {
        if let micro = target.microBatch { return micro }
        let all = updateSizes(of: plan).flatMap { $0 }
        let common = all.reduce(0, gcd)
        guard common % target.worldSize == 0 else { return 1 }
        let perRank = common / target.worldSize
        let limit = plan.microBatch ?? perRank
        var best = 1
        var d = 1
        while d * d <= perRank {
            if perRank % d == 0 {
                if d <= limit { best = max(best, d) }
                if perRank / d <= limit { best = max(best, perRank / d) }
            }
            d += 1
        }
        return best
    }

    /// The distinct sizes of the updates of each phase (B, and the short ones).
    public static func updateSizes(of plan: Plan) -> [Set<Int>] {
        var sizes = [Set<Int>](repeating: [], count: plan.phases.count)
        for reading in PlanClock(plan: plan).readings() { sizes[reading.phase].insert(reading.batch) }
        return sizes
    }

    /// The findings as diagnostics, each at the event that made its phase (the `batch` setting
    /// for the first phase; the `micro_batch` setting for the micro batch). Findings of one
    /// code on one statement (`at epoch 6, 12: ...` makes two phases) become one diagnostic,
    /// the others named in a note.
    public static func diagnostics(for plan: Plan, program: CheckedProgram, target: EngineTarget) -> [Diagnostic] {
        var order: [String] = []
        var groups: [String: [(finding: EngineFinding, range: SourceRange)]] = [:]
        for finding in findings(for: plan, target: target) {
            let range = range(of: finding, plan: plan, program: program)
            let key = "\(finding.code.rawValue)@\(range.start)-\(range.end)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((finding, range))
        }
        return order.map { key -> Diagnostic in
            let group = groups[key]!
            let first = group[0].finding
            var notes = first.notes.map { Diagnostic.Note($0) }
            let others = group.dropFirst().map(\.finding.short).filter { !$0.isEmpty }
            if !others.isEmpty { notes.insert(Diagnostic.Note("also " + others.joined(separator: ", ")), at: 0) }
            return Diagnostic(code: first.code, severity: first.severity, message: first.message, range: group[0].range,
                              notes: notes)
        }
        .sorted { ($0.range.start, $0.code) < ($1.range.start, $1.code) }
    }

    static func range(of finding: EngineFinding, plan: Plan, program: CheckedProgram) -> SourceRange {
        guard let index = finding.phase else {
            return program.settingRanges["micro_batch"] ?? program.settingRanges["batch"] ?? .at(0)
        }
        let start = plan.phases[index].startSample
        // The last event applied where the phase starts made it what it is.
        if index > 0, let change = plan.changes.last(where: { $0.sample == start && $0.eventIndex != nil }),
           let event = change.eventIndex, program.events.indices.contains(event) {
            return program.events[event].range
        }
        if index > 0, plan.changes.contains(where: { $0.sample == start && $0.eventIndex == nil }) {
            return program.settingRanges["warmup"] ?? .at(0)
        }
        return program.settingRanges["batch"] ?? .at(0)
    }

    /// How messages name the engine.
    public static func displayName(_ engine: Engine) -> String {
        switch engine {
        case .embedded: return "the embedded runtime"
        case .pytorch: return "PyTorch"
        case .megatron: return "Megatron-LM"
        case .deepspeed: return "DeepSpeed"
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
