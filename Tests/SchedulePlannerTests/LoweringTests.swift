import XCTest
import ScheduleLanguage
@testable import SchedulePlanner

/// How single events lower, policy by policy, and where they land in the update stream.
final class LoweringTests: XCTestCase {
    /// N 10 000, 10 epochs, m 0, ε 0.1, B 100, B_max 1000 unless said otherwise.
    func small(policy: LoweringPolicy = .increaseBatch, batch: Int = 100, maxBatch: Int = 1000, micro: Int? = nil,
               ghost: Int? = nil, warmup: Warmup? = nil, _ events: [EventSpec]) throws -> Plan {
        try Planner.plan(makeProgram(dataset: DatasetSpec(known: nil, trainingSize: 10_000), epochs: 10,
                                     optimizer: OptimizerSpec(kind: .sgd), lr: 0.1, batch: batch, maxBatch: maxBatch,
                                     microBatch: micro, ghostBatch: ghost, policy: policy, warmup: warmup, events: events))
    }

    func testFractionalEpochTakesEffectAtTheFirstUpdateStartingAtOrAfterIt() throws {
        // Epoch 2.25 is example 2500 of epoch 2; with B 300 updates start at 2400 and 2700.
        let plan = try small(batch: 300, [.at(.epoch(2.25), .noise, .divide(2))])
        XCTAssertEqual(plan.phases.map(\.startSample), [0, 22_700])
        XCTAssertEqual(plan.phases[1].startEpoch, 2.27)
        XCTAssertEqual(plan.phases[1].startUpdate, 2 * 34 + 9)
        XCTAssertEqual(plan.changes[0].epoch, 2.27)
    }

    func testAChangeInTheLastPartialBatchMovesToTheNextEpoch() throws {
        // B 300: the last update of an epoch starts at 9900 (100 examples); epoch 2.995 is 9950.
        let plan = try small(batch: 300, [.at(.epoch(2.995), .noise, .divide(2))])
        XCTAssertEqual(plan.phases[1].startEpoch, 3)
        XCTAssertEqual(plan.phases[1].startUpdate, 3 * 34)
    }

    func testStepEventLandsBeforeThatUpdate() throws {
        // `at step 250` = before the 251st update: B 100 → 100 updates per epoch, so epoch 2.5.
        let plan = try small([.at(.step(250), .noise, .divide(2))])
        XCTAssertEqual(plan.phases[1].startUpdate, 250)
        XCTAssertEqual(plan.phases[1].startEpoch, 2.5)
        // Placed after the epoch-timed growth before it: 100 updates at B 100, then B 400 (25/epoch).
        let later = try small([.at(.epoch(1), .noise, .divide(4)), .at(.step(150), .noise, .divide(2))])
        XCTAssertEqual(later.phases.map(\.batch), [100, 400, 800])
        XCTAssertEqual(later.phases[2].startUpdate, 150)
        XCTAssertEqual(later.phases[2].startEpoch, 3)
    }

    func testEventsAtTheSameUpdateApplyInProgramOrderAndMakeOnePhase() throws {
        let plan = try small([.at(.epoch(5), .noise, .divide(2)), .at(.epoch(5), .lr, .multiply(3)),
                              .at(.step(500), .momentum, .set(0.5))])
        XCTAssertEqual(plan.phases.count, 2)
        XCTAssertEqual(plan.changes.map(\.update), [500, 500, 500])
        XCTAssertEqual(plan.changes.map(\.event), ["noise /= 2", "lr *= 3", "momentum = 0.5"])
        XCTAssertEqual(plan.phases[1].batch, 200)
        XCTAssertEqual(plan.phases[1].learningRate, 0.3, accuracy: 1e-15)
        XCTAssertEqual(plan.phases[1].momentum, 0.5)
    }

    func testEventsAtTheStartChangeTheFirstPhase() throws {
        let plan = try small([.at(.epoch(0), .batch, .set(250))])
        XCTAssertEqual(plan.phases.count, 1)
        XCTAssertEqual(plan.phases[0].batch, 250)
        XCTAssertEqual(plan.totalUpdates, 400)
    }

    func testEventsAtOrAfterTheEndChangeNothing() throws {
        let plan = try small([.at(.epoch(10), .noise, .divide(2)), .at(.step(1000), .lr, .divide(2))])
        XCTAssertEqual(plan.phases.count, 1)
        XCTAssertEqual(plan.totalUpdates, 1000)
        XCTAssertEqual(plan.changes.map(\.limit), [.afterEnd, .afterEnd])
        XCTAssertEqual(plan.changes.map(\.update), [1000, 1000])
    }

