import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner

/// What a setting means, for hover and completion (docs/language.md, "Settings", says the same).
struct SettingDocumentation {
    let name: String
    let meaning: String
    let unit: String
    let values: String
    let defaultValue: String

    var markdown: String {
        "**\(name)**: \(meaning)\n\n- unit: \(unit)\n- values: \(values)\n- default: \(defaultValue)"
    }

    static let all: [SettingDocumentation] = [
        .init(name: "schedule", meaning: "the schedule's name (run directories and plans carry it)", unit: "none",
              values: "a name", defaultValue: "required"),
        .init(name: "data", meaning: "the data set; its size N is what the planner counts epochs in", unit: "examples (N)",
              values: "`fashion_mnist`, `mnist` (60 000), `cifar10`, `cifar100` (50 000), `imagenet` (1 281 167); `NAME(subset: K)`; `size N`",
              defaultValue: "required"),
        .init(name: "model", meaning: "the network the run trains", unit: "none",
              values: "`cnn`, `mlp`, `mlp(hidden: [512, 512])`, `wrn(16, 4)` (depth 6n + 4, width ≥ 1)",
              defaultValue: "none: the file can be planned, not run"),
        .init(name: "epochs", meaning: "the length of the run", unit: "epochs (passes over the N examples)",
              values: "a whole number ≥ 1", defaultValue: "required"),
        .init(name: "optimizer", meaning: "the optimiser; its momentum m enters the noise scale g = εN / (B(1 − m))", unit: "none",
              values: "`sgd(momentum: m)`, `nesterov(momentum: m)` (0 ≤ m < 1), `adam(beta1:, beta2:, epsilon:)` (m = 0 in g)",
              defaultValue: "`sgd` (m = 0); nesterov's momentum 0.9"),
        .init(name: "lr", meaning: "the initial learning rate ε", unit: "none (a rate per update)", values: "a number > 0",
              defaultValue: "required"),
        .init(name: "batch", meaning: "the initial batch size B", unit: "examples per update", values: "a whole number ≥ 1, ≤ max_batch",
              defaultValue: "required"),
        .init(name: "max_batch", meaning: "B_max, the largest batch the hardware takes; past it, ε takes the rest of a noise decay",
              unit: "examples per update", values: "a whole number ≥ 1, ≤ N", defaultValue: "N, the data set size"),
        .init(name: "micro_batch", meaning: "the largest batch one forward/backward pass holds; larger batches accumulate gradients over passes",
              unit: "examples per pass", values: "a whole number ≥ 1", defaultValue: "none (one pass per update)"),
        .init(name: "ghost_batch", meaning: "the ghost batch-norm size (batch statistics over groups of this many)",
              unit: "examples", values: "a whole number dividing batch, micro_batch and every `batch =` value",
              defaultValue: "none (plain batch norm)"),
        .init(name: "policy", meaning: "how `noise` events are lowered to B and ε", unit: "none",
              values: "`increase_batch` (grow B, ε past B_max), `decay_lr` (ε only), `hybrid(K)` (grow B at the first K decays), `adabatch(R)` (grow B by at most R)",
              defaultValue: "`increase_batch`"),
        .init(name: "warmup", meaning: "a linear learning-rate warm-up from the start of the run", unit: "epochs or steps",
              values: "`5 epochs`, `500 steps` (shorter than the run)", defaultValue: "none"),
        .init(name: "seed", meaning: "the seed of initialisation and shuffles", unit: "none", values: "a whole number ≥ 0",
              defaultValue: "0"),
        .init(name: "weight_decay", meaning: "L2 weight decay", unit: "none (a coefficient)", values: "a number ≥ 0", defaultValue: "0"),
        .init(name: "adapt", meaning: "grow the batch at run time when the measured noise scale B_simple = tr(Σ)/|G|² stays above k × B",
              unit: "none",
              values: "`batch(every: 50 steps, smoothing: 0.9, above: 2, checks: 3, grow: 2, up_to: B, gap: 1 epoch, keep: lr)`; only `every` is required",
              defaultValue: "none (the batch changes only at events)"),
    ]

