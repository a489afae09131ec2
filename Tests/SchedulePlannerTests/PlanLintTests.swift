import Foundation
import XCTest
import ScheduleLanguage
@testable import SchedulePlanner

final class PlanLintTests: XCTestCase {
    func lints(_ program: CheckedProgram) -> [Diagnostic] { Planner.diagnostics(for: program) }

    /// The paper's own schedules at m = 0.9 with B_max 5120 ≈ N/10 raise no S301/S302.
    func testPaperSchedulesAtMomentumPointNineAreClean() throws {
        for program in [try CIFAR10Samples.decayingLR, try CIFAR10Samples.increasingBatch, try CIFAR10Samples.hybrid,
                        try CIFAR10Samples.adabatch] {
            XCTAssertEqual(lints(program), [], program.name)
        }
    }

    /// Samples/quickstart.sched keeps the momentum lag under the S302 threshold: at m 0.9 with B
    /// 512 of N = 10 000 the accumulator needs B/(N(1 − m)) ≈ 0.51 epochs after the change at
    /// epoch 12, 8.5 % of the 6 epochs that follow (S302 warns past 10 %). The same schedule
    /// squeezed into 4-epoch phases loses 13 % after epoch 8: a real finding.
    func testQuickstartMomentumLagStaysUnderTheThreshold() throws {
        let sample = try SampleSchedules.load("quickstart.sched")
        XCTAssertEqual(lints(sample.program), [])
        let squeezed = sample.source.text.replacingOccurrences(of: "epochs      18", with: "epochs      12")
            .replacingOccurrences(of: "at epoch 6, 12:", with: "at epoch 4, 8:")
        let source = SourceFile(path: "squeezed.sched", text: squeezed)
        let program = try XCTUnwrap(ScheduleCompiler.compile(source).program)
        let diagnostics = lints(program)
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S302"])
        guard diagnostics.count == 1 else { return }
        XCTAssertEqual(source.slice(diagnostics[0].range), "at epoch 4, 8: noise /= 4", "the statement that changes g")
        XCTAssertEqual(diagnostics[0].message,
                       "momentum 0.9 loses about 0.51 epochs catching up after the noise change at epoch 8, 13% of the 4 epochs until the next one")
    }

    func testS301BatchGrownPastATenthOfTheDataSet() {
        let program = makeProgram(maxBatch: 50_000, events: EventSpec.noiseDecay(by: 5, atEpochs: [60, 120, 160]))
        let diagnostics = lints(program)
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S301"])
        XCTAssertEqual(diagnostics[0].range, eventRange(0))
        XCTAssertEqual(diagnostics[0].message, "batch grows to 16000 at epoch 160, past ~N/10 (N = 50000)")
        XCTAssertEqual(diagnostics[0].severity, .warning)
    }

    /// The paper's increased-momentum schedule (m 0.98, B 5120): ~5.1 epochs lost after each
    /// change, 13 % of the 40-epoch phases after epochs 120 and 160 (the paper: it "suffers").
    func testS302MomentumLosesTooManyEpochs() throws {
        let sample = try SampleSchedules.load("cifar10/increased_momentum.sched")
        let diagnostics = lints(sample.program).filter { $0.code == .momentumLag }
        XCTAssertEqual(diagnostics.count, 1, "epochs 120 and 160 are one statement: one diagnostic")
        guard diagnostics.count == 1 else { return }
        XCTAssertEqual(sample.text(diagnostics[0].range), "at epoch 60, 120, 160: noise /= 5")
        XCTAssertEqual(diagnostics[0].message,
                       "momentum 0.98 loses about 5.12 epochs catching up after the noise change at epoch 120, 13% of the 40 epochs until the next one")
        XCTAssertEqual(diagnostics[0].notes.first?.message, "also at epoch 160 (13%)")
    }

    /// Two changes of g at one update are one catch-up: judged once, after the last of them.
    func testS302IsJudgedOncePerUpdate() {
        let program = makeProgram(epochs: 20, optimizer: OptimizerSpec(kind: .sgd, momentum: 0.98), batch: 5120,
                                  events: [.at(.epoch(10), .noise, .divide(2)), .at(.epoch(10), .lr, .divide(2))])
        let diagnostics = lints(program)
        // No S303: the batch starts at max_batch, which the front end's S203 reports once.
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S302"])
        guard diagnostics.count == 1 else { return }
        XCTAssertEqual(diagnostics[0].range, eventRange(1))
        XCTAssertTrue(diagnostics[0].message.hasPrefix("momentum 0.98 loses about 5.12 epochs"), diagnostics[0].message)
    }

