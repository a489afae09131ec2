import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner
import Training
import XCTest

/// A schedule compiled and planned for a runner test; fails the test on any diagnostic error.
func specification(_ text: String, threads: Int = 2, file: StaticString = #filePath, line: UInt = #line) throws -> RunSpecification {
    let result = ScheduleCompiler.compile(SourceFile(path: "test.sched", text: text))
    guard let program = result.program else {
        XCTFail("the test schedule does not compile: \(result.errors.map(\.message))", file: file, line: line)
        throw RunError(.notRunnable, "test schedule")
    }
    return RunSpecification(plan: try Planner.plan(program), scheduleText: text, sourcePath: "test.sched",
                            threads: threads)
}

/// Small synthetic images (1×8×8, 4 classes): learnable, and fast enough for many runs.
func syntheticData(train: Int, test: Int = 64, seed: UInt64 = 7) -> RunData {
    var dataset = SyntheticDataset(seed: seed)
    dataset.height = 8
    dataset.width = 8
    dataset.classes = 4
    dataset.blobsPerClass = 2
    dataset.jitter = 0.8
    return .provided(dataset.make(trainCount: train, testCount: test), description: "synthetic: \(train) training and \(test) test images")
}

/// Where the runner tests put their run directories; `RunnerTestCase` removes it after each test.
let temporaryRoot = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-runner-tests-\(getpid())")

/// A fresh directory path under `temporaryRoot` (not created).
func temporaryRunPath(_ name: String = "run") -> String {
    try? FileManager.default.createDirectory(at: temporaryRoot, withIntermediateDirectories: true)
    return temporaryRoot.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))").path
}

/// The runner tests' base class: their run directories go when each test ends.
class RunnerTestCase: XCTestCase {
    override func tearDown() {
        try? FileManager.default.removeItem(at: temporaryRoot)
        super.tearDown()
    }
}

/// A schedule on `data size N` for the synthetic data: every feature of the plan in a few
/// hundred updates.
func schedule(name: String = "tiny", model: String = "mlp(hidden: [16])", n: Int = 96, epochs: Int = 4,
              settings: String = "", events: String = "") -> String {
    """
    schedule \(name)
    data size \(n)
    model \(model)
    epochs \(epochs)
    optimizer sgd(momentum: 0.9)
    lr 0.05
    batch 8
    seed 3
    \(settings)
    \(events)

    """
}

/// Runs a specification to the end and returns its run and summary.
@discardableResult
func runToEnd(_ spec: RunSpecification, data: RunData, in path: String? = nil,
              observer: (RunEvent) -> Void = { _ in }) throws -> (TrainingRun, RunSummary) {
    let run = try TrainingRun.start(spec, in: path ?? temporaryRunPath(), data: data)
    guard case .finished(let summary) = try run.run(observer: observer) else {
        XCTFail("the run did not finish")
        throw RunError(.internalError, "not finished")
    }
    return (run, summary)
}

/// Whether two lists of tensors are identical bit for bit.
func bitIdentical(_ a: [NamedTensor], _ b: [NamedTensor]) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        guard x.name == y.name, x.shape == y.shape, x.values.count == y.values.count else { return false }
        for (u, v) in zip(x.values, y.values) where u.bitPattern != v.bitPattern { return false }
    }
    return true
}

