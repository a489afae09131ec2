import Foundation
import SchedulePlanner
@testable import ScheduleRunner
import TensorKernels
import Training
import XCTest

/// Interrupt a run anywhere, resume it from its directory: the same final weights, bit for bit,
/// as the run that was never interrupted; and every way a resume must be refused.
final class ResumeTests: RunnerTestCase {
    let text = schedule(model: "cnn", n: 60, epochs: 4, settings: """
        max_batch 24
        micro_batch 8
        ghost_batch 4
        warmup 5 steps
        """, events: "at epoch 2: noise /= 3")

    /// Stops the run before update `stopAt` (0-based), as Ctrl-C would.
    func interruptedRun(_ spec: RunSpecification, stopAt: Int, path: String) throws -> (RunDirectory, RunOutcome) {
        let run = try TrainingRun.start(spec, in: path, data: syntheticData(train: 60))
        var updates = 0
        let outcome = try run.run(observer: { event in
            if case .step = event { updates += 1 }
        }, shouldStop: { updates >= stopAt })
        return (run.directory, outcome)
    }

    func resumeToEnd(_ directory: RunDirectory) throws -> (TrainingRun, RunSummary) {
        // As the CLI does: the directory's own schedule.sched, compiled again.
        let spec = try specification(try directory.readScheduleText())
        let run = try TrainingRun.resume(spec, in: directory, data: syntheticData(train: 60))
        guard case .finished(let summary) = try run.run() else {
            XCTFail("the resumed run did not finish")
            throw RunError(.internalError, "not finished")
        }
        return (run, summary)
    }

    func testResumedRunsEndBitIdentical() throws {
        let spec = try specification(text)
        let (reference, referenceSummary) = try runToEnd(spec, data: syntheticData(train: 60))
        let referenceMetrics = try reference.directory.readMetrics()
        let epochStarts = (0..<spec.plan.epochs).map { spec.plan.steps(inEpoch: $0).first!.update }
        // Before the first update, mid-epoch 1, at an epoch boundary, mid-epoch 3, before the last update.
        for stopAt in [0, 3, epochStarts[2], epochStarts[2] + 2, spec.plan.totalUpdates - 1] {
            let (directory, outcome) = try interruptedRun(spec, stopAt: stopAt, path: temporaryRunPath("stop\(stopAt)"))
            guard case .interrupted(let checkpointEpochs, _, let update) = outcome else { return XCTFail("not interrupted") }
            XCTAssertEqual(update, stopAt)
            XCTAssertEqual(try directory.readRecord().status, .interrupted)
            XCTAssertEqual(directory.hasCheckpoint, checkpointEpochs > 0)
            let (resumed, summary) = try resumeToEnd(directory)
            XCTAssertEqual(resumed.startEpoch, checkpointEpochs)
            XCTAssertTrue(bitIdentical(resumed.model.stateTensors, reference.model.stateTensors), "stopped before update \(stopAt)")
            XCTAssertEqual(summary.finalWeightsSHA256, referenceSummary.finalWeightsSHA256)
            XCTAssertEqual(summary.updates, spec.plan.totalUpdates)
            XCTAssertEqual(summary.resumes, 1)
            // metrics.jsonl: one line per epoch, the same numbers (wall times aside).
            let metrics = try directory.readMetrics()
            XCTAssertEqual(metrics.map(\.epoch), Array(1...spec.plan.epochs))
            for (a, b) in zip(metrics, referenceMetrics) {
                XCTAssertEqual([a.updates, a.samples, a.batch], [b.updates, b.samples, b.batch])
                XCTAssertEqual([a.trainLoss, a.testLoss, a.testAccuracy, a.learningRate], [b.trainLoss, b.testLoss, b.testAccuracy, b.learningRate])
            }
            XCTAssertEqual(try directory.readRecord().status, .finished)
            // The bits depend on the processor's kernel: run.json says which ran it.
            XCTAssertEqual(try directory.readRecord().gemmKernel, GEMMMicroKernel.best.rawValue)
            XCTAssertEqual(try directory.readRecord().gemmBlocking, GEMMMicroKernel.best.cacheBlocking.description)
            XCTAssertEqual(try directory.readRecord().processor, HostProcessor.current.summary)
        }
    }

    func testSecondsAccumulateAcrossResumes() throws {
        let spec = try specification(text)
        let (directory, _) = try interruptedRun(spec, stopAt: spec.plan.steps(inEpoch: 2).first!.update + 1,
                                                path: temporaryRunPath())
        let before = try directory.readCheckpoint().seconds
        XCTAssertGreaterThan(before, 0)
        _ = try resumeToEnd(directory)
        let metrics = try directory.readMetrics()
        XCTAssertEqual(metrics[1].seconds, before, accuracy: 0.001, "kept from before the interruption")
        XCTAssertGreaterThan(metrics[2].seconds, before)
        XCTAssertEqual(zip(metrics, metrics.dropFirst()).filter { $0.seconds >= $1.seconds }.count, 0)
    }