    func testS303NoiseDecayThatCannotGrowTheBatch() throws {
        let sample = try SampleSchedules.load("cifar10/increased_lr.sched")
        let diagnostics = lints(sample.program)
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S303"])
        guard diagnostics.count == 1 else { return }
        XCTAssertEqual(diagnostics.map(\.severity), [.information], "the paper's recipe past B_max: information, not a warning")
        XCTAssertEqual(sample.text(diagnostics[0].range), "at epoch 60, 120, 160: noise /= 5")
        XCTAssertEqual(diagnostics[0].message, "noise decay at epoch 160 cannot grow the batch: it is already at max_batch 5120")
        // decay_lr and hybrid past k never mean to grow B: no warning.
        XCTAssertEqual(lints(makeProgram(batch: 5120, policy: .decayLearningRate, events: EventSpec.paperDecays)), [])
        XCTAssertEqual(lints(makeProgram(policy: .hybrid(k: 1), events: EventSpec.paperDecays)), [])
    }

    func testS304ExplicitBatchClamped() {
        let diagnostics = lints(makeProgram(events: [.at(.epoch(10), .batch, .set(8000))]))
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S304"])
        XCTAssertEqual(diagnostics[0].message, "batch 8000 clamped to max_batch 5120 at epoch 10")
        XCTAssertEqual(diagnostics[0].range, eventRange(0))
    }

    func testS305KeepNoiseThatTheBatchCannotFollow() {
        let diagnostics = lints(makeProgram(batch: 2048, events: [.at(.epoch(0), .lr, .set(0.5), keepNoise: true)]))
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S305"])
        XCTAssertEqual(diagnostics[0].message,
                       "'lr = 0.5, keep noise' cannot hold the noise with the batch alone: B 10240 capped at max_batch 5120; ε 0.25 instead of 0.5 so g stays put")
    }

    func testS306EventsAfterTheEnd() {
        let diagnostics = lints(makeProgram(events: [.at(.step(100_000), .lr, .divide(2))]))
        XCTAssertEqual(diagnostics.map(\.code.rawValue), ["S306"])
        XCTAssertEqual(diagnostics[0].message, "'at step 100000: lr /= 2' takes effect after the run ends (200 epochs, 78200 updates); it changes nothing")
        let warmup = lints(makeProgram(warmup: Warmup(length: 100_000, unit: .step)))
        XCTAssertEqual(warmup.map(\.code.rawValue), ["S306"])
        XCTAssertEqual(warmup[0].range, settingRange("warmup"))
    }

    func testDiagnosticsAreSortedBySourcePosition() {
        let program = makeProgram(events: [.at(.epoch(10), .batch, .set(8000)), .at(.step(100_000), .lr, .divide(2))])
        XCTAssertEqual(lints(program).map(\.range), [eventRange(0), eventRange(1)])
    }
    /// S307: growing B by a factor that leaves a partial ghost batch (128 × 2.5 = 320), and a
    /// cap at a max_batch that is not a multiple of ghost_batch (with a note at max_batch).
    func testS307PartialGhostBatch() {
        let grown = lints(makeProgram(epochs: 20, optimizer: OptimizerSpec(kind: .sgd, momentum: 0), batch: 128,
                                      maxBatch: 4096, events: [.at(.epoch(10), .noise, .divide(2.5))]))
        XCTAssertEqual(grown.map(\.code.rawValue), ["S307"])
        XCTAssertEqual(grown.first?.message, "batch 320 at epoch 10 is not a multiple of ghost_batch 128")
        XCTAssertEqual(grown.first?.notes.count, 1)

        let capped = lints(makeProgram(epochs: 20, optimizer: OptimizerSpec(kind: .sgd, momentum: 0), batch: 128,
                                       maxBatch: 600, events: [.at(.epoch(10), .noise, .divide(5))]))
        XCTAssertEqual(capped.map(\.code.rawValue), ["S307"])
        XCTAssertEqual(capped.first?.notes.last?.message, "max_batch 600 is not a multiple of ghost_batch 128; 512 is")
        XCTAssertEqual(capped.first?.notes.last?.range, settingRange("max_batch"))

        let whole = lints(makeProgram(epochs: 20, optimizer: OptimizerSpec(kind: .sgd, momentum: 0), batch: 128,
                                      maxBatch: 4096, events: [.at(.epoch(10), .noise, .divide(4))]))
        XCTAssertEqual(whole.map(\.code.rawValue), [], "128 × 4 = 512 keeps whole ghost batches")
    }
}

final class PlanJSONTests: XCTestCase {
    /// The key order docs/plan-json.md documents.
    func testKeyOrderIsTheDocumentedOne() throws {
        let json = try Planner.plan(try CIFAR10Samples.adabatch).jsonText()
        func keys(atIndent indent: Int) -> [String] {
            let prefix = String(repeating: " ", count: indent) + "\""
            var seen: [String] = []
            for line in json.split(separator: "\n") where line.hasPrefix(prefix) && !line.dropFirst(prefix.count - 1).hasPrefix(" ") {
                let key = String(line.dropFirst(prefix.count).prefix { $0 != "\"" })
                if !seen.contains(key) { seen.append(key) }
            }
            return seen
        }
        XCTAssertEqual(keys(atIndent: 2), ["format", "version", "schedule", "dataset", "dataset_size", "subset", "model", "optimizer",
                                           "seed", "epochs", "policy", "max_batch", "micro_batch", "ghost_batch", "warmup",
                                           "total_updates", "phases", "changes"])
        XCTAssertEqual(keys(atIndent: 6), ["start_epoch", "end_epoch", "start_update", "end_update", "start_sample", "end_sample",
                                           "batch", "micro_batch", "accumulation", "pass_sizes", "lr", "momentum", "noise",
                                           "updates", "warmup", "epoch", "update", "sample", "event_index", "at", "event",
                                           "effect", "limit", "note", "before", "after", "reason", "changed"])
        XCTAssertEqual(keys(atIndent: 4), ["kind", "momentum", "weight_decay", "beta1", "beta2", "epsilon"])
    }

