import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport
import Foundation
import XCTest

/// `adapt batch(...)` in the planner: the plan without growths, the plan with the growths a
/// run decided (`Planner.plan(_:growths:)`), the growth rule, the realised plan.
final class AdaptivePlanTests: XCTestCase {
    /// Fashion-MNIST-sized: N 10000, 10 epochs, batch 32 in passes of 16, ghost batches of 16.
    func adaptiveProgram(keep: AdaptiveSpec.Keep = .lr, grow: Double = 2, upTo: Int = 1024, maxBatch: Int = 1024,
                         ghostBatch: Int? = 16, policy: LoweringPolicy = .increaseBatch, events: [EventSpec] = []) -> CheckedProgram {
        var program = makeProgram(dataset: DatasetSpec(known: nil, trainingSize: 10_000), epochs: 10, lr: 0.1, batch: 32,
                                  maxBatch: maxBatch, microBatch: 16, ghostBatch: ghostBatch, policy: policy, events: events)
        program.adaptive = AdaptiveSpec(every: .steps(50), grow: grow, upTo: upTo, keep: keep, range: eventRange(40))
        return program
    }

    /// The batch in force just before update `update` (what a growth there grows from).
    func batch(before update: Int, in plan: Plan) -> Int {
        plan.phases[plan.phaseIndex(atUpdate: update - 1)!].batch
    }

    /// Every update before `update`, exactly as the runner would execute it.
    func steps(before update: Int, in plan: Plan) -> [PlannedStep] {
        var steps: [PlannedStep] = []
        for epoch in 0..<plan.epochs {
            let some = plan.steps(inEpoch: epoch).filter { $0.update < update }
            if some.isEmpty { break }
            steps += some
        }
        return steps
    }

    func testThePlanWithoutGrowthsIsTheFixedPlanWithTheRule() throws {
        let program = adaptiveProgram(events: EventSpec.noiseDecay(by: 5, atEpochs: [8]))
        var fixed = program
        fixed.adaptive = nil
        let plan = try Planner.plan(program)
        XCTAssertEqual(plan.adaptive, AdaptiveBatch(interval: .updates(50), smoothing: 0.9, above: 2, checks: 3, growth: 2,
                                                    limit: 1024, gap: nil, keep: .lr))
        XCTAssertEqual(plan.realised(), try Planner.plan(fixed))
        XCTAssertEqual(try Planner.plan(program, growths: []), plan)
        XCTAssertFalse(plan.changes.contains { $0.reason == .adaptive })
    }

    /// plan(growths + [g]) and plan(growths) agree on every update before g's: the runner can
    /// swap plans at a growth without changing what already ran.
    func testAGrowthChangesNothingBeforeItsUpdate() throws {
        for seed in 1...40 as ClosedRange<UInt64> {
            var rng = TestRandom(seed: seed)
            let events = rng.bool() ? EventSpec.noiseDecay(by: rng.pick([2, 5, 10]), atEpochs: [Double(rng.int(1...9))]) : []
            let program = adaptiveProgram(keep: rng.pick(AdaptiveSpec.Keep.allCases), grow: rng.pick([1.5, 2, 3]),
                                          upTo: rng.pick([256, 1000, 1024]), events: events)
            let rule = AdaptiveBatch(program.adaptive!)
            var growths: [AdaptiveGrowth] = []
            var plan = try Planner.plan(program)
            var update = 0
            while true {
                update += rng.int(1...max(1, plan.totalUpdates / 6))
                guard update < plan.totalUpdates,
                      let grown = rule.grownBatch(from: batch(before: update, in: plan), ghostBatch: 16) else { break }
                let next = try Planner.plan(program, growths: growths + [AdaptiveGrowth(update: update, batch: grown, noiseScale: 500)])
                XCTAssertEqual(steps(before: update, in: next), steps(before: update, in: plan), "seed \(seed), growth at \(update)")
                XCTAssertEqual(next.changes.filter { $0.update < update }, plan.changes.filter { $0.update < update }, "seed \(seed)")
                XCTAssertEqual(next.phases[next.phaseIndex(atUpdate: update)!].batch >= grown, true, "seed \(seed)")
                XCTAssertEqual(next.adaptive, rule)
                XCTAssertNoThrow(try next.validate())
                growths.append(AdaptiveGrowth(update: update, batch: grown, noiseScale: 500))
                plan = next
            }
            XCTAssertEqual(plan.changes.filter { $0.reason == .adaptive }.map(\.update), growths.map(\.update), "seed \(seed)")
            // Growing the batch never adds updates.
            XCTAssertLessThanOrEqual(plan.totalUpdates, try Planner.plan(program).totalUpdates, "seed \(seed)")
        }
    }

