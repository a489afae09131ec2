import XCTest
import ScheduleLanguage
@testable import SchedulePlanner

final class TimelineTests: XCTestCase {
    func testEpochAndPercentTimesBecomeSamplePositions() throws {
        let program = makeProgram(epochs: 200, events: [.at(.epoch(60), .noise, .divide(5)),
                                                        .at(.epoch(10.3), .lr, .divide(2)),
                                                        .at(.fraction(0.3), .noise, .divide(2)),
                                                        .at(.step(1000), .noise, .divide(2))])
        let timeline = try Timeline(program)
        XCTAssertEqual(timeline.entries.map(\.time), [.sample(3_000_000), .sample(515_000), .sample(3_000_000), .update(1000)])
        XCTAssertEqual(timeline.entries.map(\.timeText.description), ["epoch 60", "epoch 10.3", "30%", "step 1000"])
        XCTAssertEqual(timeline.entries.map(\.text.description), ["noise /= 5", "lr /= 2", "noise /= 2", "noise /= 2"])
        XCTAssertEqual(timeline.entries.map(\.eventIndex), [0, 1, 2, 3])
    }

    /// 0.1 × 50000 is 5000.000000000001 in binary; it still means example 5000.
    func testDecimalEpochsAreNotPushedPastTheirExample() {
        XCTAssertEqual(Timeline.samplePosition(ofEpoch: 0.1, datasetSize: 50_000, cap: 10_000_000), 5000)
        XCTAssertEqual(Timeline.samplePosition(ofEpoch: 0.7, datasetSize: 60_000, cap: 10_000_000), 42_000)
        // A real fraction of an example rounds up: "at or after that position".
        XCTAssertEqual(Timeline.samplePosition(ofEpoch: 1.00001, datasetSize: 1000, cap: 10_000_000), 1001)
        // Far past the end is capped just past it.
        XCTAssertEqual(Timeline.samplePosition(ofEpoch: 1e300, datasetSize: 1000, cap: 5000), 5001)
    }

    func testWarmupBecomesAnEntry() throws {
        let epochs = try Timeline(makeProgram(warmup: Warmup(length: 5, unit: .epoch)))
        XCTAssertEqual(epochs.entries.last?.time, .sample(250_000))
        XCTAssertEqual(epochs.entries.last?.change, .warmupEnd)
        XCTAssertEqual(epochs.entries.last?.range, settingRange("warmup"))
        let steps = try Timeline(makeProgram(warmup: Warmup(length: 500, unit: .step)))
        XCTAssertEqual(steps.entries.last?.time, .update(500))
    }

    /// Programs the front end would reject still get a diagnostic, never a crash.
    func testInvalidProgramsGiveS300AtTheCulprit() {
        func error(_ program: CheckedProgram) -> Diagnostic? {
            do {
                _ = try Planner.plan(program)
                return nil
            } catch let error as PlanningError {
                return error.diagnostic
            } catch {
                return nil
            }
        }
        let cases: [(CheckedProgram, SourceRange, String)] = [
            (makeProgram(batch: 0), settingRange("batch"), "batch must be in"),
            (makeProgram(batch: 6000), settingRange("batch"), "batch must be in"),
            (makeProgram(maxBatch: 0), settingRange("max_batch"), "max_batch must be"),
            (makeProgram(epochs: 0), settingRange("epochs"), "epochs must be"),
            (makeProgram(dataset: DatasetSpec(known: nil, trainingSize: 0)), settingRange("data"), "no training examples"),
            (makeProgram(optimizer: OptimizerSpec(kind: .sgd, momentum: 1)), settingRange("optimizer"), "momentum must be"),
            (makeProgram(lr: 0), settingRange("lr"), "lr must be"),
            (makeProgram(lr: .nan), settingRange("lr"), "lr must be"),
            (makeProgram(microBatch: 0), settingRange("micro_batch"), "micro_batch"),
            (makeProgram(ghostBatch: -1), settingRange("ghost_batch"), "ghost_batch"),
            (makeProgram(policy: .adabatch(r: 0.5)), settingRange("policy"), "adabatch(r)"),
            (makeProgram(policy: .hybrid(k: -1)), settingRange("policy"), "hybrid(k)"),
            (makeProgram(warmup: Warmup(length: 0, unit: .epoch)), settingRange("warmup"), "warmup length"),
            (makeProgram(warmup: Warmup(length: 2.5, unit: .step)), settingRange("warmup"), "whole number of steps"),
            (makeProgram(events: [.at(.epoch(1), .noise, .set(3))]), eventRange(0), "cannot be set"),
            (makeProgram(events: [.at(.epoch(1), .noise, .divide(0))]), eventRange(0), "positive"),
            (makeProgram(events: [.at(.epoch(1), .noise, .divide(5)), .at(.epoch(2), .batch, .multiply(2), keepNoise: true)]),
             eventRange(1), "keep noise"),
            (makeProgram(events: [.at(.epoch(1), .lr, .divide(0))]), eventRange(0), "divide by 0"),
            (makeProgram(events: [.at(.epoch(1), .momentum, .multiply(2))]), eventRange(0), "momentum would become 1.8"),
            (makeProgram(events: [.at(.epoch(1), .lr, .set(-1))]), eventRange(0), "lr would become -1"),
            (makeProgram(events: [.at(.epoch(1), .batch, .multiply(0))]), eventRange(0), "batch would become 0"),
            (makeProgram(optimizer: OptimizerSpec(kind: .adam), events: [.at(.epoch(1), .momentum, .set(0.9))]), eventRange(0), "adam"),
        ]
        for (program, range, fragment) in cases {
            guard let diagnostic = error(program) else {
                XCTFail("no error for \(fragment)")
                continue
            }
            XCTAssertEqual(diagnostic.code, .cannotBePlanned)
            XCTAssertEqual(diagnostic.severity, .error)
            XCTAssertEqual(diagnostic.range, range, diagnostic.message)
            XCTAssertTrue(diagnostic.message.contains(fragment), "\(diagnostic.message) lacks \(fragment)")
            XCTAssertEqual(Planner.diagnostics(for: program), [diagnostic])
        }
    }

    /// Step-timed and negative-time checks need the event's time range.
    func testNegativeTimesPointAtTheTime() {
        let program = makeProgram(events: [.at(.epoch(-1), .noise, .divide(5))])
        XCTAssertThrowsError(try Planner.plan(program)) { error in
            XCTAssertEqual((error as? PlanningError)?.diagnostic.range, program.events[0].timeRange)
        }
    }
}
