/// How a batch larger than `micro_batch` runs: as several forward/backward passes whose
/// gradients are accumulated before the one update.
///
/// The batch is cut into units: ghost batches when `ghost_batch` is set (and fits in a pass),
/// single examples otherwise, so no ghost batch is ever split across passes. A pass holds
/// ⌊micro/unit⌋ units; the batch needs a = ⌈units/per-pass⌉ passes, and the units are dealt out
/// as evenly as possible, larger passes first: pass sizes differ by at most one unit (the last
/// pass also holds a partial unit when the batch is not a whole number of units).
///
/// Examples: B 5120, micro 1024 → 1024 × 5. B 1280, micro 1024 → 640 + 640.
/// B 1000, micro 300 → 250 × 4. B 5120, micro 1000, ghost 128 → 896 × 4 + 768 × 2.
public enum MicroBatching {
    /// The sizes of the passes of one batch of `batch` examples (sum = batch, each ≤ micro).
    public static func passSizes(batch: Int, microBatch: Int?, ghostBatch: Int?) -> [Int] {
        guard batch > 0 else { return [] }
        guard let micro = microBatch, micro < batch else { return [batch] }
        let unit = ghostBatch.map { $0 <= micro ? $0 : 1 } ?? 1
        let units = CountingRule.ceilDiv(batch, unit)
        let partial = batch % unit  // examples in the last unit when it is partial, else 0
        let unitsPerPass = micro / unit
        let passes = CountingRule.ceilDiv(units, unitsPerPass)
        let base = units / passes, extra = units % passes
        var sizes = (0..<passes).map { ($0 < extra ? base + 1 : base) * unit }
        // The partial unit sits in the last pass (the smallest, so it stays ≤ micro).
        if partial > 0 { sizes[passes - 1] -= unit - partial }
        return sizes
    }
}
