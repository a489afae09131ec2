import ScheduleLanguage

/// What `schedc plan` can say of an adaptive schedule before it runs: the batch grows only when
/// the measured noise scale says so, so the plan is a range. At one end the batch never grows
/// (the plan without growths); at the other it grows at every check the rule permits: each
/// `checks` checks in a row positive, at least `gap` after the previous growth.
public struct AdaptiveBounds: Hashable, Sendable {
    /// The earliest a growth can make the batch `batch`: from update `update` (epoch `epoch`).
    public struct Reach: Hashable, Sendable {
        public var batch: Int
        public var update: Int
        public var epoch: Double
    }

    /// Each batch size the growths can reach, at the earliest, in order. The latest is never:
    /// the batch may never grow.
    public var earliest: [Reach]
    /// The plan with a growth at every permitted check.
    public var earliestPlan: Plan
    /// Updates of the run: from the earliest-growth plan's (fewest) to the no-growth plan's (most).
    public var updates: ClosedRange<Int>
}

extension Planner {
    /// The bounds of an adaptive schedule (nil for a fixed one). Checks come at the first update
    /// boundary at or after each multiple of `every` (in updates, or in samples for epochs); a
    /// growth resets the count of positive checks in a row, and `gap` is counted from the
    /// growth's update (in samples for epochs). This assumes the measurement is positive at
    /// every check; the real run grows at those checks or later. Multiples of a span shorter
    /// than an update that fall on one boundary make one check.
    ///
    /// The work grows with the growths and phases, not the checks: the next growth is found by
    /// binary search over the check index (boundaries, and whether the gap has passed, are
    /// monotone in it), so `every: 1 step` over a billion updates costs no more than a few.
    public static func adaptiveBounds(_ program: CheckedProgram) throws -> AdaptiveBounds? {
        guard let spec = program.adaptive else { return nil }
        let rule = AdaptiveBatch(spec)
        let fixed = try plan(program)
        var current = fixed
        var growths: [AdaptiveGrowth] = []
        var last: CheckBoundary?
        // The last check counted (its index and boundary), and a check at which the positive
        // checks in a row already number `checks` (after a phase in which B could not grow).
        var index = 0, counted = 0
        var ready: (Int, CheckBoundary)?
        search: while true {
            var candidate: (index: Int, boundary: CheckBoundary)
            if let check = ready {
                candidate = check
                ready = nil
            } else {
                // `checks` more checks, each at a boundary of its own.
                var found: (Int, CheckBoundary)?
                for _ in 0..<rule.checks {
                    guard let check = firstCheck(from: index + 1, of: rule.interval, in: current,
                                                 where: { [counted] in $0.update > counted }) else { break search }
                    (index, counted) = (check.0, check.1.update)
                    found = check
                }
                candidate = found!
            }
            guard let (gapIndex, boundary) = firstCheck(from: candidate.index, of: rule.interval, in: current,
                                                        where: { gapPassed(rule, since: last, to: $0, datasetSize: current.datasetSize) })
            else { break }
            (index, counted) = (gapIndex, boundary.update)
            let phase = current.phases[current.phaseIndex(atUpdate: boundary.update - 1)!]
            guard let grown = rule.grownBatch(from: phase.batch, ghostBatch: program.ghostBatchSize) else {
                // No growth while this phase's batch is in force; every later check is positive
                // too, so the first check after the phase ends may grow.
                guard let after = firstCheck(from: index + 1, of: rule.interval, in: current,
                                             where: { $0.update > phase.endUpdate }) else { break }
                (index, counted) = (after.0, after.1.update)
                ready = after
                continue
            }
            growths.append(AdaptiveGrowth(update: boundary.update, batch: grown, noiseScale: .nan))
            current = try plan(program, growths: growths)
            last = boundary
        }
        let earliest = growths.map { growth in
            AdaptiveBounds.Reach(batch: growth.batch, update: growth.update,
                                 epoch: current.changes.first { $0.reason == .adaptive && $0.update == growth.update }?.epoch ?? 0)
        }
        return AdaptiveBounds(earliest: earliest, earliestPlan: current,
                              updates: min(current.totalUpdates, fixed.totalUpdates)...fixed.totalUpdates)
    }

    static func gapPassed(_ rule: AdaptiveBatch, since last: CheckBoundary?, to boundary: CheckBoundary, datasetSize: Int) -> Bool {
        guard let last else { return true }
        return rule.gapHasPassed(sinceGrowthAt: last.update, sample: last.sample, toUpdate: boundary.update, sample: boundary.sample,
                                 datasetSize: datasetSize)
    }

