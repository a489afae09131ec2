import XCTest
@testable import ScheduleLanguage

/// What checked programs contain: values, defaults, events (expanded, ordered) and ranges.
final class CheckerTests: XCTestCase {
    let header = "schedule t\ndata cifar10\nepochs 200\nlr 0.1\nbatch 128\n"

    func compile(_ text: String) -> CompilationResult {
        ScheduleCompiler.compile(SourceFile(path: "t.sched", text: text))
    }

    func program(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CheckedProgram? {
        let result = compile(text)
        XCTAssertTrue(result.errors.isEmpty, "\(result.errors.map { "\($0.code) \($0.message)" })", file: file, line: line)
        return result.program
    }

    func errorCodes(_ text: String) -> [String] { compile(text).errors.map(\.code.rawValue) }

    func testSampleIncreasedLearningRate() throws {
        let url = TestFiles.repositoryRoot.appendingPathComponent("Samples/cifar10/increased_lr.sched")
        let result = ScheduleCompiler.compile(TestFiles.source(url))
        let program = try XCTUnwrap(result.program)
        XCTAssertEqual(program.name, "increased_lr")
        XCTAssertEqual(program.dataset, DatasetSpec(known: .cifar10, trainingSize: 50_000))
        XCTAssertEqual(program.model, .wrn(depth: 16, width: 4))
        XCTAssertEqual(program.epochs, 200)
        XCTAssertEqual(program.optimizer, OptimizerSpec(kind: .sgd, momentum: 0.9))
        XCTAssertEqual(program.learningRate, 0.1)
        XCTAssertEqual(program.batchSize, 128)
        XCTAssertEqual(program.maxBatchSize, 5120)
        XCTAssertEqual(program.ghostBatchSize, 128)
        XCTAssertEqual(program.weightDecay, 5e-4)
        XCTAssertEqual(program.policy, .increaseBatch)
        XCTAssertEqual(program.events.map(\.time), [.epoch(0), .epoch(60), .epoch(120), .epoch(160)])
        XCTAssertEqual(program.events[0].target, .lr)
        XCTAssertEqual(program.events[0].operation, .set(0.5))
        XCTAssertTrue(program.events[0].keepNoise)
        XCTAssertEqual(program.events[1].operation, .divide(5))
        XCTAssertFalse(program.events[1].keepNoise)
        // Ranges: the statement, and just the time.
        let text = result.source.text
        XCTAssertEqual(result.source.slice(program.events[2].range), "at epoch 60, 120, 160: noise /= 5")
        XCTAssertEqual(result.source.slice(program.events[2].timeRange), "120")
        XCTAssertEqual(result.source.slice(program.settingRanges["max_batch"]!), "max_batch   5120")
        XCTAssertNil(program.settingRanges["seed"])
        XCTAssertTrue(text.hasPrefix("#"))
    }

    func testEverySampleCompilesWithoutDiagnostics() {
        XCTAssertFalse(TestFiles.samples.isEmpty)
        for url in TestFiles.samples {
            let result = ScheduleCompiler.compile(TestFiles.source(url))
            XCTAssertNotNil(result.program, url.lastPathComponent)
            XCTAssertEqual(result.diagnostics.map(\.code), [], url.lastPathComponent)
        }
    }

    func testDefaults() throws {
        let program = try XCTUnwrap(self.program(header))
        XCTAssertNil(program.model)
        XCTAssertEqual(program.optimizer, OptimizerSpec(kind: .sgd, momentum: 0))
        XCTAssertEqual(program.maxBatchSize, 50_000)
        XCTAssertNil(program.microBatchSize)
        XCTAssertNil(program.ghostBatchSize)
        XCTAssertEqual(program.policy, .increaseBatch)
        XCTAssertNil(program.warmup)
        XCTAssertEqual(program.seed, 0)
        XCTAssertEqual(program.weightDecay, 0)
        XCTAssertEqual(try XCTUnwrap(self.program(header + "optimizer nesterov\n")).optimizer.momentum, 0.9)
        XCTAssertEqual(try XCTUnwrap(self.program(header + "policy adabatch\n")).policy, .adabatch(r: 2))
        XCTAssertEqual(try XCTUnwrap(self.program(header + "model mlp\n")).model, .mlp(hidden: [512, 512]))
    }

    func testSettingForms() throws {
        let program = try XCTUnwrap(self.program("""
        schedule forms
        data fashion_mnist(subset: 10k)
        model mlp(hidden: [256])
        epochs 10
        optimizer adam(beta1: 0.8, epsilon: 1e-6)
        lr 1e-3
        batch 100
        max_batch 1000
        micro_batch 500
        ghost_batch 50
        policy hybrid(2)
        warmup 500 steps
        seed 42
        weight_decay 0

        """))
        XCTAssertEqual(program.dataset, DatasetSpec(known: .fashion_mnist, trainingSize: 10_000, subset: 10_000))
        XCTAssertEqual(program.model, .mlp(hidden: [256]))
        XCTAssertEqual(program.optimizer, OptimizerSpec(kind: .adam, momentum: 0, beta1: 0.8, beta2: 0.999, epsilon: 1e-6))
        XCTAssertEqual(program.microBatchSize, 500)
        XCTAssertEqual(program.policy, .hybrid(k: 2))
        XCTAssertEqual(program.warmup, Warmup(length: 500, unit: .step))
        XCTAssertEqual(program.seed, 42)
        let sized = try XCTUnwrap(self.program("schedule s\ndata size 12345\nepochs 3\nlr 1\nbatch 10\nwarmup 0.5 epochs\n"))
        XCTAssertEqual(sized.dataset, DatasetSpec(known: nil, trainingSize: 12_345))
        XCTAssertEqual(sized.warmup, Warmup(length: 0.5, unit: .epoch))
        XCTAssertEqual(try XCTUnwrap(self.program(header + "model wrn(depth: 28, width: 10)\n")).model, .wrn(depth: 28, width: 10))
    }

    func testEveryExpandsIntoEventsWithTheStatementsRange() throws {
        let text = header + "every 20 epochs from 20 until 100: noise /= 2\n"
        let program = try XCTUnwrap(self.program(text))
        XCTAssertEqual(program.events.map(\.time), [.epoch(20), .epoch(40), .epoch(60), .epoch(80)])
        let statement = SourceFile(path: "t", text: text).slice(program.events[0].range)
        XCTAssertEqual(statement, "every 20 epochs from 20 until 100: noise /= 2")
        XCTAssertTrue(program.events.allSatisfy { $0.range == program.events[0].range })
        // Defaults: from the first interval, until the end of the run (exclusive).
        let defaults = try XCTUnwrap(self.program(header + "every 50 epochs: noise /= 2\n"))
        XCTAssertEqual(defaults.events.map(\.time), [.epoch(50), .epoch(100), .epoch(150)])
        let fractional = try XCTUnwrap(self.program(header + "every 0.1 epochs until 0.35: lr *= 0.9\n"))
        XCTAssertEqual(fractional.events.count, 3)
        let steps = try XCTUnwrap(self.program(header + "every 500 steps from 0 until 2000: lr *= 0.9\n"))
        XCTAssertEqual(steps.events.map(\.time), [.step(0), .step(500), .step(1000), .step(1500)])
    }

    func testEventsAreOrderedByTimeWithStepsLast() throws {
        let program = try XCTUnwrap(self.program(header + """
        at step 100: lr = 0.2
        at epoch 10: momentum = 0.5
        at 50%: noise /= 5
        every 75 epochs: lr *= 0.5
        at step 200: lr = 0.05

        """))
        XCTAssertEqual(program.events.map(\.time), [.epoch(10), .epoch(75), .fraction(0.5), .epoch(150), .step(100), .step(200)])
    }

    func testSameTimeKeepsSourceOrder() throws {
        let program = try XCTUnwrap(self.program(header + "at epoch 0: lr = 0.5, keep noise\nat epoch 0: momentum = 0.95, keep noise\n"))
        XCTAssertEqual(program.events.map(\.target), [.lr, .momentum])
    }

    func testProgramIsNilWhenThereIsAnyError() {
        XCTAssertNil(compile(header + "lr 0.2\n").program)
        XCTAssertNil(compile(header + "at epoch 1 noise /= 2\n").program, "recovered syntax errors still block the program")
    }

    func testRangeChecks() {
        XCTAssertEqual(errorCodes(header + "optimizer sgd(momentum: 1)\n"), ["S105"])
        XCTAssertEqual(errorCodes(header + "weight_decay -1\n"), ["S105"])
        XCTAssertEqual(errorCodes(header.replacingOccurrences(of: "lr 0.1", with: "lr 0")), ["S105"])
        XCTAssertEqual(errorCodes(header.replacingOccurrences(of: "batch 128", with: "batch 0")), ["S105"])
        XCTAssertEqual(errorCodes(header + "max_batch 100\n"), ["S109"])
        XCTAssertEqual(errorCodes(header + "max_batch 60000\n"), ["S110"])
        XCTAssertEqual(errorCodes(header + "ghost_batch 100\n"), ["S111"])
        XCTAssertEqual(errorCodes(header + "micro_batch 96\nghost_batch 40\n"), ["S111", "S111"])
        XCTAssertEqual(errorCodes(header + "at step 1.5: lr = 0.01\n"), ["S112"])
        XCTAssertEqual(errorCodes(header + "at epoch 200: lr = 0.01\n"), ["S113"])
        XCTAssertEqual(errorCodes(header + "at 100%: lr = 0.01\n"), ["S113"])
        XCTAssertEqual(errorCodes(header + "at epoch 120, 60: lr /= 2\n"), ["S114"])
        XCTAssertEqual(errorCodes(header + "at epoch 120: lr /= 2\nat epoch 60: lr /= 2\n"), ["S114"])
        XCTAssertEqual(errorCodes(header + "at epoch 60: lr = 0.1\nat 30%: lr = 0.2\n"), ["S115"])
        XCTAssertEqual(errorCodes(header + "optimizer adam\nat epoch 5: momentum = 0.5\n"), ["S116"])
        XCTAssertEqual(errorCodes(header + "at epoch 5: noise /= 2, keep noise\n"), ["S117"])
        XCTAssertEqual(errorCodes(header + "at epoch 5: lerning_rate = 0.1\n"), ["S118"])
        XCTAssertEqual(errorCodes(header + "at epoch 5: momentum *= 2\n"), ["S119"])
        XCTAssertEqual(errorCodes(header + "every 10 steps: lr *= 0.9\n"), ["S120"])
        XCTAssertEqual(errorCodes(header + "model wrn(15, 4)\n"), ["S121"])
        XCTAssertEqual(errorCodes(header + "at epoch 5: noise /= 0\n"), ["S105"])
    }

    func testStatementsAreOrderedByTheirFirstTimes() throws {
        XCTAssertNotNil(program(header + "at epoch 10, 100: noise /= 2\nat epoch 50: lr = 0.05\n"))
        XCTAssertEqual(errorCodes(header + "at epoch 10, 100: noise /= 2\nat epoch 5: lr = 0.05\n"), ["S114"])
    }

    func testStepTimesAreComparedOnlyWithSteps() throws {
        // Steps and epochs cannot be ordered before planning: no S114 across units.
        XCTAssertNotNil(program(header + "at step 5000: lr = 0.05\nat epoch 1: lr = 0.2\n"))
    }

    /// Messages state the limit they enforce, and a value that rounds to 0 is said as written.
    func testLimitsAreStatedInMessages() {
        let messages = { (text: String) in self.compile(text).errors.map(\.message) }
        XCTAssertEqual(messages(header.replacingOccurrences(of: "lr 0.1", with: "lr 1e-400")),
                       ["'lr' must be greater than 0, found '1e-400' (too small: it rounds to 0)"])
        XCTAssertEqual(messages(header + "seed 99999999999999999999\n").first?.contains("at most 9223372036854775807"), true)
        XCTAssertEqual(messages(header.replacingOccurrences(of: "lr 0.1", with: "lr 0")), ["'lr' must be greater than 0, found 0"])
    }
}

/// `adapt batch(...)`: its values and defaults in the checked program, and what is refused.
final class AdaptiveCheckerTests: XCTestCase {
    let header = "schedule t\ndata size 50000\nepochs 10\nlr 0.1\nbatch 128\nmicro_batch 64\nmax_batch 4096\n"

