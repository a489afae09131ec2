import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner
import XCTest

/// The Megatron-LM arguments against Megatron-LM's own batch-size formulas, written here as
/// its code computes them (NVIDIA/Megatron-LM, megatron/core/num_microbatches_calculator.py):
///
/// - `StepBatchsizeNumMicroBatchesCalculator._get_batch_size_for_samples`: the batch of the
///   last threshold ≤ consumed samples;
/// - `RampupBatchsizeNumMicroBatchesCalculator.update` (before April 2026): with
///   k = (global − start)/incr and per = samples / k (a float), the batch is
///   start + incr·int(consumed / per) while consumed ≤ samples, the global batch after.
///
/// Megatron-LM calls `update_num_microbatches(consumed_samples)` before every iteration, so
/// iterating "batch = f(consumed); consumed += batch" from 0 is its run; it must be the plan's.
final class MegatronArgumentsTests: XCTestCase {
    /// Megatron-LM's step schedule, parsed from the argument text the export prints.
    func megatronStepBatch(_ schedule: String, consumed: Int) -> Int {
        let entries = schedule.split(separator: " ").map { entry -> (Int, Int) in
            let parts = entry.split(separator: ":")
            return (Int(parts[0])!, Int(parts[1])!)
        }.sorted { $0.0 < $1.0 }
        var batch = entries[0].1
        for (threshold, size) in entries {
            if consumed >= threshold { batch = size } else { break }
        }
        return batch
    }

    func megatronRampBatch(start: Int, increment: Int, samples: Int, global: Int, consumed: Int) -> Int {
        if consumed > samples { return global }
        let per = Double(samples) / Double((global - start) / increment)
        return start + Int(Double(consumed) / per) * increment
    }

    /// (consumed before, global batch) of every update of the plan.
    func planIterations(_ plan: Plan) -> [[Int]] {
        PlanClock(plan: plan).readings().map { [$0.consumedSamples, $0.batch] }
    }

    /// The first update where two runs differ, for a short failure message.
    func assertSameRun(_ a: [[Int]], _ b: [[Int]], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        if let index = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) {
            XCTFail("\(context): update \(index) is \(a[index]) (consumed, batch) against \(b[index])", file: file, line: line)
        }
        XCTAssertEqual(a.count, b.count, "\(context): updates", file: file, line: line)
    }

    func megatronIterations(total: Int, batch: (Int) -> Int) -> [[Int]] {
        var out: [[Int]] = []
        var consumed = 0
        while consumed < total {
            out.append([consumed, batch(consumed)])
            consumed += batch(consumed)
        }
        return out
    }

    /// B divides N in every phase: Megatron-LM's run of the printed step schedule is the plan's.
    func testStepScheduleRunsThePlan() throws {
        let (program, plan) = try planned("""
        schedule steps
        data size 65536
        epochs 40
        lr 0.1
        batch 128
        max_batch 4096
        optimizer sgd(momentum: 0.9)
        at epoch 10, 20: noise /= 4
        at epoch 30: noise /= 2
        """)
        let target = EngineTarget(engine: .megatron, worldSize: 8)
        XCTAssertEqual(EngineLimits.diagnostics(for: plan, program: program, target: target).filter { $0.severity == .error }, [])
        let arguments = MegatronArguments(plan: plan, target: target)
        XCTAssertEqual(arguments.stepSchedule, "0:128 655360:512 1310720:2048 1966080:4096")
        XCTAssertEqual(arguments.trainSamples, 65536 * 40)
        XCTAssertEqual(arguments.microBatch, 16, "128 / 8 ranks")
        let megatron = megatronIterations(total: arguments.trainSamples) { self.megatronStepBatch(arguments.stepSchedule, consumed: $0) }
        assertSameRun(megatron, planIterations(plan), "step schedule")
        XCTAssertEqual(megatron.count, plan.totalUpdates)
        XCTAssertTrue(arguments.commandLine.contains("--step-batch-size-schedule \"0:128 655360:512 1310720:2048 1966080:4096\""))
        XCTAssertNil(arguments.rampup, "128 → 512 → 2048 → 4096 is not a linear ramp")
    }

    /// An explicit linear ramp of equal batch steps at equally spaced epochs: the export finds
    /// --rampup-batch-size, and Megatron-LM's ramp formula gives the plan's batch at every update.
    func testLinearRampIsFoundAndExact() throws {
        let (_, plan) = try planned("""
        schedule ramp
        data size 15360
        epochs 10
        lr 0.1
        batch 128
        max_batch 1024
        policy increase_batch
        at epoch 2: batch = 256
        at epoch 4: batch = 384
        at epoch 6: batch = 512
        """)
        let ramp = try XCTUnwrap(MegatronArguments.linearRamp(of: plan))
        XCTAssertEqual(ramp.start, 128)
        XCTAssertEqual(ramp.increment, 128)
        let megatron = megatronIterations(total: 153_600) {
            self.megatronRampBatch(start: ramp.start, increment: ramp.increment, samples: ramp.samples, global: 512, consumed: $0)
        }
        assertSameRun(megatron, planIterations(plan), "ramp")
        XCTAssertEqual(ramp.samples, 6 * 15360, "increments at 2N, 4N, 6N: SAMPLES/3 = 2N")
        let arguments = MegatronArguments(plan: plan, target: EngineTarget(engine: .megatron, worldSize: 2))
        XCTAssertEqual(arguments.rampupArgument, "--rampup-batch-size 128 128 \(ramp.samples)")
        assertSameRun(arguments.iterations(rampup: true).map { [$0.consumed, $0.batch] }, megatron, "the export's ramp")
        assertSameRun(arguments.iterations().map { [$0.consumed, $0.batch] }, megatron, "the export's step schedule")
    }

    /// Unequal steps, or unequal spacing, are not a ramp; the lint says why, at the event.
    func testNotALinearRamp() throws {
        let unequal = """
        schedule ramp
        data size 12800
        epochs 10
        lr 0.1
        batch 128
        max_batch 1024
        at epoch 2: batch = 256
        at epoch 4: batch = 512
        """
        let (program, plan) = try planned(unequal)
        XCTAssertNil(MegatronArguments.linearRamp(of: plan))
        let diagnostics = EngineLimits.diagnostics(for: plan, program: program, target: EngineTarget(engine: .megatron))
        let info = try XCTUnwrap(diagnostics.first { $0.code == .notALinearRamp })
        XCTAssertEqual(info.severity, .information)
        XCTAssertTrue(info.message.contains("256 → 512"), info.message)
        XCTAssertEqual(program.events[1].range, info.range)

        let spaced = unequal.replacingOccurrences(of: "at epoch 4: batch = 512", with: "at epoch 7: batch = 384")
        let (_, spacedPlan) = try planned(spaced)
        XCTAssertNil(MegatronArguments.linearRamp(of: spacedPlan))
    }

    /// A batch that does not divide N leaves a short update per epoch, which Megatron-LM cannot
    /// run: S403 at the event that made the phase, and the export refuses.
    func testShortUpdatesAreRefused() throws {
        let (program, plan) = try planned("""
        schedule short
        data size 10000
        epochs 4
        lr 0.1
        batch 100
        max_batch 1000
        at epoch 2: noise /= 3
        """)
        let diagnostics = EngineLimits.diagnostics(for: plan, program: program, target: EngineTarget(engine: .megatron))
        XCTAssertEqual(diagnostics.map(\.code), [.shortUpdates])
        XCTAssertEqual(diagnostics[0].range, program.events[0].range)
        XCTAssertTrue(diagnostics[0].message.contains("100 examples"), diagnostics[0].message)  // 10000 mod 300
    }
}
