import XCTest
import ScheduleLanguage
@testable import SchedulePlanner

/// Smith et al. 2018's CIFAR-10 figures (N = 50 000, 200 epochs, noise ÷ 5 at 60/120/160,
/// B_max 5120, m 0.9), from the schedules alone: each program is Samples/cifar10/NAME.sched
/// compiled by the front end, nothing else. The counting rule gives exact numbers; the paper
/// gives rounded ones (~80 000, ~29 000, "under 6 500", "less than 2 500").
final class PaperFiguresTests: XCTestCase {
    /// Every sample compiles and plans; the CIFAR-10 ones are all covered by the tests below
    /// and by the golden tables (a new sample must be added to `CIFAR10Samples`).
    func testEverySampleCompilesAndPlans() throws {
        let paths = SampleSchedules.allPaths
        XCTAssertGreaterThanOrEqual(paths.count, 7)
        for path in paths {
            let plan = try Planner.plan(try SampleSchedules.program(path))
            XCTAssertGreaterThan(plan.totalUpdates, 0, path)
        }
        let covered = Set(try CIFAR10Samples.all.map(\.name))
        for path in paths where path.hasPrefix("cifar10/") {
            let name = String(path.dropFirst("cifar10/".count).dropLast(".sched".count))
            XCTAssertTrue(covered.contains(name), "\(path) is not in CIFAR10Samples.all")
        }
    }

    func testDecayingLearningRateNeeds78200Updates() throws {
        let plan = try Planner.plan(CIFAR10Samples.decayingLR)
        XCTAssertEqual(plan.totalUpdates, 78_200)  // 200 × ⌈50000/128⌉ = 200 × 391
        XCTAssertEqual(Double(plan.totalUpdates), 80_000, accuracy: 0.03 * 80_000)
        XCTAssertEqual(plan.phases.map(\.batch), [128, 128, 128, 128])
        assertClose(plan.phases.map(\.learningRate), [0.1, 0.02, 0.004, 0.0008])
    }

    func testIncreasingBatchNeeds29240Updates() throws {
        let plan = try Planner.plan(CIFAR10Samples.increasingBatch)
        XCTAssertEqual(plan.totalUpdates, 29_240)  // 60·391 + 60·79 + 40·16 + 40·10
        XCTAssertEqual(Double(plan.totalUpdates), 29_000, accuracy: 0.03 * 29_000)
        XCTAssertEqual(plan.phases.map(\.batch), [128, 640, 3200, 5120])
        XCTAssertEqual(plan.phases.map(\.updates), [23_460, 4740, 640, 400])
        // The last decay would need B = 16 000: B_max binds and ε takes the remaining 3.125.
        assertClose(plan.phases.map(\.learningRate), [0.1, 0.1, 0.1, 0.032])
        let last = try XCTUnwrap(plan.changes.last)
        XCTAssertEqual(last.limit, .maxBatch)
        XCTAssertEqual(last.note, "B capped at max_batch 5120; ε ÷ 3.125 instead")
    }

    func testIncreasedInitialLearningRateNeeds6500Updates() throws {
        let plan = try Planner.plan(CIFAR10Samples.increasedLR)
        XCTAssertEqual(plan.totalUpdates, 6500)  // 60·79 + 60·16 + 40·10 + 40·10
        XCTAssertEqual(Double(plan.totalUpdates), 6500, accuracy: 0.03 * 6500)
        XCTAssertEqual(plan.phases.map(\.batch), [640, 3200, 5120, 5120])
        assertClose(plan.phases.map(\.learningRate), [0.5, 0.5, 0.16, 0.032])
        // The sample writes the paper's original ε 0.1, B 128 and converts it at epoch 0.
        XCTAssertEqual(plan.changes.first?.effect, "ε 0.1 → 0.5, B 128 → 640 (B ∝ ε)")
    }

    /// 2360 is 5.6 % under the paper's ~2500, outside 3 %: the paper states this one as an
    /// upper bound ("less than 2500"), which it is. The count is not tuned: at B 3200 an epoch
    /// is ⌈50000/3200⌉ = 16 updates (15 full batches and one of 1600), at B 5120 it is 10.
    func testIncreasedMomentumNeeds2360Updates() throws {
        let plan = try Planner.plan(CIFAR10Samples.increasedMomentum)
        XCTAssertEqual(plan.totalUpdates, 2360)  // 60·16 + 60·10 + 40·10 + 40·10
        XCTAssertLessThan(plan.totalUpdates, 2500)
        XCTAssertEqual(plan.phases.map(\.batch), [3200, 5120, 5120, 5120])
    }

    func testHybridGrowsOnceThenDecaysTheLearningRate() throws {
        let plan = try Planner.plan(CIFAR10Samples.hybrid)
        XCTAssertEqual(plan.totalUpdates, 34_520)  // 60·391 + 140·79
        XCTAssertEqual(plan.phases.map(\.batch), [128, 640, 640, 640])
        assertClose(plan.phases.map(\.learningRate), [0.1, 0.1, 0.02, 0.004])
    }

    func testAdaBatchGrowsTwofoldAndTheLearningRateTakesTheRest() throws {
        let plan = try Planner.plan(CIFAR10Samples.adabatch)
        // Warm-up splits the first phase at epoch 5.
        XCTAssertEqual(plan.phases.map(\.batch), [512, 512, 1024, 2048, 4096])
        XCTAssertEqual(plan.phases.map(\.warmup), [true, false, false, false, false])
        assertClose(plan.phases.map(\.learningRate), [0.4, 0.4, 0.16, 0.064, 0.0256])
        XCTAssertEqual(plan.phases.map(\.accumulation), [1, 1, 1, 2, 4])
        XCTAssertEqual(plan.totalUpdates, 60 * 98 + 60 * 49 + 40 * 25 + 40 * 13)
        XCTAssertEqual(plan.warmup?.updates, 5 * 98)
    }

    /// Every policy gives the same noise scale at every epoch on the paper's schedule.
    func testAllPoliciesFollowTheSameNoiseScale() throws {
        let policies: [Policy] = [.increaseBatch, .decayLearningRate, .hybrid(k: 1), .hybrid(k: 2), .adabatch(r: 2)]
        let plans = try policies.map { try Planner.plan(CIFAR10Samples.increasingBatch, policy: $0) }
        for epoch in 0..<200 {
            let reference = try XCTUnwrap(plans[0].phase(atEpoch: epoch)).noise
            for plan in plans.dropFirst() {
                XCTAssertEqual(try XCTUnwrap(plan.phase(atEpoch: epoch)).noise, reference, accuracy: 1e-9 * reference,
                               "\(plan.policy) at epoch \(epoch)")
            }
        }
    }
}

func assertClose(_ actual: [Double], _ expected: [Double], relative: Double = 1e-12,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(actual) vs \(expected)", file: file, line: line)
    for (a, e) in zip(actual, expected) where abs(a - e) > relative * abs(e) {
        XCTFail("\(actual) is not \(expected)", file: file, line: line)
        return
    }
}