    func compile(_ text: String) -> CompilationResult {
        ScheduleCompiler.compile(SourceFile(path: "t.sched", text: text))
    }

    func codes(_ line: String) -> [String] { compile(header + line + "\n").diagnostics.map(\.code.rawValue) }

    func testDefaultsFillEveryArgumentButEvery() throws {
        let text = header + "adapt batch(every: 50 steps)\n"
        let program = try XCTUnwrap(compile(text).program)
        let adaptive = try XCTUnwrap(program.adaptive)
        XCTAssertEqual(adaptive.every, .steps(50))
        XCTAssertEqual(adaptive.smoothing, 0.9)
        XCTAssertEqual(adaptive.above, 2)
        XCTAssertEqual(adaptive.checks, 3)
        XCTAssertEqual(adaptive.grow, 2)
        XCTAssertEqual(adaptive.upTo, 4096)
        XCTAssertNil(adaptive.gap)
        XCTAssertEqual(adaptive.keep, .lr)
        XCTAssertEqual(String(text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: adaptive.range.start)...].prefix(5))!, "adapt")
        XCTAssertNil(try XCTUnwrap(compile(header).program).adaptive)
    }

    func testEveryArgumentIsRead() throws {
        let program = try XCTUnwrap(compile(header + "adapt batch(every: 0.5 epochs, smoothing: 0, above: 1.5, checks: 2, grow: 1.5, up_to: 1024, gap: 2 epoch, keep: noise)\n").program)
        XCTAssertEqual(program.adaptive, AdaptiveSpec(every: .epochs(0.5), smoothing: 0, above: 1.5, checks: 2, grow: 1.5, upTo: 1024,
                                                      gap: .epochs(2), keep: .noise, range: program.adaptive!.range,
                                                      argumentRanges: program.adaptive!.argumentRanges))
        XCTAssertEqual(Set(program.adaptive!.argumentRanges.keys), Set(AdaptiveSpec.Argument.allCases))
        XCTAssertEqual(try XCTUnwrap(compile(header + "adapt batch(every: 1 step, gap: 500 steps)\n").program).adaptive?.gap, .steps(500))
        // up_to may equal the batch or max_batch.
        XCTAssertNotNil(compile(header + "adapt batch(every: 1 epoch, up_to: 128)\n").program)
        XCTAssertNotNil(compile(header + "adapt batch(every: 1 epoch, up_to: 4096)\n").program)
    }

    func testMistakesGetTheirCodes() {
        XCTAssertEqual(codes("adapt batch(every: 50)"), ["S112"])
        XCTAssertEqual(codes("adapt batch(every: 1.5 steps)"), ["S112"])
        XCTAssertEqual(codes("adapt batch(every: 0 steps)"), ["S105"])
        XCTAssertEqual(codes("adapt batch(every: 50 updates)"), ["S009"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, smoothing: 1)"), ["S105"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, smoothing: 0.5 steps)"), ["S112"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, above: 0)"), ["S105"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, checks: 0)"), ["S105"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, grow: 0.5)"), ["S123"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, up_to: 8192)"), ["S124"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, up_to: 100)"), ["S124"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, keep: both)"), ["S107"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, keep: 1)"), ["S104"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, evry: 2)"), ["S108"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, every: 2 steps)"), ["S108"])
        XCTAssertEqual(codes("adapt batch(50 steps)"), ["S108"])
        XCTAssertEqual(codes("adapt batch(smoothing: 0.5)"), ["S108"])
        XCTAssertEqual(codes("adapt batch"), ["S108"])
        XCTAssertEqual(codes("adapt lr(every: 50 steps)"), ["S107"])
        XCTAssertEqual(codes("adapt 5"), ["S104"])
        XCTAssertEqual(codes("adapt batch(every: 10 epochs)"), ["S113"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps)\nadapt batch(every: 60 steps)"), ["S102"])
        // Several mistakes in one statement: one diagnostic each.
        XCTAssertEqual(codes("adapt batch(every: 50, grow: 1, up_to: 8192)").sorted(), ["S112", "S123", "S124"])
    }

    func testNothingToEstimateFromNeedsTwoPassesPerUpdate() {
        let single = "schedule t\ndata size 50000\nepochs 10\nlr 0.1\nbatch 128\nadapt batch(every: 50 steps)\n"
        let result = compile(single)
        XCTAssertEqual(result.diagnostics.map(\.code), [.nothingToEstimateFrom])
        XCTAssertEqual(result.diagnostics.first?.fixIts.first?.edits.first?.newText, "micro_batch 64\n")
        let whole = compile(single.replacingOccurrences(of: "batch 128\n", with: "batch 128\nmicro_batch 128\nghost_batch 32\n"))
        XCTAssertEqual(whole.diagnostics.map(\.code), [.nothingToEstimateFrom])
        XCTAssertEqual(whole.diagnostics.first?.fixIts.first?.edits.first?.newText, "64")
        // Passes must hold whole ghost batches: 96 = 6 × 16 splits into 2 passes of 48.
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 96, ghostBatch: 16), 48)
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 96, ghostBatch: nil), 48)
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 75, ghostBatch: 25), 25)
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 49, ghostBatch: nil), 7)
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 13, ghostBatch: nil), 1)
        XCTAssertNil(Checker.estimationMicroBatch(batch: 32, ghostBatch: 32))
        XCTAssertNil(Checker.estimationMicroBatch(batch: 1, ghostBatch: nil))
        let unsplittable = compile(single.replacingOccurrences(of: "batch 128\n", with: "batch 32\nghost_batch 32\n"))
        XCTAssertEqual(unsplittable.diagnostics.first?.fixIts, [])
        XCTAssertEqual(unsplittable.diagnostics.first?.notes.last?.message, "a batch of 32 holds fewer than two ghost batches of 32")
    }

    func testWarningsNeedTheWholeProgram() {
        XCTAssertEqual(codes("adapt batch(every: 50 steps, above: 0.99)"), ["S210"])
        XCTAssertEqual(codes("adapt batch(every: 50 steps, above: 1)"), [])
        XCTAssertEqual(codes("optimizer adam\nadapt batch(every: 50 steps)"), ["S211"])
        XCTAssertEqual(codes("optimizer nesterov\nadapt batch(every: 50 steps)"), [])
    }
}

extension AdaptiveCheckerTests {
    func testAHugePrimeBatchGetsNoFixItQuickly() {
        // 2^61 − 1 is prime: the divisor search gives up rather than run for minutes.
        XCTAssertNil(Checker.estimationMicroBatch(batch: 2_305_843_009_213_693_951, ghostBatch: nil))
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 65_537 * 2, ghostBatch: nil), 65_537)
        XCTAssertEqual(Checker.estimationMicroBatch(batch: 1 << 40, ghostBatch: nil), 1 << 39)
    }
}