    func testNoChangeKeepsOnePhase() throws {
        let plan = try small([.at(.epoch(3), .noise, .multiply(1)), .at(.epoch(4), .lr, .multiply(1))])
        XCTAssertEqual(plan.phases.count, 1)
        XCTAssertEqual(plan.changes.map(\.effect), ["no change", "ε 0.1 → 0.1"])
    }

    // MARK: policies

    func testIncreaseBatchRoundsTheBatchAndCorrectsTheLearningRate() throws {
        // B 100 × 1.7 = 170 exactly; B 170 × 1.7 = 289 exactly; 289 × 1.7 = 491.3 → 491.
        let plan = try small([.at(.epoch(1), .noise, .divide(1.7)), .at(.epoch(2), .noise, .divide(1.7)),
                              .at(.epoch(3), .noise, .divide(1.7))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 170, 289, 491])
        XCTAssertEqual(plan.changes.map(\.limit), [nil, nil, .rounded])
        // g stays exactly g0 / 1.7³ although B is not 100·1.7³.
        XCTAssertEqual(plan.phases[3].noise, plan.phases[0].noise / (1.7 * 1.7 * 1.7), accuracy: 1e-12 * plan.phases[3].noise)
        XCTAssertEqual(plan.phases[3].learningRate, 0.1 * 491 / 491.3, accuracy: 1e-12)
    }

    func testIncreaseBatchCapsAtMaxBatchAndTheLearningRateTakesTheRest() throws {
        let plan = try small(maxBatch: 800, [.at(.epoch(1), .noise, .divide(5)), .at(.epoch(2), .noise, .divide(5))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 500, 800])
        XCTAssertEqual(plan.phases[2].learningRate, 0.1 * 800 / 2500, accuracy: 1e-15)
        XCTAssertEqual(plan.changes[1].limit, .maxBatch)
        XCTAssertEqual(plan.changes[1].note, "B capped at max_batch 800; ε ÷ 3.125 instead")
    }

    func testHybridGrowsTheFirstKDecaysOnly() throws {
        let decays = (1...3).map { EventSpec.at(.epoch(Double($0)), .noise, .divide(2)) }
        XCTAssertEqual(try small(policy: .hybrid(k: 0), decays).phases.map(\.batch), [100, 100, 100, 100])
        XCTAssertEqual(try small(policy: .hybrid(k: 2), decays).phases.map(\.batch), [100, 200, 400, 400])
        XCTAssertEqual(try small(policy: .hybrid(k: 5), decays).phases.map(\.batch), [100, 200, 400, 800])
    }

    func testAdaBatchGrowsByAtMostR() throws {
        let plan = try small(policy: .adabatch(r: 2), [.at(.epoch(1), .noise, .divide(5)), .at(.epoch(2), .noise, .divide(1.5))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 200, 300])
        XCTAssertEqual(plan.changes.map(\.limit), [.growthRate, nil])
        // Rounding never overshoots r: B 3 × 1.5 = 4.5 must not round to 5.
        let odd = try small(policy: .adabatch(r: 1.5), batch: 3, [.at(.epoch(1), .noise, .divide(1.5))])
        XCTAssertEqual(odd.phases.map(\.batch), [3, 4])
    }

    func testNoiseIncreaseShrinksAGrownBatchThenRaisesTheLearningRate() throws {
        let plan = try small([.at(.epoch(1), .noise, .divide(4)), .at(.epoch(2), .noise, .multiply(2)),
                              .at(.epoch(3), .noise, .multiply(4))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 400, 200, 100])
        assertClose(plan.phases.map(\.learningRate), [0.1, 0.1, 0.1, 0.2])
        XCTAssertEqual(plan.changes[2].limit, .batchFloor)
        // decay_lr just raises ε.
        let decay = try small(policy: .decayLearningRate, [.at(.epoch(1), .noise, .multiply(3))])
        assertClose(decay.phases.map(\.learningRate), [0.1, 0.3])
    }

    // MARK: explicit and keep-noise events

    func testExplicitBatchIsRoundedAndClamped() throws {
        let plan = try small([.at(.epoch(1), .batch, .multiply(2.5)), .at(.epoch(2), .batch, .set(5000)),
                              .at(.epoch(3), .batch, .divide(100_000))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 250, 1000, 1])
        XCTAssertEqual(plan.changes.map(\.limit), [nil, .clamped, .clamped])
        XCTAssertEqual(plan.changes[1].note, "batch 5000 clamped to max_batch 1000")
        let rounded = try small([.at(.epoch(1), .batch, .multiply(1.234))])
        XCTAssertEqual(rounded.phases[1].batch, 123)
        XCTAssertEqual(rounded.changes[0].limit, .rounded)
    }

    func testExplicitBatchResetsTheFloorANoiseIncreaseReturnsTo() throws {
        let plan = try small([.at(.epoch(1), .batch, .set(300)), .at(.epoch(2), .noise, .divide(2)),
                              .at(.epoch(3), .noise, .multiply(4))])
        XCTAssertEqual(plan.phases.map(\.batch), [100, 300, 600, 300])
    }

