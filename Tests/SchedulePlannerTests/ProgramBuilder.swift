import ScheduleLanguage
@testable import SchedulePlanner

/// One event for `makeProgram`, written the way a `.sched` line reads:
/// `.at(.epoch(60), .noise, .divide(5))`.
struct EventSpec {
    var time: EventTime
    var target: EventTarget
    var operation: EventOperation
    var keepNoise = false
    /// Events with the same tag, next to each other, are one statement (`at epoch 60, 120: ...`)
    /// and share its range, as the front end's expanded events do.
    var statement: String?

    static func at(_ time: EventTime, _ target: EventTarget, _ operation: EventOperation, keepNoise: Bool = false) -> EventSpec {
        EventSpec(time: time, target: target, operation: operation, keepNoise: keepNoise)
    }

    /// `at epoch t1, t2, ...: noise /= f` (one statement, so one shared range).
    static func noiseDecay(by factor: Double, atEpochs epochs: [Double]) -> [EventSpec] {
        let tag = "noise /= \(factor) at \(epochs)"
        return epochs.map { EventSpec(time: .epoch($0), target: .noise, operation: .divide(factor), statement: tag) }
    }
}

extension EventSpec {
    /// The paper's noise schedule: `at epoch 60, 120, 160: noise /= 5`.
    static let paperDecays = noiseDecay(by: 5, atEpochs: [60, 120, 160])
}

/// A checked program with the defaults of the CIFAR-10 samples (Samples/cifar10/*.sched):
/// cifar10, wrn(16, 4), 200 epochs, sgd(momentum: 0.9), lr 0.1, batch 128, max_batch 5120,
/// ghost_batch 128, weight_decay 5e-4. Each statement gets a made-up source range
/// (statement i covers bytes 1000 + 100·i ..< 1000 + 100·i + 50, `eventRange(i)`), so lints
/// can be checked against the event they blame; settings get ranges from `settingRange(_:)`.
func makeProgram(name: String = "test", dataset: DatasetSpec = DatasetSpec(known: .cifar10, trainingSize: 50_000),
                 epochs: Int = 200, optimizer: OptimizerSpec = OptimizerSpec(kind: .sgd, momentum: 0.9),
                 lr: Double = 0.1, batch: Int = 128, maxBatch: Int = 5120, microBatch: Int? = nil,
                 ghostBatch: Int? = 128, policy: LoweringPolicy = .increaseBatch, warmup: Warmup? = nil,
                 events: [EventSpec] = []) -> CheckedProgram {
    var statement = -1, timeInStatement = 0
    let scheduleEvents = events.enumerated().map { index, spec in
        if index == 0 || spec.statement == nil || spec.statement != events[index - 1].statement {
            statement += 1
            timeInStatement = 0
        } else {
            timeInStatement += 1
        }
        let timeStart = 1000 + 100 * statement + 3 + 6 * timeInStatement
        return ScheduleEvent(time: spec.time, target: spec.target, operation: spec.operation, keepNoise: spec.keepNoise,
                             range: eventRange(statement), timeRange: SourceRange(start: timeStart, end: timeStart + 5))
    }
    var settingRanges: [String: SourceRange] = [:]
    for (i, key) in settingNames.enumerated() { settingRanges[key] = SourceRange(start: 20 * i, end: 20 * i + 10) }
    return CheckedProgram(name: name, dataset: dataset, model: .wrn(depth: 16, width: 4), epochs: epochs,
                          optimizer: optimizer, learningRate: lr, batchSize: batch, maxBatchSize: maxBatch,
                          microBatchSize: microBatch, ghostBatchSize: ghostBatch, policy: policy, warmup: warmup,
                          seed: 1, weightDecay: 5e-4, events: scheduleEvents, settingRanges: settingRanges)
}

let settingNames = ["schedule", "data", "model", "epochs", "optimizer", "lr", "batch", "max_batch", "micro_batch",
                    "ghost_batch", "policy", "warmup", "seed", "weight_decay"]

/// The made-up range `makeProgram` gives statement `index`.
func eventRange(_ index: Int) -> SourceRange { SourceRange(start: 1000 + 100 * index, end: 1000 + 100 * index + 50) }

/// The made-up range `makeProgram` gives setting `name`.
func settingRange(_ name: String) -> SourceRange {
    let i = settingNames.firstIndex(of: name)!
    return SourceRange(start: 20 * i, end: 20 * i + 10)
}