    static func named(_ name: String) -> SettingDocumentation? { all.first { $0.name == name } }
}

/// A hover: the text it covers (bytes of the current text) and Markdown.
struct HoverInfo {
    let range: SourceRange
    let markdown: String

    static func at(_ offset: Int, in analysis: Analysis, plans: PlanContext) -> HoverInfo? {
        guard let statement = analysis.syntax.statements.first(where: { $0.range.start <= offset && offset <= $0.range.end }) else {
            return nil
        }
        switch statement {
        case .setting(let setting):
            if contains(setting.name.range, offset), let documentation = SettingDocumentation.named(setting.name.text) {
                return HoverInfo(range: setting.name.range, markdown: documentation.markdown)
            }
            if setting.name.text == "adapt", let hover = adaptiveArgument(setting, offset: offset, plans: plans) { return hover }
            // `epochs 200`: the run's length in the other units.
            if setting.name.text == "epochs", setting.values.count == 1, case .number(let number) = setting.values[0],
               contains(number.range, offset) {
                return time(number.value, .epoch, range: number.range, plans: plans)
            }
            // `warmup 5 epochs`: the length in the other units.
            if setting.name.text == "warmup", setting.values.count == 2, case .number(let number) = setting.values[0],
               case .name(let unitName, nil) = setting.values[1], contains(number.range, offset),
               let unit = TimeUnit(word: unitName.text) {
                return time(number.value, unit, range: number.range, plans: plans)
            }
            return nil
        case .at(let event):
            for time in event.times where contains(time.range, offset) {
                return eventTime(time.range, plans: plans)
                    ?? (time.isPercent ? nil : event.unit.flatMap { self.time(time.number.value, $0.unit, range: time.range, plans: plans) })
            }
            return eventHover(statement.range, offset: offset, in: analysis, plans: plans)
        case .every(let event):
            for number in [event.interval] + [event.from, event.until].compactMap({ $0 }) where contains(number.range, offset) {
                return time(number.value, event.unit.unit, range: number.range, plans: plans)
            }
            return eventHover(statement.range, offset: offset, in: analysis, plans: plans)
        case .invalid:
            return nil
        }
    }

    static func contains(_ range: SourceRange, _ offset: Int) -> Bool { range.start <= offset && offset <= range.end }

    /// `adapt batch(every: 0.5 epochs, ...)`: what a label means; a span in the other units.
    static func adaptiveArgument(_ setting: SettingSyntax, offset: Int, plans: PlanContext) -> HoverInfo? {
        guard case .name(_, let arguments?)? = setting.values.first else { return nil }
        for argument in arguments.arguments where contains(argument.range, offset) {
            if let label = argument.label, contains(label.range, offset), let parameter = AdaptiveSpec.Argument(rawValue: label.text) {
                return HoverInfo(range: label.range, markdown: "**\(parameter.rawValue)** (adapt batch): \(parameter.summary)")
            }
            if let unit = argument.unit, case .number(let number) = argument.value, contains(number.range, offset) {
                return time(number.value, unit.unit, range: number.range, plans: plans)
            }
        }
        return nil
    }

    /// The phase before and after each change the event statement lowers to.
    static func eventHover(_ statement: SourceRange, offset: Int, in analysis: Analysis, plans: PlanContext) -> HoverInfo? {
        guard let planned = plans.planned, let plan = planned.plan, let plannedOffset = plans.plannedOffset(offset),
              let plannedStatement = planned.syntax.statements.first(where: { contains($0.range, plannedOffset) }) else { return nil }
        let lowerings = EventLowering.of(statement: plannedStatement.range, in: planned)
        guard !lowerings.isEmpty else { return nil }
        var sections: [String] = []
        for lowering in lowerings {
            sections.append(describe(lowering, plan: plan))
        }
        if plans.isStale { sections.append(PlanContext.staleNote) }
        return HoverInfo(range: statement, markdown: sections.joined(separator: "\n\n---\n\n"))
    }