    func testKeepLrKeepsTheLearningRateAndKeepNoiseKeepsTheNoiseScale() throws {
        let growth = AdaptiveGrowth(update: 300, batch: 64, noiseScale: 812.5)
        let lr = try Planner.plan(adaptiveProgram(keep: .lr), growths: [growth])
        XCTAssertEqual(lr.phases.map(\.batch), [32, 64])
        XCTAssertEqual(lr.phases.map(\.learningRate), [0.1, 0.1])
        XCTAssertEqual(lr.phases[1].noise, lr.phases[0].noise / 2)
        XCTAssertEqual(lr.phases[1].startUpdate, 300)
        XCTAssertEqual(lr.phases[1].passSizes, [16, 16, 16, 16])
        let change = try XCTUnwrap(lr.changes.first)
        XCTAssertEqual(change.reason, .adaptive)
        XCTAssertEqual(change.update, 300)
        XCTAssertEqual(change.sample, 300 * 32)
        XCTAssertEqual(change.effect, "B 32 → 64")
        XCTAssertEqual(change.note, "measured B_simple 812.5 > 2 × 32")
        XCTAssertNil(change.eventIndex)

        let noise = try Planner.plan(adaptiveProgram(keep: .noise), growths: [growth])
        XCTAssertEqual(noise.phases.map(\.batch), [32, 64])
        XCTAssertEqual(noise.phases.map(\.learningRate), [0.1, 0.2])
        XCTAssertEqual(noise.phases[1].noise, noise.phases[0].noise)
        XCTAssertEqual(noise.changes.first?.effect, "B 32 → 64, ε 0.1 → 0.2")
        // The same updates either way: only ε differs.
        XCTAssertEqual(noise.totalUpdates, lr.totalUpdates)
    }

    /// A fixed noise event lowers from the batch the run has reached: under increase_batch it
    /// grows the grown batch, up to max_batch, and ε takes the rest.
    func testALaterNoiseEventGrowsFromTheGrownBatchUpToMaxBatch() throws {
        let program = adaptiveProgram(events: EventSpec.noiseDecay(by: 5, atEpochs: [8]))
        let fixed = try Planner.plan(program)
        XCTAssertEqual(fixed.phases.map(\.batch), [32, 160])
        let grown = try Planner.plan(program, growths: [AdaptiveGrowth(update: 400, batch: 64, noiseScale: 300),
                                                        AdaptiveGrowth(update: 700, batch: 256, noiseScale: 900)])
        XCTAssertEqual(grown.phases.map(\.batch), [32, 64, 256, 1024])
        let decay = try XCTUnwrap(grown.changes.last)
        XCTAssertEqual(decay.reason, .noiseEvent)
        XCTAssertEqual(decay.limit, .maxBatch)
        XCTAssertEqual(decay.effect, "B 256 → 1024, ε 0.1 → 0.08")
        // The noise event still divides g by 5 from where the run is.
        XCTAssertEqual(grown.phases[3].noise, grown.phases[2].noise / 5, accuracy: 1e-9)
    }

    /// A growth and an event at the same update: the growth first, then the event from it.
    func testAGrowthAppliesBeforeAnEventAtTheSameUpdate() throws {
        let program = adaptiveProgram(events: [.at(.step(500), .noise, .divide(2))])
        let plan = try Planner.plan(program, growths: [AdaptiveGrowth(update: 500, batch: 64, noiseScale: 300)])
        XCTAssertEqual(plan.changes.map(\.reason), [.adaptive, .noiseEvent])
        XCTAssertEqual(plan.changes.map(\.effect), ["B 32 → 64", "B 64 → 128"])
        XCTAssertEqual(plan.phases.map(\.batch), [32, 128])
    }

