import Foundation
import XCTest
import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport

/// Properties over a few hundred seeded random schedules. A failure names its seed; replay it
/// with `randomProgram(&rng, ...)` from `TestRandom(seed:)`.
final class PlannerPropertyTests: XCTestCase {
    static let cases: UInt64 = 300
    static let policies: [Policy] = [.increaseBatch, .decayLearningRate, .hybrid(k: 0), .hybrid(k: 1), .hybrid(k: 2),
                                             .adabatch(r: 1.5), .adabatch(r: 2), .adabatch(r: 4)]

    /// The programs of one family, each with its seed.
    static func programs(_ family: ScheduleFamily) -> [(seed: UInt64, program: CheckedProgram)] {
        (1...cases).map { index in
            let seed = (family == .anything ? 1_000_000 : 0) + index
            var rng = TestRandom(seed: seed)
            return (seed, randomProgram(&rng, family: family, seed: seed))
        }
    }

    /// Every policy yields the same noise scale g at every epoch. (It holds for the whole run, not
    /// only until B_max binds: where B cannot move, ε takes the rest of the factor.)
    func testEveryPolicyFollowsTheSameNoiseScale() throws {
        for (seed, program) in Self.programs(.policyEquivalent) {
            let plans = try Self.policies.map { try Planner.plan(program, policy: $0) }
            for epoch in 0..<program.epochs {
                let g = plans.map { $0.phase(atEpoch: epoch)!.noise }
                for (plan, value) in zip(plans, g) where abs(value - g[0]) > 1e-9 * g[0] {
                    XCTFail("seed \(seed), epoch \(epoch): \(plan.policy) gives g = \(value), \(plans[0].policy) \(g[0])")
                    break
                }
            }
        }
    }

    func testDecayingTheLearningRateNeverNeedsFewerUpdatesThanGrowingTheBatch() throws {
        for (seed, program) in Self.programs(.policyEquivalent) {
            let decay = try Planner.plan(program, policy: .decayLearningRate)
            let grow = try Planner.plan(program, policy: .increaseBatch)
            XCTAssertGreaterThanOrEqual(decay.totalUpdates, grow.totalUpdates, "seed \(seed)")
        }
    }

    func testBatchStaysWithinOneAndMaxBatch() throws {
        for (seed, program) in Self.programs(.anything) + Self.programs(.policyEquivalent) {
            for policy in Self.policies {
                let plan = try Planner.plan(program, policy: policy)
                for phase in plan.phases where phase.batch < 1 || phase.batch > program.maxBatchSize {
                    XCTFail("seed \(seed), \(plan.policy): B = \(phase.batch) outside 1...\(program.maxBatchSize)")
                }
            }
        }
    }

    /// adabatch(r) moves B by at most r per noise change, either way.
    func testAdaBatchNeverGrowsTheBatchByMoreThanItsFactor() throws {
        for (seed, program) in Self.programs(.anything) {
            for r in [1.0, 1.5, 2, 4] {
                let plan = try Planner.plan(program, policy: .adabatch(r: r))
                for change in plan.changes where change.eventIndex.map({ program.events[$0].target == .noise }) ?? false {
                    let before = Double(change.before.batch), after = Double(change.after.batch)
                    XCTAssertLessThanOrEqual(after, before * r * (1 + 1e-12), "seed \(seed), adabatch(\(r)): \(change)")
                    XCTAssertGreaterThanOrEqual(after, before / r * (1 - 1e-12), "seed \(seed), adabatch(\(r)): \(change)")
                }
            }
        }
    }

    /// The passes of every update cover its batch exactly, none larger than micro_batch.
    func testAccumulationTimesMicroBatchCoversTheBatch() throws {
        for (seed, program) in Self.programs(.anything) {
            let plan = try Planner.plan(program)
            for phase in plan.phases {
                XCTAssertGreaterThanOrEqual(phase.accumulation * phase.microBatch, phase.batch, "seed \(seed)")
                XCTAssertEqual(phase.passSizes.reduce(0, +), phase.batch, "seed \(seed)")
                XCTAssertEqual(phase.passSizes.count, phase.accumulation, "seed \(seed)")
                if let micro = program.microBatchSize { XCTAssertLessThanOrEqual(phase.microBatch, micro, "seed \(seed)") }
            }
            for epoch in 0..<plan.epochs {
                for step in plan.steps(inEpoch: epoch) {
                    XCTAssertEqual(step.passSizes.reduce(0, +), step.batchSize, "seed \(seed)")
                    if let micro = program.microBatchSize { XCTAssertTrue(step.passSizes.allSatisfy { $0 <= micro }, "seed \(seed)") }
                }
            }
        }
    }

