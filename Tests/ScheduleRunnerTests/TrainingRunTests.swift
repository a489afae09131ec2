import Foundation
import SchedulePlanner
@testable import ScheduleRunner
import TensorKernels
import Training
import TestSupport
import XCTest

/// The runner executes the plan literally: compared with a naive twin that walks the plan with
/// the Training API by hand, and with the plan's own numbers.
final class TrainingRunTests: RunnerTestCase {
    /// Every plan feature at once: batch growth, a momentum change, a warm-up, gradient
    /// accumulation (micro_batch with uneven passes: B 20 in ghost batches of 4 under
    /// micro_batch 16 runs as 12 + 8, where cutting greedily would give 16 + 4), ghost batch
    /// norm, weight decay.
    let featureSchedule = schedule(model: "cnn", n: 100, epochs: 4, settings: """
        max_batch 40
        micro_batch 16
        ghost_batch 4
        weight_decay 5e-4
        warmup 1 epochs
        """, events: """
        at epoch 1.5: noise /= 2.5
        at epoch 3: momentum = 0.8
        """)

    func testPlanHasTheFeaturesTheTestsRelyOn() throws {
        let plan = try specification(featureSchedule).plan
        XCTAssertNotNil(plan.warmup)
        XCTAssertTrue(plan.phases.contains { $0.accumulation > 1 })
        XCTAssertTrue(plan.phases.contains { $0.passSizes == [12, 8] }, "uneven passes: \(plan.phases.map(\.passSizes))")
        XCTAssertEqual(Set(plan.phases.map(\.batch)), [8, 20])
        XCTAssertEqual(Set(plan.phases.map(\.momentum)), [0.9, 0.8])
        // The epoch's last, partial batch: 100 = 5·20, 100 = 12·8 + 4.
        XCTAssertTrue(plan.steps(inEpoch: 0).contains { $0.batchSize == 4 })
    }

    /// The naive twin: EpochOrder, plan.steps, then zero / accumulate each pass / step by hand.
    func testRunEqualsTheNaiveTwinBitForBit() throws {
        let spec = try specification(featureSchedule, threads: 2)
        let data = syntheticData(train: 100)
        let (run, summary) = try runToEnd(spec, data: data)
        guard case .provided(let split, _) = data else { return XCTFail() }

        let plan = spec.plan
        let twin = Model(architecture: .cnn, channels: 1, height: 8, width: 8, classes: 4, ghostBatch: 4,
                         seed: spec.plan.seed, pool: ThreadPool(threads: 2))
        let optimizer = Optimizer(kind: .sgd, learningRate: 0, momentum: 0, weightDecay: 5e-4)
        var updates = 0
        for epoch in 0..<plan.epochs {
            let order = EpochOrder.shuffled(count: 100, seed: 3, epoch: epoch)
            for step in plan.steps(inEpoch: epoch) {
                optimizer.learningRate = Float(step.learningRate)
                optimizer.momentum = Float(step.momentum)
                twin.zeroGradients()
                var offset = step.samples.lowerBound
                for pass in step.passSizes {
                    _ = twin.accumulateGradients(from: split.train, indices: order[offset..<(offset + pass)], batchSize: step.batchSize)
                    offset += pass
                }
                XCTAssertEqual(offset, step.samples.upperBound)
                optimizer.step(twin.parameters, pool: twin.pool)
                updates += 1
            }
        }
        XCTAssertEqual(updates, plan.totalUpdates)
        XCTAssertEqual(summary.updates, plan.totalUpdates)
        XCTAssertEqual(summary.plannedUpdates, plan.totalUpdates)
        XCTAssertTrue(bitIdentical(run.model.stateTensors, twin.stateTensors), "the runner's weights differ from the twin's")
    }

    /// Every update the observer sees is the plan's: index, batch, ε with the warm-up ramp, m.
    func testStepsFollowThePlanIncludingTheWarmUp() throws {
        let spec = try specification(featureSchedule)
        var seen: [StepProgress] = []
        try runToEnd(spec, data: syntheticData(train: 100)) { event in
            if case .step(let progress) = event { seen.append(progress) }
        }
        let planned = (0..<spec.plan.epochs).flatMap { spec.plan.steps(inEpoch: $0) }
        XCTAssertEqual(seen.count, spec.plan.totalUpdates)
        XCTAssertEqual(seen.map(\.updates), Array(1...spec.plan.totalUpdates))
        XCTAssertEqual(seen.map(\.batch), planned.map(\.batchSize))
        XCTAssertEqual(seen.map(\.learningRate), planned.map(\.learningRate))
        XCTAssertEqual(seen.map(\.momentum), planned.map(\.momentum))
        // The warm-up ramp: update u < W runs with ε·(u + 1)/W.
        let warmup = try XCTUnwrap(spec.plan.warmup)
        for u in 0..<warmup.updates {
            XCTAssertEqual(seen[u].learningRate, 0.05 * Double(u + 1) / Double(warmup.updates), accuracy: 1e-15)
        }
        XCTAssertEqual(seen[warmup.updates].learningRate, 0.05)
    }

