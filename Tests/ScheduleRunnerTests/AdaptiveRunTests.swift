import Foundation
import ScheduleLanguage
import SchedulePlanner
@testable import ScheduleRunner
import Training
import XCTest

/// An adaptive run: checks recorded in adaptive.jsonl and metrics.jsonl, growths applied by
/// swapping to the replanned plan, the realised plan replaying the same run, 1 and 2 threads
/// alike, interrupt + resume bit-identical, and the refusals.
///
/// The replanner here realises growths through the planner the way the language's growths do:
/// as explicit `batch =` changes at their updates, planned again (the language's own
/// `Planner.plan(_:growths:)` is tested with the planner).
final class AdaptiveRunTests: RunnerTestCase {
    static let rule = AdaptiveBatch(interval: .updates(3), smoothing: 0.5, above: 0.05, checks: 2, growth: 2, limit: 32,
                                    gap: nil, keep: .lr)

    let text = schedule(model: "cnn", n: 60, epochs: 7, settings: """
        max_batch 32
        micro_batch 2
        ghost_batch 2
        """, events: "at epoch 3: lr /= 2")

    /// The schedule planned with `growths` as `batch =` events, and the rule set.
    static func plan(_ text: String, growths: [AdaptiveGrowth], rule: AdaptiveBatch = rule) throws -> Plan {
        let events = growths.map { "at step \($0.update): batch = \($0.batch)" }.joined(separator: "\n")
        let result = ScheduleCompiler.compile(SourceFile(path: "test.sched", text: text + events + "\n"))
        guard let program = result.program else {
            throw RunError(.notRunnable, "test schedule: \(result.errors.map(\.message))")
        }
        var plan = try Planner.plan(program)
        plan.adaptive = rule
        return plan
    }

    func adaptiveSpecification(threads: Int = 2, rule: AdaptiveBatch = rule) throws -> RunSpecification {
        let text = self.text
        return RunSpecification(plan: try Self.plan(text, growths: [], rule: rule), scheduleText: text, sourcePath: "test.sched",
                                threads: threads, replan: { try AdaptiveRunTests.plan(text, growths: $0, rule: rule) })
    }