    /// A crash between the metrics line and the checkpoint leaves a line the resume cuts off;
    /// a torn last line (no newline) is dropped too.
    func testMetricsAreCutBackToTheCheckpoint() throws {
        let spec = try specification(text)
        let (directory, _) = try interruptedRun(spec, stopAt: spec.plan.steps(inEpoch: 3).first!.update + 1, path: temporaryRunPath())
        var lines = try String(contentsOfFile: directory.metricsPath, encoding: .utf8)
        XCTAssertEqual(lines.split(separator: "\n").count, 3)
        lines += lines.split(separator: "\n")[2].replacingOccurrences(of: "\"epoch\": 3", with: "\"epoch\": 4") + "\n"
        lines += "{\"epoch\": 5, \"upd"
        try lines.write(toFile: directory.metricsPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try directory.readMetrics().map(\.epoch), [1, 2, 3, 4])
        let (_, summary) = try resumeToEnd(directory)
        XCTAssertEqual(try directory.readMetrics().map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(summary.epochs, 4)
    }

    /// Killed after the last checkpoint but before summary.json: the resume trains nothing.
    func testResumeAfterTheLastCheckpointOnlyFinishes() throws {
        let spec = try specification(text)
        let (run, summary) = try runToEnd(spec, data: syntheticData(train: 60))
        var record = try run.directory.readRecord()
        record.status = .running
        try run.directory.writeRecord(record)
        try FileManager.default.removeItem(atPath: run.directory.summaryPath)
        let directory = run.directory
        let (resumed, again) = try resumeToEnd(directory)
        XCTAssertEqual(resumed.startEpoch, 4)
        XCTAssertEqual(again.finalWeightsSHA256, summary.finalWeightsSHA256)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.summaryPath))
    }

    func testFinishedRunIsNotResumed() throws {
        let spec = try specification(text)
        let (run, _) = try runToEnd(spec, data: syntheticData(train: 60))
        let directory = run.directory
        XCTAssertThrowsError(try TrainingRun.resume(spec, in: directory, data: syntheticData(train: 60))) { error in
            XCTAssertTrue("\(error)".contains("the run has finished (4 of 4 epochs); there is nothing to resume"), "\(error)")
        }
    }

    func testCheckpointOfAnotherScheduleIsRefused() throws {
        let spec = try specification(text)
        let (other, _) = try runToEnd(try specification(text.replacingOccurrences(of: "seed 3", with: "seed 4")),
                                      data: syntheticData(train: 60))
        let (directory, _) = try interruptedRun(spec, stopAt: 12, path: temporaryRunPath())
        try FileManager.default.removeItem(atPath: directory.checkpointPath)
        try FileManager.default.copyItem(atPath: other.directory.checkpointPath, toPath: directory.checkpointPath)
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertEqual((error as? RunError)?.kind, .checkpoint)
            XCTAssertTrue("\(error)".contains("the checkpoint belongs to another schedule"), "\(error)")
        }
    }

    func testEditedScheduleIsRefused() throws {
        let spec = try specification(text)
        let (directory, _) = try interruptedRun(spec, stopAt: 12, path: temporaryRunPath())
        let edited = try directory.readScheduleText().replacingOccurrences(of: "noise /= 3", with: "noise /= 2")
        try edited.write(toFile: directory.schedulePath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertTrue("\(error)".contains("schedule.sched no longer plans to plan.json"), "\(error)")
        }
        // The seed is in the plan now, so plan.json catches a changed seed too.
        try String(try directory.readScheduleText().replacingOccurrences(of: "noise /= 2", with: "noise /= 3")
            .replacingOccurrences(of: "seed 3", with: "seed 5")).write(toFile: directory.schedulePath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertTrue("\(error)".contains("schedule.sched no longer plans to plan.json"), "\(error)")
        }
        // run.json's hash is checked as well.
        try String(try directory.readScheduleText().replacingOccurrences(of: "seed 5", with: "seed 3"))
            .write(toFile: directory.schedulePath, atomically: true, encoding: .utf8)
        var record = try directory.readRecord()
        record.scheduleHash = String(repeating: "0", count: 64)
        try directory.writeRecord(record)
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertTrue("\(error)".contains("schedule hash does not match"), "\(error)")
        }
    }

    /// A run of a plan file (no schedule.sched) resumes from its plan.json alone, bit-identical.
    func testPlanFileRunResumesFromItsPlan() throws {
        let spec = try specification(text)
        let (_, reference) = try runToEnd(spec, data: syntheticData(train: 60))
        let fromPlan = RunSpecification(plan: try Plan(jsonText: spec.plan.jsonText()), scheduleText: nil, threads: 2)
        let (directory, outcome) = try interruptedRun(fromPlan, stopAt: 12, path: temporaryRunPath())
        guard case .interrupted = outcome else { return XCTFail("not interrupted") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.schedulePath))
        let resumed = RunSpecification(plan: try Plan(jsonText: try directory.readPlanText()), scheduleText: nil, threads: 2)
        let run = try TrainingRun.resume(resumed, in: directory, data: syntheticData(train: 60))
        guard case .finished(let summary) = try run.run() else { return XCTFail("the resumed run did not finish") }
        XCTAssertEqual(summary.finalWeightsSHA256, reference.finalWeightsSHA256)
    }

    func testDamagedCheckpointIsAClearError() throws {
        let spec = try specification(text)
        let (directory, _) = try interruptedRun(spec, stopAt: 12, path: temporaryRunPath())
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.checkpointPath))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: directory.checkpointPath))
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertEqual((error as? RunError)?.kind, .checkpoint)
            XCTAssertTrue("\(error)".hasPrefix(directory.checkpointPath + ": the checkpoint is damaged"), "\(error)")
        }
        try Data().write(to: URL(fileURLWithPath: directory.checkpointPath))
        XCTAssertThrowsError(try resumeToEnd(directory)) { error in
            XCTAssertTrue("\(error)".hasSuffix("the checkpoint is empty"), "\(error)")
        }
    }

    func testADirectoryRunsInOneProcessAtATime() throws {
        let spec = try specification(text)
        let path = temporaryRunPath()
        let first = try TrainingRun.start(spec, in: path, data: syntheticData(train: 60))
        try withExtendedLifetime(first) {
            XCTAssertThrowsError(try TrainingRun.resume(spec, in: RunDirectory(path: path), data: syntheticData(train: 60))) { error in
                XCTAssertTrue("\(error)".contains("another schedc process is running this directory"), "\(error)")
            }
        }
    }
}
