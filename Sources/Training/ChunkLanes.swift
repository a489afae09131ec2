import TensorKernels

// The chunks of a training pass on two lanes (which chunks, and on which lane: `PassCut`).
//
// With ghost batch norm, the chunks of a pass (whole ghost batches, see `Model`) share nothing
// until their gradients are added up: each is a forward and backward of its own. So a pass of
// several chunks runs them on two *lanes*: the model itself takes chunks 0, 2, 4, …, a second
// copy of it (same architecture, the parameter values copied in at the start of the pass)
// takes chunks 1, 3, 5, …. On two cores each lane runs on its own core, its chunks one after
// the other with single-threaded kernels, and the lanes meet once, at the end of the pass.
// That is data parallelism over ghost batches, the way large batches use several
// accelerators: no synchronisation inside the layers (a chunk on both cores meets at every
// kernel), and each core keeps to its own chunk's data.
//
// The result does not depend on the thread count: the lanes' gradient sums are kept apart and
// added at the end of the pass (this model's += the second lane's, element by element), on one
// core as on two; the losses add up in chunk order; and the batch-norm layers defer their
// running-statistics updates, which are then applied in chunk order — the same updates, in the
// same order, as when every chunk runs on one model.
//
// A pass of one chunk (a batch of at most one ghost batch), and the last chunk of an odd
// number, run on the model itself with every kernel split across the threads; with more than
// two threads the lanes take turns, each chunk using every thread (same bits).

extension Model {
    /// The pass cut by `cut` (more than one chunk, two lanes) on its lanes; see above.
    func accumulateGradientsOnTwoLanes(_ cut: PassCut, from dataset: Dataset, batchSize: Int,
                                       example: (Int) -> Int) -> CrossEntropyResult {
        let chunks = cut.chunks
        let lanes = [self, synchronisedSecondLane()]
        let statistics = lanes.map(\.network.runningStatistics)
        for laneStatistics in statistics { for s in laneStatistics { s.defersUpdates = true } }

        let results = UnsafeMutableBufferPointer<CrossEntropyResult>.allocate(capacity: chunks.count)
        defer { results.deallocate() }
        func train(_ c: Int) {
            results[c] = lanes[c % 2].trainChunk(chunks[c], from: dataset, batchSize: batchSize, example: example)
        }
        // An odd last chunk would leave one core idle for a whole chunk (a third of the time of
        // a pass of three): it runs after the others, on its lane with every kernel split
        // across the threads (the same bits, as the kernels give on any thread count).
        let paired = cut.pairedChunks
        if cut.lanesRunConcurrently {
            // Inside the pool's loop, each lane's kernels run on the thread that runs the lane.
            pool.parallelFor(2) { lane in
                for c in stride(from: lane, to: paired, by: 2) { train(c) }
            }
        } else {
            for c in 0..<paired { train(c) }
        }
        if paired < chunks.count { train(paired) }

        var total = CrossEntropyResult(lossSum: 0, correct: 0)
        for c in chunks.indices {
            for (mine, theirs) in zip(statistics[0], statistics[c % 2]) { mine.fold(theirs) }
            total.lossSum += results[c].lossSum
            total.correct += results[c].correct
        }
        for laneStatistics in statistics { for s in laneStatistics { s.defersUpdates = false } }
        for (mine, theirs) in zip(parameters, lanes[1].parameters) {
            let sum = mine.gradient.data, addend = UnsafePointer(theirs.gradient.data)
            parallelElements(mine.gradient.count, pool: pool) { range in
                for i in range { sum[i] += addend[i] }
            }
        }
        return total
    }

    /// The second lane, built on first use, with this model's parameter values and chunking and
    /// zero gradients.
    private func synchronisedSecondLane() -> Model {
        let lane: Model
        if let existing = secondLane {
            lane = existing
        } else {
            lane = Model(architecture: architecture, channels: channels, height: height, width: width, classes: classes,
                         ghostBatch: ghostBatch, seed: 0, pool: pool)
            lane.chunkLanes = 1
            secondLane = lane
        }
        lane.chunkExamples = chunkExamples
        lane.pieceExamples = pieceExamples
        for (mine, copy) in zip(parameters, lane.parameters) {
            copy.value.data.update(from: mine.value.data, count: mine.value.count)
        }
        lane.zeroGradients()
        return lane
    }
}