    /// An update boundary: the start of update `update`, at sample `sample` of the stream.
    struct CheckBoundary {
        var update: Int
        var sample: Int
    }

    /// The first check from index `start` on whose boundary satisfies `condition` (false, then
    /// true, as the index grows), with its index; nil when no check of the run does.
    static func firstCheck(from start: Int, of interval: AdaptiveBatch.Span, in plan: Plan,
                           where condition: (CheckBoundary) -> Bool) -> (Int, CheckBoundary)? {
        // The last check inside the run: boundaries exist for indices 1...lastIndex.
        var low = 0, high = 1 << 53
        while low < high {
            let middle = low + (high - low + 1) / 2
            if checkBoundary(middle, of: interval, in: plan) != nil { low = middle } else { high = middle - 1 }
        }
        let lastIndex = low
        guard start <= lastIndex, let lastBoundary = checkBoundary(lastIndex, of: interval, in: plan), condition(lastBoundary) else { return nil }
        var first = max(start, 1), upper = lastIndex
        while first < upper {
            let middle = first + (upper - first) / 2
            if condition(checkBoundary(middle, of: interval, in: plan)!) { upper = middle } else { first = middle + 1 }
        }
        return (first, checkBoundary(first, of: interval, in: plan)!)
    }

    /// Where check `k` (from 1) happens: the first update boundary at or after k × `interval`;
    /// nil when that is at or past the end of the run.
    static func checkBoundary(_ k: Int, of interval: AdaptiveBatch.Span, in plan: Plan) -> CheckBoundary? {
        guard k >= 1 else { return nil }
        let end = plan.datasetSize * plan.epochs
        switch interval {
        case .updates(let n):
            let (product, overflow) = k.multipliedReportingOverflow(by: n)
            guard !overflow, product < plan.totalUpdates, let index = plan.phaseIndex(atUpdate: product) else { return nil }
            let phase = plan.phases[index]
            let sample = CountingRule.advance(from: phase.startSample, updates: product - phase.startUpdate, batch: phase.batch,
                                              datasetSize: plan.datasetSize)
            return CheckBoundary(update: product, sample: sample)
        case .epochs(let e):
            let target = Timeline.samplePosition(ofEpoch: Double(k) * e, datasetSize: plan.datasetSize, cap: end)
            guard target < end else { return nil }
            let update = plan.updates(beforeSample: target)
            guard update < plan.totalUpdates, let index = plan.phaseIndex(atUpdate: update) else { return nil }
            let phase = plan.phases[index]
            let sample = CountingRule.advance(from: phase.startSample, updates: update - phase.startUpdate, batch: phase.batch,
                                              datasetSize: plan.datasetSize)
            return CheckBoundary(update: update, sample: sample)
        }
    }
}

extension AdaptiveBounds {
    /// The lines of `Plan.table(bounds:)` under the rule: when the batch can grow, and the
    /// range of the update count.
    func lines(for plan: Plan) -> [String] {
        var lines: [String] = []
        let first = plan.phases.first?.batch ?? 0
        if earliest.isEmpty {
            lines.append("  no check can grow the batch: it stays as planned above (\(plan.totalUpdates) updates)")
        } else {
            lines.append("  decided at run time: the table above is the run in which B never grows (it may not)")
            lines.append("  at the earliest (every check positive), B \(first) reaches")
            for reach in earliest {
                lines.append("    \(reach.batch) from step \(reach.update) (epoch \(formatNumber((reach.epoch * 100).rounded() / 100)))")
            }
            lines.append("  total updates: \(updates.lowerBound) (earliest growths) to \(updates.upperBound) (no growth)")
        }
        return lines
    }
}

extension AdaptiveBatch {
    /// `every 50 steps, B_simple > 2 × B for 3 checks, × 2 up to 1024, gap 1 epoch, keep lr`.
    public var summary: String {
        func describe(_ span: Span) -> String {
            switch span {
            case .updates(let n): return n == 1 ? "1 step" : "\(n) steps"
            case .epochs(let e): return e == 1 ? "1 epoch" : "\(formatNumber(e)) epochs"
            }
        }
        var text = "every \(describe(interval)), grow × \(formatNumber(growth)) up to \(limit) when B_simple > \(formatNumber(above)) × B"
        text += checks == 1 ? " at a check" : " at \(checks) checks in a row"
        text += " (smoothing \(formatNumber(smoothing)))"
        if let gap { text += ", at least \(describe(gap)) apart" }
        text += keep == .lr ? "; ε kept, the noise falls" : "; ε grows with B, the noise kept"
        return text
    }
}