    func testAGrowthIsCappedAtUpToAndRoundedDownToWholeGhostBatches() {
        let rule = AdaptiveBatch(interval: .updates(50), smoothing: 0.9, above: 2, checks: 3, growth: 3, limit: 1000, gap: nil,
                                 keep: .lr)
        XCTAssertEqual(rule.grownBatch(from: 128, ghostBatch: 128), 384)
        XCTAssertEqual(rule.grownBatch(from: 384, ghostBatch: 128), 896)  // 1152 capped at 1000, down to 7 × 128
        XCTAssertNil(rule.grownBatch(from: 896, ghostBatch: 128))  // 1000 rounds down to 896: no growth left
        XCTAssertEqual(rule.grownBatch(from: 384, ghostBatch: nil), 1000)
        XCTAssertNil(rule.grownBatch(from: 1000, ghostBatch: nil))
        var half = rule
        half.growth = 1.5
        XCTAssertEqual(half.grownBatch(from: 100, ghostBatch: nil), 150)
        XCTAssertEqual(half.grownBatch(from: 100, ghostBatch: 16), 144)
        XCTAssertEqual(half.grownBatch(from: 3, ghostBatch: nil), 4)  // 4.5 rounds down
        XCTAssertNil(half.grownBatch(from: 1, ghostBatch: nil))  // 1.5 rounds down to 1
        // In a plan: the last growth the rule allows reaches up_to exactly when it is whole ghost batches.
        let program = adaptiveProgram(grow: 4, upTo: 512)
        let r = AdaptiveBatch(program.adaptive!)
        XCTAssertEqual(r.grownBatch(from: 32, ghostBatch: 16), 128)
        XCTAssertEqual(r.grownBatch(from: 128, ghostBatch: 16), 512)
        XCTAssertNil(r.grownBatch(from: 512, ghostBatch: 16))
    }