    func testJSONEscapesStrings() throws {
        var program = try CIFAR10Samples.decayingLR
        program.name = "a \"quoted\" name\\with\ttabs\u{1}"
        let json = try Planner.plan(program).jsonText()
        XCTAssertTrue(json.contains(#""schedule": "a \"quoted\" name\\with\ttabs\u0001""#), json)
        XCTAssertEqual(try JSONDecoder().decode(Plan.self, from: Data(json.utf8)).schedule, program.name)
    }

    /// A damaged plan file is a decoding error with a reason, never a crash in the runner.
    func testDecodingRejectsInconsistentPlans() throws {
        let json = try Planner.plan(CIFAR10Samples.increasingBatch).jsonText()
        let damaged: [(String, String)] = [
            (json.replacingOccurrences(of: "\"total_updates\": 29240", with: "\"total_updates\": 29000"), "total_updates"),
            (json.replacingOccurrences(of: "\"updates\": 640,", with: "\"updates\": 641,"), "counting rule"),
            (json.replacingOccurrences(of: "\"batch\": 3200,", with: "\"batch\": 9999,"), "batch must be in"),
            (json.replacingOccurrences(of: "\"pass_sizes\": [640]", with: "\"pass_sizes\": [600]"), "pass_sizes"),
            (json.replacingOccurrences(of: "\"start_sample\": 6000000", with: "\"start_sample\": 6000001"), "does not start where"),
        ]
        for (text, reason) in damaged {
            XCTAssertNotEqual(text, json, "the damage did not apply for \(reason)")
            XCTAssertThrowsError(try JSONDecoder().decode(Plan.self, from: Data(text.utf8))) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(error) lacks \(reason)")
            }
        }
    }
}

/// The property tests are only as good as the schedules they see: check the generator reaches
/// every path (limits, step events, warm-ups, micro-batching, fractional times).
final class RandomScheduleCoverageTests: XCTestCase {
    /// Linting a plan's changes in two halves at once gives what one pass gives, on every
    /// generated program (all kinds of findings, groups spanning the halves), memo or not.
    func testLintingInHalvesEqualsOnePass() throws {
        var compared = 0, findings = 0
        for (_, program) in PlannerPropertyTests.programs(.anything) + PlannerPropertyTests.programs(.policyEquivalent) {
            guard let plan = try? Planner.plan(program), plan.changes.count >= 2 else { continue }
            let (once, memo) = PlanLints.diagnostics(for: plan, program: program, reusing: nil, parallelFrom: .max)
            let (halves, halvesMemo) = PlanLints.diagnostics(for: plan, program: program, reusing: nil, parallelFrom: 1)
            XCTAssertEqual(halves, once, program.name)
            XCTAssertEqual(halvesMemo.count, memo.count, program.name)
            XCTAssertEqual(PlanLints.diagnostics(for: plan, program: program, reusing: halvesMemo, parallelFrom: 1).diagnostics, once, program.name)
            compared += 1
            findings += once.count
        }
        XCTAssertGreaterThan(compared, 100)
        XCTAssertGreaterThan(findings, 100)
    }

    func testGeneratorExercisesEveryKindOfChange() throws {
        var limits: [ChangeLimit: Int] = [:]
        var stepEvents = 0, fractional = 0, warmups = 0, accumulating = 0, midEpochPhases = 0
        for (_, program) in PlannerPropertyTests.programs(.anything) + PlannerPropertyTests.programs(.policyEquivalent) {
            let plan = try Planner.plan(program)
            for change in plan.changes { if let limit = change.limit { limits[limit, default: 0] += 1 } }
            stepEvents += program.events.filter { if case .step = $0.time { return true } else { return false } }.count
            fractional += program.events.filter { if case .epoch(let e) = $0.time { return e != e.rounded() } else { return false } }.count
            warmups += program.warmup == nil ? 0 : 1
            accumulating += plan.phases.filter { $0.accumulation > 1 }.count
            midEpochPhases += plan.phases.filter { $0.startSample % plan.datasetSize != 0 }.count
        }
        for limit in ChangeLimit.allCases { XCTAssertGreaterThan(limits[limit, default: 0], 5, "\(limit) barely exercised") }
        XCTAssertGreaterThan(stepEvents, 50)
        XCTAssertGreaterThan(fractional, 100)
        XCTAssertGreaterThan(warmups, 50)
        XCTAssertGreaterThan(accumulating, 50)
        XCTAssertGreaterThan(midEpochPhases, 100)
    }

}
