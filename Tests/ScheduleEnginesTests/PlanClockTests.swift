import ScheduleLanguage
import SchedulePlanner
import XCTest

/// The clock against the runner's normative update stream, `Plan.steps(inEpoch:)`: for every
/// sample schedule and a few hundred random ones, reading the clock at each update's consumed
/// samples (and anywhere inside the update) gives exactly that update.
final class PlanClockTests: XCTestCase {
    /// Every update of `plan` as the runner executes it, with the samples consumed before it.
    func runnerUpdates(_ plan: Plan) -> [(consumed: Int, step: PlannedStep)] {
        var out: [(Int, PlannedStep)] = []
        for epoch in 0..<plan.epochs {
            for step in plan.steps(inEpoch: epoch) { out.append((epoch * plan.datasetSize + step.samples.lowerBound, step)) }
        }
        return out
    }

    func checkAgainstSteps(_ plan: Plan, _ name: String) {
        let clock = PlanClock(plan: plan, weightDecay: 5e-4)
        let updates = runnerUpdates(plan)
        let readings = clock.readings()
        XCTAssertEqual(readings.count, plan.totalUpdates, name)
        XCTAssertEqual(updates.count, readings.count, name)
        for ((consumed, step), reading) in zip(updates, readings) {
            let context = "\(name), update \(step.update)"
            XCTAssertEqual(reading.update, step.update, context)
            XCTAssertEqual(reading.epoch, step.epoch, context)
            XCTAssertEqual(reading.phase, step.phase, context)
            XCTAssertEqual(reading.consumedSamples, consumed, context)
            XCTAssertEqual(reading.batch, step.batchSize, context)
            XCTAssertEqual(reading.passSizes, step.passSizes, context)
            XCTAssertEqual(reading.learningRate, step.learningRate, context)
            XCTAssertEqual(reading.momentum, step.momentum, context)
            XCTAssertEqual(reading.weightDecay, 5e-4, context)
            XCTAssertEqual(reading.passSizes.reduce(0, +), reading.batch, context)
            XCTAssertEqual(reading.microBatch, reading.passSizes.max(), context)
            XCTAssertEqual(reading.accumulation, reading.passSizes.count, context)
            // Any sample inside the update reads the same update; by index too.
            let inside = consumed + (step.batchSize - 1) / 2
            XCTAssertEqual(clock.reading(atSample: inside), reading, context)
            XCTAssertEqual(clock.reading(atUpdate: step.update), reading, context)
        }
        XCTAssertNil(clock.reading(atSample: plan.datasetSize * plan.epochs), name)
        XCTAssertNil(clock.reading(atSample: -1), name)
        XCTAssertNil(clock.reading(atUpdate: plan.totalUpdates), name)
    }

    func testSamplesFollowTheRunnersSteps() throws {
        let samples = try samplePlans()
        XCTAssertGreaterThanOrEqual(samples.count, 13)
        for sample in samples { checkAgainstSteps(sample.plan, sample.name) }
    }

    func testRandomSchedulesFollowTheRunnersSteps() {
        let plans = randomPlans(count: 300, seed: 0x5EED_C10C)
        XCTAssertEqual(plans.count, 300, "the generator makes enough schedules that check")
        for (index, item) in plans.enumerated() { checkAgainstSteps(item.plan, "random \(index):\n\(item.text)") }
    }

    /// The boundary rule: a phase applies from the first update whose first sample is at or
    /// past its start, and every change is read at the update where the plan says it happened.
    func testBoundaryRule() {
        for (text, plan) in randomPlans(count: 200, seed: 0xB0_4DA7) {
            let clock = PlanClock(plan: plan)
            let readings = clock.readings()
            for (index, phase) in plan.phases.enumerated() {
                let first = readings.first { $0.consumedSamples >= phase.startSample }!
                XCTAssertEqual(first.phase, index, text)
                XCTAssertEqual(first.update, phase.startUpdate, text)
                XCTAssertEqual(first.consumedSamples, phase.startSample, text)
                if index > 0 {
                    let before = clock.reading(atSample: phase.startSample - 1)!
                    XCTAssertEqual(before.phase, index - 1, text)
                    XCTAssertLessThan(before.consumedSamples, phase.startSample, text)
                }
            }
            for change in plan.changes where change.limit != .afterEnd {
                let reading = clock.reading(atSample: change.sample)!
                XCTAssertEqual(reading.update, change.update, text)
                XCTAssertEqual(reading.phaseBatch, plan.phases[reading.phase].batch, text)
            }
        }
    }

    /// The quickstart by hand: B 32 for 6 epochs of 10 000 (313 updates each, the last of 16),
    /// then 128 (79 each, the last of 16), then 512 (20 each, the last of 272).
    func testQuickstartByHand() throws {
        let plan = try samplePlans().first { $0.name == "quickstart.sched" }!.plan
        let clock = PlanClock(plan: plan)
        XCTAssertEqual(clock.reading(atSample: 0)?.batch, 32)
        XCTAssertEqual(clock.reading(atSample: 9984)?.batch, 16)
        XCTAssertEqual(clock.reading(atSample: 9984)?.update, 312)
        XCTAssertEqual(clock.reading(atSample: 10_000)?.update, 313)
        XCTAssertEqual(clock.reading(atSample: 60_000)?.batch, 128)
        XCTAssertEqual(clock.reading(atSample: 60_000)?.update, 6 * 313)
        XCTAssertEqual(clock.reading(atSample: 120_000)?.batch, 512)
        XCTAssertEqual(clock.reading(atSample: 129_728)?.batch, 272)
        XCTAssertEqual(clock.readings().count, 2472)
    }

    /// Resume state exists only where an update starts (and at the end); it names the sampler's
    /// epoch and offset and the next update.
    func testResumeState() throws {
        let plan = try samplePlans().first { $0.name == "quickstart.sched" }!.plan
        let clock = PlanClock(plan: plan)
        let state = clock.resumeState(consumedSamples: 60_000, seed: 7)
        XCTAssertEqual(state, ResumeState(consumedSamples: 60_000, updates: 1878, samplerEpoch: 6, epochOffset: 0, seed: 7))
        XCTAssertEqual(clock.resumeState(consumedSamples: 60_128, seed: 7)?.updates, 1879)
        XCTAssertEqual(clock.resumeState(consumedSamples: 60_128, seed: 7)?.epochOffset, 128)
        XCTAssertNil(clock.resumeState(consumedSamples: 60_100, seed: 7), "inside an update")
        XCTAssertEqual(clock.resumeState(consumedSamples: 180_000, seed: 7)?.updates, 2472)
        XCTAssertNil(clock.resumeState(consumedSamples: 180_001, seed: 7))
        for (_, random) in randomPlans(count: 50, seed: 0x2E5) {
            let clock = PlanClock(plan: random)
            for reading in clock.readings() {
                let state = clock.resumeState(consumedSamples: reading.consumedSamples, seed: 1)
                XCTAssertEqual(state?.updates, reading.update)
                XCTAssertEqual(state?.samplerEpoch, reading.epoch)
            }
        }
    }
}
