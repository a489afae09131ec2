import Foundation
import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner
import XCTest

/// DeepSpeed's rule: train_batch_size = micro batch per GPU × gradient_accumulation_steps ×
/// world size, and `set_train_batch_size` changes only the accumulation steps.
final class DeepSpeedScheduleTests: XCTestCase {
    let text = """
    schedule ds
    data size 10000
    epochs 6
    lr 0.1
    batch 32
    max_batch 512
    micro_batch 64
    at epoch 2, 4: noise /= 4
    """

    /// Replaying the schedule's changes update by update gives every update's batch, and each
    /// is micro × accumulation × world.
    func testScheduleReplaysEveryUpdate() throws {
        let (program, plan) = try planned(text)
        for world in [1, 2, 8] {
            let target = EngineTarget(engine: .deepspeed, worldSize: world)
            XCTAssertEqual(EngineLimits.diagnostics(for: plan, program: program, target: target).filter { $0.severity == .error }, [],
                           "world \(world)")
            let schedule = DeepSpeedSchedule(plan: plan, target: target)
            XCTAssertLessThanOrEqual(schedule.microBatch, 64, "the plan's micro_batch is the limit")
            var current = schedule.changes[0]
            var next = 1
            for reading in PlanClock(plan: plan).readings() {
                if next < schedule.changes.count, schedule.changes[next].update == reading.update {
                    current = schedule.changes[next]
                    next += 1
                }
                XCTAssertEqual(current.trainBatchSize, reading.batch, "update \(reading.update)")
                XCTAssertEqual(current.trainBatchSize, schedule.microBatch * current.gradientAccumulationSteps * world)
                XCTAssertGreaterThanOrEqual(current.gradientAccumulationSteps, 1)
            }
            XCTAssertEqual(next, schedule.changes.count, "every change is used")
        }
    }

    /// 10000 mod 32 = 16: with micro 16 on 2 ranks the short update of 16 is not 32-divisible.
    func testIndivisibleBatchIsReportedAtTheEvent() throws {
        let (program, plan) = try planned(text)
        let diagnostics = EngineLimits.diagnostics(for: plan, program: program,
                                                   target: EngineTarget(engine: .deepspeed, worldSize: 2, microBatch: 16))
        XCTAssertEqual(diagnostics.map(\.code), [.indivisibleBatch, .indivisibleBatch])
        XCTAssertEqual(diagnostics[0].range, program.settingRanges["batch"])
        XCTAssertTrue(diagnostics[0].message.contains("batch 16 is not a multiple of micro batch × world size = 16 × 2 = 32"),
                      diagnostics[0].message)
        XCTAssertEqual(diagnostics[1].range, program.events[0].range)
        XCTAssertEqual(diagnostics[1].notes.first?.message, "also phase 3 (batch 272)")
    }

    func testMicroBatchOverThePlansLimit() throws {
        let (program, plan) = try planned(text)
        let diagnostics = EngineLimits.diagnostics(for: plan, program: program,
                                                   target: EngineTarget(engine: .deepspeed, worldSize: 1, microBatch: 128))
        let over = try XCTUnwrap(diagnostics.first { $0.code == .microBatchOverLimit })
        XCTAssertEqual(over.range, program.settingRanges["micro_batch"])
        XCTAssertEqual(over.message, "micro batch 128 per rank is over the plan's micro_batch 64")
        // PyTorch splits any batch: only the micro batch can be wrong there.
        XCTAssertEqual(EngineLimits.diagnostics(for: plan, program: program, target: EngineTarget(engine: .pytorch, worldSize: 3)), [])
    }

    /// The config is JSON and says the first update's batch.
    func testConfigText() throws {
        let (_, plan) = try planned(text)
        let schedule = DeepSpeedSchedule(plan: plan, target: EngineTarget(engine: .deepspeed, worldSize: 2))
        let config = try JSONSerialization.jsonObject(with: Data(schedule.configText.utf8)) as! [String: Any]
        XCTAssertEqual(config["train_batch_size"] as? Int, 32)
        XCTAssertEqual((config["train_micro_batch_size_per_gpu"] as! Int) * (config["gradient_accumulation_steps"] as! Int) * 2, 32)
        let document = try JSONSerialization.jsonObject(with: Data(schedule.scheduleText.utf8)) as! [String: Any]
        XCTAssertEqual((document["changes"] as! [[String: Any]]).count, schedule.changes.count)
    }
}