    func testTheBatchGrowsAndEveryCheckIsRecorded() throws {
        let spec = try adaptiveSpecification()
        var batches: [Int] = [], events: [AdaptiveCheckRecord] = []
        let (run, summary) = try runToEnd(spec, data: syntheticData(train: 60), observer: { event in
            if case .step(let step) = event { batches.append(step.phaseBatch) }
            if case .adaptiveCheck(let check) = event { events.append(check) }
        })
        let checks = try AdaptiveCheckRecord.read(run.directory.adaptivePath)
        XCTAssertEqual(checks, events)
        let growths = checks.filter { $0.decision == "grow" }
        XCTAssertEqual(growths.map(\.newBatch), [16, 32], "8 → 16 → 32 = up_to")
        XCTAssertTrue(checks.contains { $0.decision == "at_limit" }, "then B is at up_to")
        // Every check is the first update whose end reaches a multiple of 3 updates.
        XCTAssertEqual(checks.first?.update, 2)
        // The batch each update ran with: the initial one until the first growth, then each growth's.
        for (i, growth) in growths.enumerated() {
            XCTAssertEqual(batches[growth.update + 1], growth.newBatch)
            XCTAssertEqual(batches[growth.update], i == 0 ? 8 : growths[i - 1].newBatch!)
        }
        // The realised plan: what ran, no rule left; the summary counts its updates.
        let realised = try Plan(jsonText: try String(contentsOfFile: run.directory.realisedPlanPath, encoding: .utf8))
        XCTAssertNil(realised.adaptive)
        XCTAssertEqual(summary.updates, realised.totalUpdates)
        XCTAssertEqual(batches.count, realised.totalUpdates)
        XCTAssertLessThan(realised.totalUpdates, spec.plan.totalUpdates)
        // metrics.jsonl: every check under its epoch.
        let metrics = try run.directory.readMetrics()
        XCTAssertEqual(metrics.flatMap { $0.checks ?? [] }.map(\.update), checks.map(\.update))
        XCTAssertEqual(metrics.flatMap { $0.checks ?? [] }.map(\.decision), checks.map(\.decision))
        // The plots show B_simple against the batch.
        let svg = try String(contentsOfFile: run.directory.epochsPlotPath, encoding: .utf8)
        XCTAssertTrue(svg.contains("B_simple") && svg.contains("B used"))
        // A fixed run writes neither file nor key.
        let (fixed, _) = try runToEnd(try specification(text), data: syntheticData(train: 60))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixed.directory.adaptivePath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixed.directory.realisedPlanPath))
        XCTAssertFalse(try String(contentsOfFile: fixed.directory.metricsPath, encoding: .utf8).contains("adaptive_checks"))
        // schedc compare: B_simple against every run's batch, only when a run adapts.
        let compared = RunComparison.uniqueLabels([try ComparedRun.read(run.directory.path), try ComparedRun.read(fixed.directory.path)])
        XCTAssertEqual(compared[0].checks, checks)
        XCTAssertEqual(compared[0].realisedPlan, realised)
        let figure = RunComparison.figures(compared).epochs
        XCTAssertEqual(figure.panels.count, 3)
        XCTAssertEqual(figure.panels[2].series.map(\.name),
                       ["B \(compared[0].label)", "B_simple \(compared[0].label)", "B \(compared[1].label)"])
        XCTAssertEqual(figure.panels[2].series[0].points.map(\.y).max(), 32)
        XCTAssertEqual(figure.panels[2].series[2].points.map(\.y).max(), 8)
        XCTAssertEqual(RunComparison.figures([compared[1]]).epochs.panels.count, 2)
    }

    /// The realised plan, run as a plan file would be (no schedule, no replanner), ends with the
    /// same weights; and the adaptive run is the same on 1 and 2 threads.
    func testTheRealisedPlanReplaysTheRunAndThreadsDoNotMatter() throws {
        let (run, summary) = try runToEnd(try adaptiveSpecification(threads: 2), data: syntheticData(train: 60))
        let realised = try Plan(jsonText: try String(contentsOfFile: run.directory.realisedPlanPath, encoding: .utf8))
        let replay = RunSpecification(plan: realised, scheduleText: nil, sourcePath: "realised-plan.json", threads: 2)
        let (replayed, replaySummary) = try runToEnd(replay, data: syntheticData(train: 60))
        XCTAssertEqual(replaySummary.finalWeightsSHA256, summary.finalWeightsSHA256)
        XCTAssertTrue(bitIdentical(replayed.model.stateTensors, run.model.stateTensors))
        XCTAssertEqual(try replayed.directory.readMetrics().map(\.testLoss), try run.directory.readMetrics().map(\.testLoss))

        let (single, singleSummary) = try runToEnd(try adaptiveSpecification(threads: 1), data: syntheticData(train: 60))
        XCTAssertEqual(singleSummary.finalWeightsSHA256, summary.finalWeightsSHA256)
        XCTAssertEqual(try AdaptiveCheckRecord.read(single.directory.adaptivePath),
                       try AdaptiveCheckRecord.read(run.directory.adaptivePath))
    }

    /// Stopped anywhere — before the first check, between checks, right after a growth, at an
    /// epoch boundary, late — and resumed from the directory: the same checks, growths and weights.
    func testInterruptedAndResumedRunsAreIdentical() throws {
        let spec = try adaptiveSpecification()
        let (reference, referenceSummary) = try runToEnd(spec, data: syntheticData(train: 60))
        let referenceChecks = try AdaptiveCheckRecord.read(reference.directory.adaptivePath)
        let firstGrowth = try XCTUnwrap(referenceChecks.first { $0.decision == "grow" }).update
        let epochUpdates = try reference.directory.readMetrics().map(\.updates)
        for stopAt in [1, 4, firstGrowth + 1, epochUpdates[0], epochUpdates[1] + 2, referenceSummary.updates - 1] {
            let path = temporaryRunPath("stop\(stopAt)")
            let run = try TrainingRun.start(spec, in: path, data: syntheticData(train: 60))
            var updates = 0
            let outcome = try run.run(observer: { if case .step = $0 { updates += 1 } }, shouldStop: { updates >= stopAt })
            guard case .interrupted = outcome else { return XCTFail("not interrupted at \(stopAt)") }
            let resumed = try TrainingRun.resume(try adaptiveSpecification(), in: run.directory, data: syntheticData(train: 60))
            guard case .finished(let summary) = try resumed.run() else { return XCTFail("the resumed run did not finish") }
            XCTAssertEqual(summary.finalWeightsSHA256, referenceSummary.finalWeightsSHA256, "stopped before update \(stopAt)")
            XCTAssertEqual(summary.updates, referenceSummary.updates)
            XCTAssertEqual(try AdaptiveCheckRecord.read(run.directory.adaptivePath), referenceChecks, "stopped at \(stopAt)")
            XCTAssertEqual(try String(contentsOfFile: run.directory.realisedPlanPath, encoding: .utf8),
                           try String(contentsOfFile: reference.directory.realisedPlanPath, encoding: .utf8))
        }
    }

    /// A check line the replay decides differently (a hand-edited adaptive.jsonl) stops the resume.
    func testAnAlteredTraceIsNotResumed() throws {
        let spec = try adaptiveSpecification()
        let run = try TrainingRun.start(spec, in: temporaryRunPath(), data: syntheticData(train: 60))
        var updates = 0
        _ = try run.run(observer: { if case .step = $0 { updates += 1 } }, shouldStop: { updates >= 12 })
        var lines = try String(contentsOfFile: run.directory.adaptivePath, encoding: .utf8).components(separatedBy: "\n")
        lines[0] = lines[0].replacingOccurrences(of: "\"decision\": \"", with: "\"decision\": \"x")
        try lines.joined(separator: "\n").write(toFile: run.directory.adaptivePath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingRun.resume(spec, in: run.directory, data: syntheticData(train: 60))) { error in
            XCTAssertEqual((error as? RunError)?.kind, .checkpoint)
            XCTAssertTrue("\(error)".contains("adaptive.jsonl:1"), "\(error)")
        }
    }

    func testAPlanThatAdaptsNeedsAReplanner() throws {
        var spec = try adaptiveSpecification()
        spec.replan = nil
        XCTAssertThrowsError(try TrainingRun.start(spec, in: temporaryRunPath(), data: syntheticData(train: 60))) { error in
            XCTAssertEqual((error as? RunError)?.kind, .notRunnable)
            XCTAssertTrue("\(error)".contains("realised-plan.json"), "\(error)")
        }
    }

    /// A replanner that changes updates already run is a broken invariant, not a silent change.
    func testAReplanThatRewritesThePastIsAnInternalError() throws {
        var spec = try adaptiveSpecification()
        let text = self.text
        spec.replan = { growths in
            var plan = try AdaptiveRunTests.plan(text, growths: growths)
            plan.phases[0].learningRate *= 2
            return plan
        }
        XCTAssertThrowsError(try runToEnd(spec, data: syntheticData(train: 60))) { error in
            XCTAssertEqual((error as? RunError)?.kind, .internalError)
            XCTAssertTrue("\(error)".contains("already run"), "\(error)")
        }
    }
}