    func testKeepNoiseScalesTheBatchWithTheLearningRate() throws {
        let plan = try small([.at(.epoch(1), .lr, .multiply(3), keepNoise: true)])
        XCTAssertEqual(plan.phases[1].batch, 300)
        XCTAssertEqual(plan.phases[1].learningRate, 0.3, accuracy: 1e-15)
        XCTAssertEqual(plan.phases[1].noise, plan.phases[0].noise, accuracy: 1e-12)
    }

    func testKeepNoiseScalesTheBatchWithMomentum() throws {
        // (1 − 0)/(1 − 0.9) = 10: B 100 → 1000, g unchanged.
        let plan = try small([.at(.epoch(1), .momentum, .set(0.9), keepNoise: true)])
        XCTAssertEqual(plan.phases[1].batch, 1000)
        XCTAssertEqual(plan.phases[1].learningRate, 0.1)
        XCTAssertEqual(plan.phases[1].noise, plan.phases[0].noise, accuracy: 1e-12 * plan.phases[0].noise)
        XCTAssertNil(plan.changes[0].limit)
    }

    func testKeepNoiseBeyondMaxBatchLowersTheLearningRateInstead() throws {
        let plan = try small(maxBatch: 400, [.at(.epoch(1), .lr, .set(0.5), keepNoise: true)])
        XCTAssertEqual(plan.phases[1].batch, 400)
        XCTAssertEqual(plan.phases[1].learningRate, 0.4, accuracy: 1e-15)
        XCTAssertEqual(plan.phases[1].noise, plan.phases[0].noise, accuracy: 1e-12 * plan.phases[0].noise)
        XCTAssertEqual(plan.changes[0].limit, .maxBatch)
        XCTAssertEqual(plan.changes[0].note, "B 500 capped at max_batch 400; ε 0.4 instead of 0.5 so g stays put")
    }

    func testExplicitMomentumWithoutKeepNoiseChangesTheNoise() throws {
        let plan = try small([.at(.epoch(1), .momentum, .set(0.5))])
        XCTAssertEqual(plan.phases[1].noise, 2 * plan.phases[0].noise, accuracy: 1e-9)
    }

    // MARK: warm-up and the runner's view

    func testWarmupRampsLinearlyInUpdates() throws {
        let plan = try small(warmup: Warmup(length: 2, unit: .epoch), [.at(.epoch(1), .noise, .divide(2))])
        XCTAssertEqual(plan.warmup?.updates, 150)  // 100 updates at B 100, then 50 at B 200
        XCTAssertEqual(plan.learningRate(atUpdate: 0) ?? 0, 0.1 / 150, accuracy: 1e-15)
        XCTAssertEqual(plan.learningRate(atUpdate: 149) ?? 0, 0.1, accuracy: 1e-15)
        XCTAssertEqual(plan.learningRate(atUpdate: 74) ?? 0, 0.1 * 75 / 150, accuracy: 1e-15)
        XCTAssertEqual(plan.learningRate(atUpdate: 150), 0.1)
        XCTAssertNil(plan.learningRate(atUpdate: plan.totalUpdates))
        XCTAssertEqual(plan.phases.map(\.warmup), [true, true, false])
    }

    func testWarmupLongerThanTheRunRampsOverTheWholeRun() throws {
        let plan = try small(warmup: Warmup(length: 5000, unit: .step), [])
        XCTAssertEqual(plan.warmup?.updates, 1000)
        XCTAssertEqual(plan.learningRate(atUpdate: 999), 0.1)
        XCTAssertEqual(plan.changes.first?.limit, .afterEnd)
    }

    func testStepsCarryPassesAndPhaseIndices() throws {
        // N 10 000, B 3000, micro 1000: updates of 3000, 3000, 3000 and 1000 per epoch.
        let plan = try small(batch: 3000, maxBatch: 3000, micro: 1000, [.at(.epoch(5), .batch, .set(2500))])
        let first = plan.steps(inEpoch: 0)
        XCTAssertEqual(first.map(\.batchSize), [3000, 3000, 3000, 1000])
        XCTAssertEqual(first.map(\.passSizes), [[1000, 1000, 1000], [1000, 1000, 1000], [1000, 1000, 1000], [1000]])
        XCTAssertEqual(first.map(\.samples), [0..<3000, 3000..<6000, 6000..<9000, 9000..<10_000])
        let sixth = plan.steps(inEpoch: 5)
        XCTAssertEqual(sixth.map(\.passSizes), [[834, 833, 833], [834, 833, 833], [834, 833, 833], [834, 833, 833]])
        XCTAssertEqual(sixth.map(\.phase), [1, 1, 1, 1])
        XCTAssertEqual(sixth.first?.update, 20)
        XCTAssertEqual(plan.phaseIndex(atUpdate: 19), 0)
        XCTAssertEqual(plan.phaseIndex(atUpdate: 20), 1)
        XCTAssertTrue(plan.steps(inEpoch: -1).isEmpty)
    }

