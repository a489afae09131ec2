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
    /// every check; the real run grows at those checks or later.
    public static func adaptiveBounds(_ program: CheckedProgram) throws -> AdaptiveBounds? {
        guard let spec = program.adaptive else { return nil }
        let rule = AdaptiveBatch(spec)
        let fixed = try plan(program)
        var current = fixed
        var growths: [AdaptiveGrowth] = []
        var positives = 0
        var last: (update: Int, sample: Int)?
        var check = 1
        while true {
            guard let boundary = checkBoundary(check, of: rule.interval, in: current), boundary.update < current.totalUpdates else { break }
            check += 1
            positives += 1
            guard positives >= rule.checks, gapPassed(since: last, to: boundary, gap: rule.gap, datasetSize: current.datasetSize),
                  let before = current.phaseIndex(atUpdate: boundary.update - 1),
                  let grown = rule.grownBatch(from: current.phases[before].batch, ghostBatch: program.ghostBatchSize) else { continue }
            growths.append(AdaptiveGrowth(update: boundary.update, batch: grown, noiseScale: .nan))
            current = try plan(program, growths: growths)
            positives = 0
            last = boundary
        }
        let earliest = growths.map { growth in
            AdaptiveBounds.Reach(batch: growth.batch, update: growth.update,
                                 epoch: current.changes.first { $0.reason == .adaptive && $0.update == growth.update }?.epoch ?? 0)
        }
        return AdaptiveBounds(earliest: earliest, earliestPlan: current,
                              updates: min(current.totalUpdates, fixed.totalUpdates)...fixed.totalUpdates)
    }

    /// Where check `k` (from 1) happens: the first update boundary at or after k × `interval`;
    /// nil when that is past the run.
    static func checkBoundary(_ k: Int, of interval: AdaptiveBatch.Span, in plan: Plan) -> (update: Int, sample: Int)? {
        let end = plan.datasetSize * plan.epochs
        switch interval {
        case .updates(let n):
            let (product, overflow) = k.multipliedReportingOverflow(by: n)
            guard !overflow, product < plan.totalUpdates, let index = plan.phaseIndex(atUpdate: product) else { return nil }
            let phase = plan.phases[index]
            let sample = CountingRule.advance(from: phase.startSample, updates: product - phase.startUpdate, batch: phase.batch,
                                              datasetSize: plan.datasetSize)
            return (product, sample)
        case .epochs(let e):
            let target = Timeline.samplePosition(ofEpoch: Double(k) * e, datasetSize: plan.datasetSize, cap: end)
            guard target < end else { return nil }
            let update = plan.updates(beforeSample: target)
            guard update < plan.totalUpdates, let index = plan.phaseIndex(atUpdate: update) else { return nil }
            let phase = plan.phases[index]
            let sample = CountingRule.advance(from: phase.startSample, updates: update - phase.startUpdate, batch: phase.batch,
                                              datasetSize: plan.datasetSize)
            return (update, sample)
        }
    }

    static func gapPassed(since last: (update: Int, sample: Int)?, to boundary: (update: Int, sample: Int), gap: AdaptiveBatch.Span?,
                          datasetSize: Int) -> Bool {
        guard let last, let gap else { return true }
        switch gap {
        case .updates(let n): return boundary.update - last.update >= n
        case .epochs(let e): return Double(boundary.sample - last.sample) >= e * Double(datasetSize) * (1 - 1e-12)
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
