import ScheduleLanguage

extension AdaptiveBatch {
    /// The rule a checked `adapt batch(...)` declares.
    public init(_ spec: AdaptiveSpec) {
        func span(_ span: AdaptiveSpec.Span) -> Span {
            switch span {
            case .steps(let steps): return .updates(steps)
            case .epochs(let epochs): return .epochs(epochs)
            }
        }
        self.init(interval: span(spec.every), smoothing: spec.smoothing, above: spec.above, checks: spec.checks,
                  growth: spec.grow, limit: spec.upTo, gap: spec.gap.map(span), keep: spec.keep == .noise ? .noise : .lr)
    }

    /// The batch one growth from `batch` reaches: B × growth, capped at `limit`, rounded down to
    /// whole ghost batches (so every update keeps whole ghost batches); nil when that is not
    /// larger than `batch` (the batch is at its limit). The runtime's decisions and the
    /// planner's bounds both grow the batch through this.
    public func grownBatch(from batch: Int, ghostBatch: Int?) -> Int? {
        let target = min(snapped(Double(batch) * growth), Double(limit))
        guard target.isFinite, target >= 1 else { return nil }
        var grown = Int(target.rounded(.down))
        if let ghost = ghostBatch, ghost > 1, grown >= ghost { grown -= grown % ghost }
        return grown > batch ? grown : nil
    }

    /// What a plan's rule must satisfy (`Plan.validate()`); nil when it does.
    func violation(maxBatch: Int) -> String? {
        func positive(_ span: Span) -> Bool {
            switch span {
            case .updates(let n): return n >= 1
            case .epochs(let e): return e.isFinite && e > 0
            }
        }
        if !positive(interval) { return "adaptive.every must be at least 1 update or a positive number of epochs" }
        if let gap, !positive(gap) { return "adaptive.gap must be at least 1 update or a positive number of epochs" }
        if !(smoothing >= 0 && smoothing < 1) { return "adaptive.smoothing must be in 0 ≤ s < 1" }
        if !(above.isFinite && above > 0) { return "adaptive.above must be a positive number" }
        if checks < 1 { return "adaptive.checks must be at least 1" }
        if !(growth.isFinite && growth > 1) { return "adaptive.grow must be a number greater than 1" }
        if limit > maxBatch || limit < 1 { return "adaptive.up_to must be in 1...max_batch (\(maxBatch))" }
        return nil
    }
}

extension Plan {
    /// The plan an adaptive run ended up following: this plan (with the run's growths among
    /// its changes, reason `adaptive`) without the rule, so it runs like any fixed plan, on any
    /// engine, and replays the run exactly.
    public func realised() -> Plan {
        var plan = self
        plan.adaptive = nil
        return plan
    }
}

extension Planner {
    /// The plan of an adaptive schedule after the run decided `growths` (in update order): each
    /// is an explicit batch change at the start of its update — `keep: lr` sets B, `keep: noise`
    /// sets B and scales ε by the same factor (like `lr *= f, keep noise`) — applied before any
    /// event taking effect at that update, so a fixed `noise /= 5` there lowers from the grown
    /// batch. Lowering simulates the update stream in order, so the plan agrees with
    /// `plan(program, growths: growths.dropLast())` (and with `plan(program)`) on every update
    /// before the last growth's. `adaptive` stays set: the run keeps adapting.
    ///
    /// Throws (S300) when the schedule has no `adapt batch`, or a growth is not after the
    /// previous one, does not grow the batch in force, passes `up_to`, or falls after the run.
    public static func plan(_ program: CheckedProgram, growths: [AdaptiveGrowth]) throws -> Plan {
        try plan(program, policy: Policy(program.policy), growths: growths)
    }

    static func plan(_ program: CheckedProgram, policy: Policy, growths: [AdaptiveGrowth]) throws -> Plan {
        var timeline = try Timeline(program, policy: policy)
        guard let spec = program.adaptive else {
            guard growths.isEmpty else {
                throw PlanningError("the schedule has no 'adapt batch', so its batch cannot grow by adaptation", range: .at(0))
            }
            return try lower(timeline, program: program, policy: policy)
        }
        let rule = AdaptiveBatch(spec)
        var previous = 0
        for growth in growths {
            guard growth.update > previous else {
                throw PlanningError("adaptive growths must come at increasing updates after the first, not at update \(growth.update) after \(previous)",
                                    range: spec.range)
            }
            previous = growth.update
        }
        // First in the timeline, so a growth applies before the events taking effect at its update.
        timeline.entries = growths.map { growth in
            Timeline.Entry(time: .update(growth.update), change: .adaptiveGrowth(growth, rule: rule), eventIndex: nil,
                           timeText: .event(.step(growth.update)), text: .adaptiveGrowth, range: spec.range)
        } + timeline.entries
        var plan = try lower(timeline, program: program, policy: policy)
        if let late = plan.changes.first(where: { $0.reason == .adaptive && $0.limit == .afterEnd }) {
            throw PlanningError("an adaptive growth at update \(late.update) is at or after the end of the run (\(plan.totalUpdates) updates)",
                                range: spec.range)
        }
        plan.adaptive = rule
        return plan
    }
}