    /// `every 0.01 epochs: lr *= 0.9995` over 100 epochs (9 999 events, the checker's limit): the
    /// planner scanned every pending event per change (14.6 s in a release build); now linear.
    func testTenThousandEventsPlanInLinearTime() throws {
        let events = (1..<10_000).map { EventSpec.at(.epoch(Double($0) / 100), .lr, .multiply(0.9995)) }
        let program = makeProgram(epochs: 100, policy: .decayLearningRate, events: events)
        let start = ContinuousClock.now
        let plan = try Planner.plan(program)
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(plan.changes.count, 9_999)
        XCTAssertEqual(plan.changes.map(\.update), plan.changes.map(\.update).sorted())
        // Quadratic lowering took over 20 s here in a debug build; linear takes well under one.
        XCTAssertLessThan(elapsed, .seconds(5), "planning 9 999 events took \(elapsed)")
    }

    /// Many events at one update, sample- and step-timed interleaved in the program: they apply in
    /// program order however the two kinds of time sort.
    func testEventsSharingAnUpdateApplyInProgramOrderAcrossTimeKinds() throws {
        let events: [EventSpec] = [.at(.step(300), .lr, .multiply(2)), .at(.epoch(3), .lr, .multiply(3)),
                                   .at(.step(300), .momentum, .set(0.5)), .at(.epoch(2.999), .lr, .divide(2)),
                                   .at(.step(100), .lr, .multiply(5))]
        let plan = try small(events)
        XCTAssertEqual(plan.changes.map(\.event), ["lr *= 5", "lr *= 2", "lr *= 3", "momentum = 0.5", "lr /= 2"])
        XCTAssertEqual(plan.changes.map(\.update), [100, 300, 300, 300, 300])
    }
}

final class MicroBatchingTests: XCTestCase {
    func testDocumentedExamples() {
        XCTAssertEqual(MicroBatching.passSizes(batch: 5120, microBatch: 1024, ghostBatch: nil), [1024, 1024, 1024, 1024, 1024])
        XCTAssertEqual(MicroBatching.passSizes(batch: 1280, microBatch: 1024, ghostBatch: nil), [640, 640])
        XCTAssertEqual(MicroBatching.passSizes(batch: 1000, microBatch: 300, ghostBatch: nil), [250, 250, 250, 250])
        XCTAssertEqual(MicroBatching.passSizes(batch: 5120, microBatch: 1000, ghostBatch: 128), [896, 896, 896, 896, 768, 768])
        XCTAssertEqual(MicroBatching.passSizes(batch: 1001, microBatch: 500, ghostBatch: nil), [334, 334, 333])
        XCTAssertEqual(MicroBatching.passSizes(batch: 512, microBatch: nil, ghostBatch: 128), [512])
        XCTAssertEqual(MicroBatching.passSizes(batch: 512, microBatch: 1024, ghostBatch: 128), [512])
        XCTAssertEqual(MicroBatching.passSizes(batch: 0, microBatch: 10, ghostBatch: nil), [])
    }

    /// Exhaustive over small sizes: sum, bound, balance, and no ghost batch split across passes.
    func testPassesAreBalancedAndKeepGhostBatchesWhole() {
        for batch in 1...200 {
            for micro in 1...64 {
                for ghost in [nil, 1, 3, 8, 16, 100] as [Int?] {
                    let passes = MicroBatching.passSizes(batch: batch, microBatch: micro, ghostBatch: ghost)
                    XCTAssertEqual(passes.reduce(0, +), batch)
                    XCTAssertTrue(passes.allSatisfy { $0 >= 1 && $0 <= micro }, "\(batch) \(micro) \(String(describing: ghost)): \(passes)")
                    XCTAssertEqual(passes, passes.sorted(by: >))
                    let unit = ghost.map { $0 <= micro ? $0 : 1 } ?? 1
                    // Every pass but the last is whole units, and those differ by at most one unit.
                    let whole = passes.dropLast()
                    XCTAssertTrue(whole.allSatisfy { $0 % unit == 0 })
                    if let largest = whole.first, let smallest = whole.last {
                        XCTAssertLessThanOrEqual(largest - smallest, unit, "\(batch) \(micro) \(String(describing: ghost)): \(passes)")
                    }
                    if unit == 1 {
                        XCTAssertEqual(passes.count, (batch + micro - 1) / micro)
                        XCTAssertLessThanOrEqual(passes.first! - passes.last!, 1)
                    }
                }
            }
        }
    }
}
