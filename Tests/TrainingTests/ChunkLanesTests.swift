import XCTest
import TensorKernels
@testable import Training

/// The chunks of a pass on two lanes (ChunkLanes.swift): same bits on one and two threads, the
/// running statistics updated exactly as on one lane, the gradient within rounding of it.
final class ChunkLanesTests: XCTestCase {
    private let data = prototypeDataset(count: 96, height: 12, width: 12, classes: 4, seed: 21)

    private func makeModel(_ architecture: ModelArchitecture = .cnn, threads: Int, lanes: Int) -> Model {
        let model = Model(architecture: architecture, channels: 1, height: 12, width: 12, classes: 4, ghostBatch: 8, seed: 5,
                          pool: ThreadPool(threads: threads))
        model.chunkExamples = 8  // a pass of 40 is five chunks: lanes 0, 1, 0, 1, 0
        model.chunkLanes = lanes
        return model
    }

    /// Three steps of 40 examples (five chunks each, the last lane-0 chunk alone).
    private func train(_ model: Model) -> [NamedTensor] {
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4)
        for step in 0..<3 {
            model.trainStep(on: data, indices: Array((step * 29)..<(step * 29 + 40)).map { $0 % data.count }, optimizer: optimizer)
        }
        return model.stateTensors + optimizer.stateTensors
    }

    func testOneAndTwoThreadsGiveTheSameBits() {
        for architecture in [ModelArchitecture.cnn, .wrn(depth: 10, width: 1)] {
            let one = train(makeModel(architecture, threads: 1, lanes: 2))
            let two = train(makeModel(architecture, threads: 2, lanes: 2))
            XCTAssertEqual(one, two, "\(architecture)")
            XCTAssertEqual(two, train(makeModel(architecture, threads: 2, lanes: 2)), "a second run, \(architecture)")
        }
    }

    func testRunningStatisticsAreThoseOfOneLaneAndTheGradientWithinRounding() {
        let models = [makeModel(threads: 2, lanes: 2), makeModel(threads: 2, lanes: 1)]
        var results: [(gradients: [[Float]], statistics: [[Float]], result: CrossEntropyResult)] = []
        for model in models {
            model.zeroGradients()
            let result = model.accumulateGradients(from: data, indices: Array(0..<40), batchSize: 40)
            results.append((model.parameters.map { $0.gradient.values }, model.buffers.map { $0.tensor.values }, result))
        }
        XCTAssertNotNil(models[0].secondLane, "a pass of five chunks ran on two lanes")
        XCTAssertNil(models[1].secondLane)
        // The statistics layers deferred their updates and folded them in chunk order: same bits.
        XCTAssertEqual(results[0].statistics, results[1].statistics)
        XCTAssertFalse((models[0].network.runningStatistics + models[0].secondLane!.network.runningStatistics).contains { $0.defersUpdates || $0.hasPendingUpdates })
        // The losses add up in chunk order on both.
        XCTAssertEqual(results[0].result, results[1].result)
        // Two gradient sums added at the end instead of one: the same up to rounding, not the same bits.
        var worst: Float = 0
        for (a, b) in zip(results[0].gradients, results[1].gradients) {
            let scale = max(1e-3, b.map(abs).max()!)
            worst = max(worst, zip(a, b).map { abs($0 - $1) }.max()! / scale)
        }
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertGreaterThan(results[0].gradients.joined().map(abs).max()!, 0)
    }

    func testTheSecondLaneFollowsTheParameters() {
        // After a step, the second lane must train with the new weights, not the ones it copied first.
        let model = makeModel(threads: 2, lanes: 2)
        let optimizer = Optimizer(kind: .sgd, learningRate: 0.1)
        model.trainStep(on: data, indices: Array(0..<16), optimizer: optimizer)
        model.trainStep(on: data, indices: Array(16..<32), optimizer: optimizer)
        let lane = model.secondLane!
        XCTAssertNotEqual(lane.parameters.map { $0.value.values }, model.parameters.map { $0.value.values },
                          "the lane copied the weights before the last update")
        model.zeroGradients()
        _ = model.accumulateGradients(from: data, indices: Array(0..<16), batchSize: 16)
        XCTAssertEqual(lane.parameters.map { $0.value.values }, model.parameters.map { $0.value.values })
    }
}

/// The one cutting rule (`PassCut`): chunks of whole ghost batches, two lanes only with ghost
/// batch norm and more than one chunk, and nothing but the lanes' concurrency depends on threads.
final class PassCutTests: XCTestCase {
    func testChunksAndLanes() {
        let cut = PassCut.cut(passSize: 40, chunkExamples: 8, ghostBatch: 4, lanes: 2, threads: 2)
        XCTAssertEqual(cut.chunks, [0..<8, 8..<16, 16..<24, 24..<32, 32..<40])
        XCTAssertTrue(cut.usesTwoLanes)
        XCTAssertEqual(cut.pairedChunks, 4)
        XCTAssertTrue(cut.lanesRunConcurrently)
        // One chunk, no ghost batch norm, or one lane: one lane.
        XCTAssertFalse(PassCut.cut(passSize: 8, chunkExamples: 8, ghostBatch: 4, lanes: 2, threads: 2).usesTwoLanes)
        XCTAssertFalse(PassCut.cut(passSize: 40, chunkExamples: 8, ghostBatch: nil, lanes: 2, threads: 2).usesTwoLanes)
        XCTAssertFalse(PassCut.cut(passSize: 40, chunkExamples: 8, ghostBatch: 4, lanes: 1, threads: 2).usesTwoLanes)
        XCTAssertEqual(PassCut.cut(passSize: 41, chunkExamples: 16, ghostBatch: 4, lanes: 2, threads: 2).chunks,
                       [0..<16, 16..<32, 32..<41])
    }

    func testTheCutDoesNotDependOnTheThreads() {
        for passSize in [1, 7, 32, 100, 513] {
            for ghost in [nil, 4, 32] as [Int?] {
                let cuts = [1, 2, 3].map { PassCut.cut(passSize: passSize, chunkExamples: 32, ghostBatch: ghost, lanes: 2, threads: $0) }
                for cut in cuts.dropFirst() {
                    XCTAssertEqual(cut.chunks, cuts[0].chunks)
                    XCTAssertEqual(cut.usesTwoLanes, cuts[0].usesTwoLanes)
                    XCTAssertEqual(cut.pairedChunks, cuts[0].pairedChunks)
                }
                XCTAssertEqual(cuts.map(\.lanesRunConcurrently), [false, cuts[0].usesTwoLanes, false])
            }
        }
    }

    func testChunkExamples() {
        // Whole ghost batches of at least 32 examples, within the memory budget.
        XCTAssertEqual(PassCut.chunkExamples(usesBatchNorm: true, ghostBatch: 12, fitting: 1000, preferred: 32, dense: 512), 36)
        XCTAssertEqual(PassCut.chunkExamples(usesBatchNorm: true, ghostBatch: 128, fitting: 1000, preferred: 32, dense: 512), 128)
        XCTAssertEqual(PassCut.chunkExamples(usesBatchNorm: true, ghostBatch: 12, fitting: 30, preferred: 32, dense: 512), 24)
        XCTAssertEqual(PassCut.chunkExamples(usesBatchNorm: true, ghostBatch: nil, fitting: 30, preferred: 32, dense: 512), Int.max)
        XCTAssertEqual(PassCut.chunkExamples(usesBatchNorm: false, ghostBatch: nil, fitting: 300, preferred: 32, dense: 512), 300)
    }
}