    static func describe(_ lowering: EventLowering, plan: Plan) -> String {
        let change = lowering.change
        if change.limit == .afterEnd {
            return "**at \(change.at): \(change.event)** → ignored: after the end of the run (\(plan.epochs) epochs)"
        }
        var text = "**at \(change.at): \(change.event)** → \(change.effect.isEmpty ? "no change" : change.effect)\n\n"
        text += "epoch \(formatNumber(change.epoch)), step \(change.update)\n\n"
        func row(_ name: String, _ value: (Phase) -> String) -> String {
            "| \(name) | \(lowering.before.map(value) ?? "—") | \(lowering.after.map(value) ?? "—") |"
        }
        text += ([
            "| | before | after |", "|---|---|---|",
            row("epochs") { "\(formatNumber($0.startEpoch))–\(formatNumber($0.endEpoch))" },
            row("B") { "\($0.batch)" },
            row("micro × acc") { "\($0.microBatch) × \($0.accumulation)" },
            row("ε") { formatNumber($0.learningRate) + ($0.warmup ? " (warm-up)" : "") },
            row("m") { formatNumber($0.momentum) },
            row("g") { formatNumber($0.noise) },
            row("updates") { "\($0.updates)" },
        ]).joined(separator: "\n")
        if let note = change.note { text += "\n\n" + note }
        return text
    }

    /// A time of an `at` statement: where its event took effect, from the plan.
    static func eventTime(_ timeRange: SourceRange, plans: PlanContext) -> HoverInfo? {
        guard let planned = plans.planned, let plan = planned.plan, let program = planned.program,
              let start = plans.plannedOffset(timeRange.start) else { return nil }
        let plannedRange = SourceRange(start: start, end: start + timeRange.end - timeRange.start)
        guard let change = plan.changes.first(where: { change in
            guard let index = change.eventIndex, index < program.events.count else { return false }
            return program.events[index].timeRange == plannedRange
        }) else { return nil }
        guard change.limit != .afterEnd else {
            return HoverInfo(range: timeRange, markdown: "\(change.at): after the end of the run (\(plan.epochs) epochs)")
        }
        var text = "**epoch \(formatNumber(change.epoch))** = **step \(change.update)** = **sample \(change.sample)** "
        text += change.at == "epoch \(formatNumber(change.epoch))" ? "(N = \(plan.datasetSize))" : "(\(change.at); N = \(plan.datasetSize))"
        if plans.isStale { text += "\n\n" + PlanContext.staleNote }
        return HoverInfo(range: timeRange, markdown: text)
    }

    /// A length or time in one unit, in epochs, steps and samples.
    static func time(_ value: Double, _ unit: TimeUnit, range: SourceRange, plans: PlanContext) -> HoverInfo? {
        guard let plan = plans.planned?.plan, value.isFinite, value >= 0 else { return nil }
        let n = plan.datasetSize
        var text: String
        switch unit {
        case .epoch:
            let sample = Int((value * Double(n)).rounded())
            text = "\(formatNumber(value)) epochs = **\(plan.updates(beforeSample: sample)) steps** = **\(sample) samples**"
        case .step:
            let update = Int(value)
            guard let index = plan.phaseIndex(atUpdate: update) else {
                text = "\(update) steps: past the run's \(plan.totalUpdates) updates"
                break
            }
            let phase = plan.phases[index]
            let sample = phase.startSample + (update - phase.startUpdate) * phase.batch
            text = "\(update) steps ≈ **epoch \(formatNumber(Double(sample) / Double(n)))** ≈ **\(sample) samples** (B = \(phase.batch) there)"
        }
        text += " (N = \(n), \(plan.totalUpdates) updates in all)"
        if plans.isStale { text += "\n\n" + PlanContext.staleNote }
        return HoverInfo(range: range, markdown: text)
    }
}

extension TimeUnit {
    /// `epoch`/`epochs`, `step`/`steps`.
    init?(word: String) {
        switch word {
        case "epoch", "epochs": self = .epoch
        case "step", "steps": self = .step
        default: return nil
        }
    }
}
