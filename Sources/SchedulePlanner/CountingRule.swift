/// The counting rule: how updates are laid over the sample stream. The runtime follows it
/// exactly (it executes `Plan.steps(inEpoch:)`), so the planner's update count is the run's.
///
/// - Every epoch is a pass over a fresh shuffle of the N examples, cut into consecutive batches
///   of the current B; batches never straddle epochs.
/// - The last batch of an epoch takes the examples left (N mod B of them when B does not divide
///   N) and is still one update: an epoch at a fixed B is ⌈N/B⌉ updates.
/// - A change takes effect at the first update that starts at or after its position in the
///   stream; if no update of that epoch starts there, at the start of the next epoch.
enum CountingRule {
    /// ⌈a/b⌉ for a ≥ 0, b > 0.
    static func ceilDiv(_ a: Int, _ b: Int) -> Int { a == 0 ? 0 : (a - 1) / b + 1 }

    /// Updates per epoch at batch size B.
    static func updatesPerEpoch(batch: Int, datasetSize n: Int) -> Int { ceilDiv(n, batch) }

    /// From `from` (where an update starts), batches of `batch` run until the first update that
    /// starts at or after `target`. Returns where that update starts and how many ran before it.
    static func advance(from: Int, toSample target: Int, batch: Int, datasetSize n: Int) -> (sample: Int, updates: Int) {
        guard target > from else { return (from, 0) }
        let fromEpoch = from / n, fromOffset = from % n
        let targetEpoch = target / n, targetOffset = target % n
        if targetEpoch == fromEpoch {
            let k = ceilDiv(targetOffset - fromOffset, batch)
            let start = fromOffset + k * batch
            if start >= n { return ((fromEpoch + 1) * n, ceilDiv(n - fromOffset, batch)) }
            return (fromEpoch * n + start, k)
        }
        let perEpoch = updatesPerEpoch(batch: batch, datasetSize: n)
        var updates = ceilDiv(n - fromOffset, batch) + (targetEpoch - fromEpoch - 1) * perEpoch
        let k = ceilDiv(targetOffset, batch)
        if k * batch >= n { return ((targetEpoch + 1) * n, updates + perEpoch) }
        updates += k
        return (targetEpoch * n + k * batch, updates)
    }

    /// Where the update `count` updates after the one starting at `from` starts.
    static func advance(from: Int, updates count: Int, batch: Int, datasetSize n: Int) -> Int {
        let fromEpoch = from / n, fromOffset = from % n
        let rest = ceilDiv(n - fromOffset, batch)
        if count < rest { return from + count * batch }
        let perEpoch = updatesPerEpoch(batch: batch, datasetSize: n)
        let after = count - rest
        return (fromEpoch + 1 + after / perEpoch) * n + (after % perEpoch) * batch
    }
}