    func testGrowthsTheRuleCannotHaveMadeAreRefused() throws {
        let program = adaptiveProgram(upTo: 512)
        func message(_ growths: [AdaptiveGrowth]) -> String {
            do {
                _ = try Planner.plan(program, growths: growths)
                return "planned"
            } catch let error as PlanningError {
                XCTAssertEqual(error.diagnostic.code, .cannotBePlanned)
                XCTAssertEqual(error.diagnostic.range, eventRange(40))
                return error.description
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message([AdaptiveGrowth(update: 100, batch: 32, noiseScale: 1)]),
                       "adaptive growth at update 100 to batch 32: it must be above the batch in force (32) and at most up_to 512")
        XCTAssertEqual(message([AdaptiveGrowth(update: 100, batch: 1024, noiseScale: 1)]),
                       "adaptive growth at update 100 to batch 1024: it must be above the batch in force (32) and at most up_to 512")
        XCTAssertEqual(message([AdaptiveGrowth(update: 200, batch: 64, noiseScale: 1), AdaptiveGrowth(update: 200, batch: 128, noiseScale: 1)]),
                       "adaptive growths must come at increasing updates after the first, not at update 200 after 200")
        XCTAssertEqual(message([AdaptiveGrowth(update: 0, batch: 64, noiseScale: 1)]),
                       "adaptive growths must come at increasing updates after the first, not at update 0 after 0")
        let total = try Planner.plan(program).totalUpdates
        XCTAssertEqual(total, 3130)  // 313 updates an epoch, the last of 16 examples
        XCTAssertEqual(message([AdaptiveGrowth(update: total, batch: 64, noiseScale: 1)]),
                       "an adaptive growth at update 3130 is at or after the end of the run (3130 updates)")
        XCTAssertEqual(message([AdaptiveGrowth(update: total - 1, batch: 64, noiseScale: 1)]), "planned")
        var fixed = program
        fixed.adaptive = nil
        XCTAssertThrowsError(try Planner.plan(fixed, growths: [AdaptiveGrowth(update: 100, batch: 64, noiseScale: 1)]))
    }

    func testAnAdaptivePlanRoundTripsAndItsRealisedPlanHasNoRule() throws {
        var program = adaptiveProgram(keep: .noise)
        program.adaptive!.gap = .epochs(0.5)
        let plan = try Planner.plan(program, growths: [AdaptiveGrowth(update: 300, batch: 64, noiseScale: 812.25)])
        let text = plan.jsonText()
        XCTAssertTrue(text.contains("\"every\": {\"updates\": 50}"), text)
        XCTAssertTrue(text.contains("\"gap\": {\"epochs\": 0.5}"), text)
        XCTAssertEqual(try Plan(jsonText: text), plan)
        let realised = plan.realised()
        XCTAssertNil(realised.adaptive)
        XCTAssertTrue(text.contains("\n  \"adaptive\": {"), text)
        XCTAssertFalse(realised.jsonText().contains("\n  \"adaptive\""))
        XCTAssertEqual(try Plan(jsonText: realised.jsonText()), realised)
        XCTAssertEqual(realised.phases, plan.phases)
        XCTAssertEqual(realised.changes, plan.changes)
    }

    /// The plan lints of a plan with growths blame the `adapt` statement for what a growth did.
    func testLintsOfAGrownPlanPointAtTheAdaptStatement() throws {
        let program = adaptiveProgram(upTo: 2048, maxBatch: 2048)
        let plan = try Planner.plan(program, growths: [AdaptiveGrowth(update: 300, batch: 64, noiseScale: 100),
                                                       AdaptiveGrowth(update: 600, batch: 2048, noiseScale: 5000)])
        let lints = PlanLints.diagnostics(for: plan, program: program)
        let large = try XCTUnwrap(lints.first { $0.code == .batchPastTenthOfDataSet })
        XCTAssertEqual(large.range, eventRange(40))
        XCTAssertEqual(large.message.hasPrefix("batch grows to 2048"), true, large.message)
        XCTAssertFalse(lints.contains { $0.code == .eventAfterEnd })
    }

    /// An adaptive batch grows, so batch norm should be ghosted (S204); the ghost batch the
    /// fix-it proposes divides the passes too (passes of 48 from batches of 96: 48, not 96).
    func testAnAdaptiveBatchWithoutGhostBatchNormIsWarned() throws {
        let text = "schedule t\ndata size 10000\nmodel cnn\nepochs 10\nlr 0.1\nbatch 96\nmicro_batch 48\nadapt batch(every: 50 steps)\n"
        let source = SourceFile(path: "t.sched", text: text)
        let program = try XCTUnwrap(ScheduleCompiler.compile(source).program)
        let lints = PolicyLints.diagnostics(for: program, in: source)
        XCTAssertEqual(lints.map(\.code), [.batchNormNotGhosted])
        XCTAssertEqual(lints.first?.fixIts.first?.edits.first?.newText, "ghost_batch 48\n")
        var fixed = program
        fixed.adaptive!.upTo = fixed.batchSize
        XCTAssertEqual(PolicyLints.diagnostics(for: fixed, in: source), [], "a batch that cannot grow needs no ghost batch norm")
    }

    func testValidateRefusesAnInconsistentRule() throws {
        let plan = try Planner.plan(adaptiveProgram())
        func violation(_ change: (inout AdaptiveBatch) -> Void) -> String? {
            var broken = plan
            change(&broken.adaptive!)
            do {
                try broken.validate()
                return nil
            } catch {
                return "\(error)"
            }
        }
        XCTAssertNil(violation { _ in })
        XCTAssertEqual(violation { $0.limit = 2048 }, "adaptive.up_to must be in 1...max_batch (1024)")
        XCTAssertEqual(violation { $0.growth = 1 }, "adaptive.grow must be a number greater than 1")
        XCTAssertEqual(violation { $0.smoothing = 1 }, "adaptive.smoothing must be in 0 ≤ s < 1")
        XCTAssertEqual(violation { $0.above = 0 }, "adaptive.above must be a positive number")
        XCTAssertEqual(violation { $0.checks = 0 }, "adaptive.checks must be at least 1")
        XCTAssertEqual(violation { $0.interval = .updates(0) }, "adaptive.every must be at least 1 update or a positive number of epochs")
        XCTAssertEqual(violation { $0.gap = .epochs(-1) }, "adaptive.gap must be at least 1 update or a positive number of epochs")
        // The reader refuses such a plan file too.
        let text = plan.jsonText().replacingOccurrences(of: "\"grow\": 2", with: "\"grow\": 0.5")
        XCTAssertThrowsError(try Plan(jsonText: text)) { error in
            XCTAssertEqual("\(error)", "not a valid plan: adaptive.grow must be a number greater than 1")
        }
    }
}

/// What `schedc plan` says of an adaptive schedule before it runs (`Planner.adaptiveBounds`).
final class AdaptiveBoundsTests: XCTestCase {
    func testTheSamplesTableAndJSON() throws {
        let program = try SampleSchedules.program("adaptive/adaptive_batch.sched")
        let plan = try Planner.plan(program)
        assertGolden(plan.table(bounds: try Planner.adaptiveBounds(program)), named: "adaptive_batch.txt")
        assertGolden(plan.jsonText(), named: "adaptive_batch.json")
    }