    /// steps(inEpoch:) is the whole run: every example of every epoch once, update indices
    /// 0..<total in order, and nothing else.
    func testStepsCoverEveryExampleOnceAndSumToTheTotal() throws {
        for (seed, program) in Self.programs(.anything) {
            let plan = try Planner.plan(program)
            var update = 0
            for epoch in 0..<plan.epochs {
                var next = 0
                for step in plan.steps(inEpoch: epoch) {
                    XCTAssertEqual(step.samples.lowerBound, next, "seed \(seed), epoch \(epoch)")
                    XCTAssertEqual(step.update, update, "seed \(seed), epoch \(epoch)")
                    XCTAssertFalse(step.samples.isEmpty)
                    next = step.samples.upperBound
                    update += 1
                }
                XCTAssertEqual(next, plan.datasetSize, "seed \(seed), epoch \(epoch) does not cover the data set")
            }
            XCTAssertEqual(update, plan.totalUpdates, "seed \(seed)")
            XCTAssertTrue(plan.steps(inEpoch: plan.epochs).isEmpty)
            XCTAssertNoThrow(try plan.validate(), "seed \(seed)")
        }
    }

    /// The analytic lowering agrees, update by update, with the naive twin that walks the stream.
    func testLoweringMatchesTheNaiveUpdateByUpdateTwin() throws {
        for (seed, program) in Self.programs(.anything) + Self.programs(.policyEquivalent) {
            let plan = try Planner.plan(program)
            let naive = try simulateNaively(program)
            XCTAssertEqual(plan.totalUpdates, naive.count, "seed \(seed)")
            var stepsSeen = 0
            for epoch in 0..<plan.epochs {
                for step in plan.steps(inEpoch: epoch) {
                    guard step.update < naive.count else { break }
                    let twin = naive[step.update]
                    if twin.epoch != step.epoch || twin.samples != step.samples || twin.momentum != step.momentum
                        || abs(twin.learningRate - step.learningRate) > 1e-12 * twin.learningRate {
                        XCTFail("seed \(seed), update \(step.update): plan \(step), twin \(twin)")
                        return
                    }
                    XCTAssertEqual(plan.learningRate(atUpdate: step.update), step.learningRate)
                    stepsSeen += 1
                }
            }
            XCTAssertEqual(stepsSeen, naive.count, "seed \(seed)")
        }
    }

    /// The documented JSON reads back (JSONDecoder) into the same plan, and so does Codable's own.
    func testJSONRoundTrips() throws {
        for (seed, program) in Self.programs(.anything).prefix(100) {
            let plan = try Planner.plan(program)
            let decoded = try JSONDecoder().decode(Plan.self, from: Data(plan.jsonText().utf8))
            XCTAssertEqual(decoded, plan, "seed \(seed)")
            let recoded = try JSONDecoder().decode(Plan.self, from: JSONEncoder().encode(plan))
            XCTAssertEqual(recoded, plan, "seed \(seed)")
        }
    }

    /// Random lints never crash and always point into the program (an event or a setting).
    func testLintsPointAtEventsOrSettings() throws {
        let known = Set((0..<20).map(eventRange) + settingNames.map(settingRange))
        for (seed, program) in Self.programs(.anything) {
            for diagnostic in Planner.diagnostics(for: program) {
                XCTAssertTrue(known.contains(diagnostic.range), "seed \(seed): \(diagnostic)")
                XCTAssertEqual(diagnostic.severity, diagnostic.code == .decayCannotGrowBatch ? .information : .warning, "seed \(seed): \(diagnostic)")
                XCTAssertFalse(diagnostic.message.first?.isUppercase ?? true, "seed \(seed): \(diagnostic.message)")
                XCTAssertFalse(diagnostic.message.hasSuffix("."), "seed \(seed): \(diagnostic.message)")
            }
        }
    }
}
