/// The one rule for how the runtime cuts a batch, below the plan.
///
/// The plan cuts a batch into *passes* (`pass_sizes`: micro batch × accumulation); the runtime
/// never changes them. Each pass is then cut here, and only here:
///
/// - into *chunks* of at most `chunkExamples` consecutive examples (forward, loss and backward
///   per chunk; gradients add up), so activation memory stays bounded. With ghost batch norm
///   `chunkExamples` is a whole number of ghost batches, so batch-norm statistics never cross a
///   chunk; with whole-pass batch norm a pass is one chunk;
/// - with ghost batch norm and more than one chunk, onto two *lanes* (the model and a copy of
///   it): chunk c runs on lane c mod 2, in pairs, and an odd last chunk runs alone at the end
///   (ChunkLanes.swift). The lanes run at the same time on two threads and take turns
///   otherwise, which changes the speed, never the bits: the chunks and lanes do not depend on
///   the thread count.
public struct PassCut: Equatable, Sendable {
    /// Consecutive ranges of pass positions covering the pass.
    public var chunks: [Range<Int>]
    /// Whether the chunks run on two lanes.
    public var usesTwoLanes: Bool
    /// With two lanes, the first `pairedChunks` chunks run in pairs (lane c mod 2); the rest
    /// (at most one) runs alone, on the first lane.
    public var pairedChunks: Int
    /// Whether the two lanes run at the same time (one thread each) rather than taking turns.
    public var lanesRunConcurrently: Bool

    /// The cut of a pass of `passSize` examples; `lanes` is 1 or 2 (`Model.chunkLanes`).
    public static func cut(passSize: Int, chunkExamples: Int, ghostBatch: Int?, lanes: Int, threads: Int) -> PassCut {
        let chunks = stride(from: 0, to: passSize, by: chunkExamples).map { $0..<min(passSize, $0 + chunkExamples) }
        // The MLP's chunks (no batch norm) are independent too, but its GEMMs of 512 rows
        // already split well across the threads, so it keeps one lane.
        let twoLanes = chunks.count > 1 && lanes == 2 && ghostBatch != nil
        return PassCut(chunks: chunks, usesTwoLanes: twoLanes, pairedChunks: twoLanes ? chunks.count - chunks.count % 2 : 0,
                       lanesRunConcurrently: twoLanes && threads == 2)
    }

    /// Examples per chunk for a model: with ghost batch norm, the smallest whole number of ghost
    /// batches holding at least `preferred` examples (within the memory budget `fitting`); with
    /// whole-pass batch norm, no limit; without batch norm, `dense` (capped by `fitting`).
    public static func chunkExamples(usesBatchNorm: Bool, ghostBatch: Int?, fitting: Int, preferred: Int, dense: Int) -> Int {
        guard usesBatchNorm else { return min(fitting, dense) }
        guard let ghostBatch else { return Int.max }
        let wanted = (preferred + ghostBatch - 1) / ghostBatch * ghostBatch
        return max(ghostBatch, min(wanted, fitting / ghostBatch * ghostBatch))
    }
}