    func testAFixedScheduleHasNoBounds() throws {
        XCTAssertNil(try Planner.adaptiveBounds(CIFAR10Samples.increasingBatch))
    }

    /// Every 100 updates, 2 checks in a row, no gap: a growth at every second check.
    func testTheEarliestGrowthsComeAtEveryPermittedCheck() throws {
        var program = makeProgram(dataset: DatasetSpec(known: nil, trainingSize: 10_000), epochs: 10, batch: 32, maxBatch: 512,
                                  microBatch: 16, ghostBatch: 16)
        program.adaptive = AdaptiveSpec(every: .steps(100), checks: 2, upTo: 512, range: eventRange(40))
        let bounds = try XCTUnwrap(try Planner.adaptiveBounds(program))
        XCTAssertEqual(bounds.earliest.map(\.batch), [64, 128, 256, 512])
        XCTAssertEqual(bounds.earliest.map(\.update), [200, 400, 600, 800])
        // Epochs end with a short update (10000 = 156 × 64 + 16), so the growths fall off round epochs.
        XCTAssertEqual(bounds.earliest.map(\.epoch), [0.64, 1.9152, 4.448, 9.4608])
        let fixed = try Planner.plan(program)
        XCTAssertEqual(bounds.updates, bounds.earliestPlan.totalUpdates...fixed.totalUpdates)
        XCTAssertEqual(bounds.earliestPlan.phases.map(\.batch), [32, 64, 128, 256, 512])
        // The earliest plan is a plan of its own growths: the runtime could have decided them.
        let growths = bounds.earliest.map { AdaptiveGrowth(update: $0.update, batch: $0.batch, noiseScale: .nan) }
        XCTAssertEqual(try Planner.plan(program, growths: growths), bounds.earliestPlan)

        // A gap of 3 epochs between growths: the checks in between are positive but wait.
        program.adaptive!.gap = .epochs(3)
        let gapped = try XCTUnwrap(try Planner.adaptiveBounds(program))
        XCTAssertEqual(gapped.earliest.map(\.batch), [64, 128, 256])
        for (a, b) in zip(gapped.earliest, gapped.earliest.dropFirst()) { XCTAssertGreaterThanOrEqual(b.epoch - a.epoch, 3) }
        // Every 4 epochs: checks at epochs 4 and 8, one growth at the second.
        program.adaptive!.gap = nil
        program.adaptive!.every = .epochs(4)
        let sparse = try XCTUnwrap(try Planner.adaptiveBounds(program))
        XCTAssertEqual(sparse.earliest, [AdaptiveBounds.Reach(batch: 64, update: 2504, epoch: 8)])
    }

    /// The naive twin of `adaptiveBounds`: every multiple of the span in turn, counting one check
    /// per boundary.
    func naiveEarliest(_ program: CheckedProgram) throws -> [AdaptiveGrowth] {
        let rule = AdaptiveBatch(program.adaptive!)
        var current = try Planner.plan(program)
        var growths: [AdaptiveGrowth] = []
        var positives = 0
        var last: Planner.CheckBoundary?
        var counted = 0
        var check = 1
        while let boundary = Planner.checkBoundary(check, of: rule.interval, in: current) {
            check += 1
            guard boundary.update > counted else { continue }
            counted = boundary.update
            positives += 1
            guard positives >= rule.checks,
                  last.map({ rule.gapHasPassed(sinceGrowthAt: $0.update, sample: $0.sample, toUpdate: boundary.update,
                                               sample: boundary.sample, datasetSize: current.datasetSize) }) ?? true,
                  let grown = rule.grownBatch(from: current.phases[current.phaseIndex(atUpdate: boundary.update - 1)!].batch,
                                              ghostBatch: program.ghostBatchSize) else { continue }
            growths.append(AdaptiveGrowth(update: boundary.update, batch: grown, noiseScale: .nan))
            current = try Planner.plan(program, growths: growths)
            positives = 0
            last = boundary
        }
        return growths
    }