extension LoweringState {
    /// One adaptive growth: B → the decided batch; with `keep: noise` ε follows B (ε × B'/B).
    mutating func applyGrowth(_ growth: AdaptiveGrowth, rule: AdaptiveBatch, range: SourceRange) throws -> Outcome {
        let before = optimizer
        guard growth.batch > before.batch, growth.batch <= min(rule.limit, maxBatch) else {
            throw PlanningError("adaptive growth at update \(growth.update) to batch \(growth.batch): it must be above the batch in force (\(before.batch)) and at most up_to \(min(rule.limit, maxBatch))",
                                range: range)
        }
        optimizer.batch = growth.batch
        floorBatch = growth.batch
        var effect = ChangeEffect.one(ChangeMove(.batch, from: Double(before.batch), to: Double(growth.batch)))
        if rule.keep == .noise {
            optimizer.learningRate = before.learningRate * snapped(Double(growth.batch) / Double(before.batch))
            effect = .two(ChangeMove(.batch, from: Double(before.batch), to: Double(growth.batch)),
                          ChangeMove(.lr, from: before.learningRate, to: decimalClean(optimizer.learningRate)))
        }
        let measured = growth.noiseScale.isFinite
            ? "measured B_simple \(formatNumber(growth.noiseScale)) > \(formatNumber(rule.above)) × \(before.batch)"
            : "grown by the adaptive rule"
        return Outcome(effect: effect, note: .words(measured + (rule.keep == .noise ? "; ε grows with B so the noise scale stays" : "")))
    }
}

extension AdaptiveBatch {
    /// Whether B_simple is measured at the boundary before update `update` (≥ 1), where update
    /// `update − 1` started at sample `previousStart` of the stream and update `update` starts at
    /// `start`: `every: N steps` after every N-th update; `every: E epochs` when a multiple of
    /// E·N samples (rounded up to a whole example, as event times are) lies in
    /// (`previousStart`, `start`] — once, however many multiples do. The bounds `schedc plan`
    /// prints place checks by the same rule (`Planner.adaptiveBounds`).
    public func isCheck(beforeUpdate update: Int, previousStart: Int, start: Int, datasetSize: Int) -> Bool {
        guard update >= 1, start > previousStart else { return false }
        switch interval {
        case .updates(let n):
            return n >= 1 && update % n == 0
        case .epochs(let e):
            let span = e * Double(datasetSize)
            guard span > 0, span.isFinite else { return false }
            // The last multiple at or before `start`: k ≈ start / span, corrected for rounding.
            let estimate = (Double(start) / span).rounded(.down)
            guard estimate < Double(Int.max / 4) else { return false }
            let guess = Int(estimate)
            let last = (max(1, guess - 1)...(guess + 1)).last { position(ofMultiple: $0, span: e, datasetSize: datasetSize) <= start }
            return last.map { position(ofMultiple: $0, span: e, datasetSize: datasetSize) > previousStart } ?? false
        }
    }

    /// Whether `gap` allows a growth at the boundary before update `update` (at sample `sample`)
    /// after one at update `lastUpdate` (sample `lastSample`): `gap: N steps` counts updates,
    /// `gap: E epochs` samples (E·N of them). Without a gap, always.
    public func gapHasPassed(sinceGrowthAt lastUpdate: Int, sample lastSample: Int, toUpdate update: Int, sample: Int,
                             datasetSize: Int) -> Bool {
        switch gap {
        case nil: return true
        case .updates(let n)?: return update - lastUpdate >= n
        case .epochs(let e)?: return Double(sample - lastSample) >= e * Double(datasetSize) * (1 - 1e-12)
        }
    }

    /// Sample position of the k-th multiple of `span` epochs.
    private func position(ofMultiple k: Int, span: Double, datasetSize: Int) -> Int {
        Timeline.samplePosition(ofEpoch: Double(k) * span, datasetSize: datasetSize, cap: Int.max / 4)
    }
}