    func testMetricsLinesHaveTheIssuesKeysAndThePlansNumbers() throws {
        let spec = try specification(featureSchedule)
        let (run, _) = try runToEnd(spec, data: syntheticData(train: 100))
        let lines = try String(contentsOfFile: run.directory.metricsPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, spec.plan.epochs)
        let required = ["epoch", "updates", "samples", "lr", "batch", "momentum", "train_loss", "test_loss", "test_accuracy", "seconds"]
        var previousSeconds = 0.0
        for (index, line) in lines.enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), Set(MetricsRecord.keys))
            // The issue's keys come first, in its order.
            let keyOrder = line.split(separator: ",").compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
            XCTAssertEqual(Array(keyOrder.prefix(required.count)), required)
            let record = try MetricsRecord(line: String(line), origin: "line \(index + 1)")
            let epoch = index + 1
            let steps = spec.plan.steps(inEpoch: index)
            XCTAssertEqual(record.epoch, epoch)
            XCTAssertEqual(record.updates, steps.last!.update + 1)
            XCTAssertEqual(record.samples, epoch * 100)
            XCTAssertEqual(record.learningRate, steps.last!.learningRate)
            XCTAssertEqual(record.momentum, steps.last!.momentum)
            XCTAssertEqual(record.batch, spec.plan.phases[steps.last!.phase].batch)
            XCTAssertEqual(record.phase, steps.last!.phase)
            XCTAssertTrue(record.trainLoss.isFinite && record.trainLoss > 0)
            XCTAssertTrue(record.testLoss.isFinite && record.testLoss > 0)
            XCTAssertTrue((0...1).contains(record.testAccuracy) && (0...1).contains(record.trainAccuracy))
            XCTAssertGreaterThan(record.seconds, previousSeconds)
            XCTAssertGreaterThan(record.epochSeconds, 0)
            previousSeconds = record.seconds
        }
    }

    func testItLearns() throws {
        let spec = try specification(schedule(model: "mlp(hidden: [32])", n: 400, epochs: 6))
        let (_, summary) = try runToEnd(spec, data: syntheticData(train: 400, test: 200))
        XCTAssertGreaterThan(summary.finalTestAccuracy, 0.8, "4 classes of blobs; chance is 0.25")
    }

    /// micro_batch splits each batch into passes whose gradients add up: the MLP (no batch
    /// norm) ends where the unsplit run ends, up to Float rounding.
    func testAccumulationMatchesTheUnsplitRun() throws {
        let whole = try specification(schedule(n: 96, epochs: 2))
        let split = try specification(schedule(n: 96, epochs: 2, settings: "micro_batch 3"))
        XCTAssertEqual(split.plan.phases[0].passSizes, [3, 3, 2])
        let (a, _) = try runToEnd(whole, data: syntheticData(train: 96))
        let (b, _) = try runToEnd(split, data: syntheticData(train: 96))
        for (x, y) in zip(a.model.stateTensors, b.model.stateTensors) {
            let scale = max(1e-3, x.values.map { abs($0) }.max() ?? 0)
            let difference = zip(x.values, y.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(difference / scale, 1e-4, x.name)
        }
        XCTAssertFalse(bitIdentical(a.model.stateTensors, b.model.stateTensors), "the passes should differ in rounding")
    }

    func testRunDirectoryFiles() throws {
        let spec = try specification(featureSchedule)
        let (run, summary) = try runToEnd(spec, data: syntheticData(train: 100))
        let directory = run.directory
        XCTAssertEqual(try directory.readScheduleText(), featureSchedule)
        XCTAssertEqual(try directory.readPlanText(), spec.plan.jsonText())
        let decoded = try JSONDecoder().decode(Plan.self, from: Data(try directory.readPlanText().utf8))
        XCTAssertEqual(decoded, spec.plan)
        let record = try directory.readRecord()
        XCTAssertEqual(record.status, .finished)
        XCTAssertEqual(record.seed, 3)
        XCTAssertEqual(record.threads, 2)
        XCTAssertEqual(record.totalUpdates, spec.plan.totalUpdates)
        XCTAssertEqual(record.scheduleHash, SHA256.hex(spec.scheduleHash))
        XCTAssertEqual(record.data, "synthetic: 100 training and 64 test images")
        let summaryText = try String(contentsOfFile: directory.summaryPath, encoding: .utf8)
        XCTAssertEqual(try RunSummary(text: summaryText, origin: "summary.json", directory: directory.path), summary)
        XCTAssertEqual(summary.phases.count, spec.plan.phases.count)
        XCTAssertEqual(summary.phases.map(\.updates).reduce(0, +), spec.plan.totalUpdates)
        XCTAssertGreaterThan(summary.trainingSeconds, 0)
        XCTAssertEqual(summary.finalWeightsSHA256.count, 64)
        for path in [directory.epochsPlotPath, directory.updatesPlotPath] {
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertNoThrow(try parseXML(svg), path)
            XCTAssertTrue(svg.contains("test accuracy (%)"))
        }
        let checkpoint = try directory.readCheckpoint()
        XCTAssertEqual(checkpoint.epochsCompleted, 4)
        XCTAssertTrue(bitIdentical(checkpoint.modelState, run.model.stateTensors))
    }

    func testOneAndTwoThreadsGiveTheSameWeights() throws {
        let (a, _) = try runToEnd(try specification(featureSchedule, threads: 1), data: syntheticData(train: 100))
        let (b, _) = try runToEnd(try specification(featureSchedule, threads: 2), data: syntheticData(train: 100))
        XCTAssertTrue(bitIdentical(a.model.stateTensors, b.model.stateTensors))
    }

    func testAdamAndNesterovRun() throws {
        for optimizer in ["adam(beta1: 0.8)", "nesterov(momentum: 0.5)"] {
            let text = schedule(n: 64, epochs: 2).replacingOccurrences(of: "sgd(momentum: 0.9)", with: optimizer)
            let spec = try specification(text)
            let (run, summary) = try runToEnd(spec, data: syntheticData(train: 64))
            XCTAssertEqual(summary.updates, spec.plan.totalUpdates)
            XCTAssertEqual(run.optimizer.kind == .adam, optimizer.hasPrefix("adam"))
            if run.optimizer.kind == .adam { XCTAssertEqual(run.optimizer.beta1, 0.8) }
        }
    }
}