    func testTheBoundsAgreeWithCheckingEveryCheck() throws {
        for seed in 1...200 as ClosedRange<UInt64> {
            var rng = TestRandom(seed: seed)
            var events: [EventSpec] = []
            if rng.bool() { events += EventSpec.noiseDecay(by: rng.pick([2, 5]), atEpochs: [Double(rng.int(1...9))]) }
            if rng.chance(0.3) { events.append(.at(.step(rng.int(100...2000)), .batch, .set(Double(rng.pick([32, 48, 64]))))) }
            var program = makeProgram(dataset: DatasetSpec(known: nil, trainingSize: 10_000), epochs: 10, batch: 32,
                                      maxBatch: rng.pick([512, 1000, 2048]), microBatch: 16, ghostBatch: rng.pick([nil, 16]),
                                      policy: rng.pick([.increaseBatch, .decayLearningRate]), events: events)
            let every: AdaptiveSpec.Span = rng.bool() ? .steps(rng.int(1...300)) : .epochs(rng.pick([0.01, 0.1, 0.25, 1, 3]))
            let gap: AdaptiveSpec.Span? = rng.pick([nil, .steps(rng.int(1...800)), .epochs(rng.pick([0.5, 1, 2]))])
            program.adaptive = AdaptiveSpec(every: every, checks: rng.int(1...4), grow: rng.pick([1.5, 2, 4]),
                                            upTo: program.maxBatchSize, gap: gap, keep: rng.pick([.lr, .noise]), range: eventRange(40))
            let bounds = try XCTUnwrap(try Planner.adaptiveBounds(program))
            let naive = try naiveEarliest(program)
            XCTAssertEqual(bounds.earliest.map(\.update), naive.map(\.update), "seed \(seed)")
            XCTAssertEqual(bounds.earliest.map(\.batch), naive.map(\.batch), "seed \(seed)")
        }
    }

    /// `every: 1 step` over about 1.3 billion updates: the bounds do not visit every check.
    func testTheBoundsDoNotWalkEveryCheck() throws {
        var program = makeProgram(dataset: DatasetSpec(known: .imagenet, trainingSize: 1_281_167), epochs: 1000, batch: 2,
                                  maxBatch: 1024, microBatch: 1, ghostBatch: nil)
        program.adaptive = AdaptiveSpec(every: .steps(1), upTo: 1024, gap: .epochs(10), range: eventRange(40))
        let start = Date()
        let bounds = try XCTUnwrap(try Planner.adaptiveBounds(program))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertEqual(bounds.earliest.map(\.batch), [4, 8, 16, 32, 64, 128, 256, 512, 1024])
        XCTAssertEqual(bounds.updates.upperBound, 1000 * 640_584)
    }

    /// `AdaptiveBatch.isCheck`, the runtime's question at each boundary, places checks where
    /// the bounds do.
    func testIsCheckAgreesWithTheBoundsCheckBoundaries() throws {
        for seed in 1...40 as ClosedRange<UInt64> {
            var rng = TestRandom(seed: seed)
            var program = makeProgram(dataset: DatasetSpec(known: nil, trainingSize: rng.pick([10_000, 9_999, 777])), epochs: 6,
                                      batch: rng.pick([32, 100, 500]), maxBatch: 777, microBatch: 16, ghostBatch: nil,
                                      events: EventSpec.noiseDecay(by: 4, atEpochs: [2]))
            let every: AdaptiveSpec.Span = rng.bool() ? .steps(rng.int(1...40)) : .epochs(rng.pick([0.001, 0.05, 0.1, 0.3, 1, 2.5]))
            program.adaptive = AdaptiveSpec(every: every, upTo: 777, range: eventRange(40))
            let plan = try Planner.plan(program)
            let rule = try XCTUnwrap(plan.adaptive)
            var expected: Set<Int> = []
            var k = 1
            while let boundary = Planner.checkBoundary(k, of: rule.interval, in: plan) {
                expected.insert(boundary.update)
                k += 1
            }
            var starts: [Int] = []
            for epoch in 0..<plan.epochs { starts += plan.steps(inEpoch: epoch).map { epoch * plan.datasetSize + $0.samples.lowerBound } }
            starts.append(plan.datasetSize * plan.epochs)
            let found = Set((1..<plan.totalUpdates).filter {
                rule.isCheck(beforeUpdate: $0, previousStart: starts[$0 - 1], start: starts[$0], datasetSize: plan.datasetSize)
            })
            XCTAssertEqual(found, expected, "seed \(seed), every \(every)")
        }
    }
}
