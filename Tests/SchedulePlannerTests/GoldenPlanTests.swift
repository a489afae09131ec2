import XCTest
import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport

/// The human table and the JSON of every sample schedule (and a few odd ones), against golden
/// files in Golden/. Regenerate with SCHEDC_UPDATE_GOLDEN=1 and review the diff.
final class GoldenPlanTests: XCTestCase {
    /// Programs with micro-batching, warm-up in steps, step-timed and fractional events, a
    /// clamped explicit batch and an event past the end: the cases the samples do not cover.
    static let oddities: [CheckedProgram] = [
        makeProgram(name: "micro_and_steps", dataset: DatasetSpec(known: nil, trainingSize: 10_000), epochs: 12,
                    optimizer: OptimizerSpec(kind: .nesterov, momentum: 0.9), lr: 0.2, batch: 100, maxBatch: 3000,
                    microBatch: 700, ghostBatch: 50, policy: .increaseBatch, warmup: Warmup(length: 150, unit: .step),
                    events: [.at(.epoch(2.5), .noise, .divide(3)),
                             .at(.step(300), .noise, .divide(3)),
                             .at(.fraction(0.75), .batch, .set(4000)),
                             .at(.epoch(11), .momentum, .set(0.95), keepNoise: true),
                             .at(.step(1_000_000), .lr, .divide(2))]),
        makeProgram(name: "noise_up_and_down", dataset: DatasetSpec(known: .mnist, trainingSize: 60_000), epochs: 30,
                    lr: 0.05, batch: 96, maxBatch: 2048, ghostBatch: nil, policy: .adabatch(r: 2),
                    events: [.at(.epoch(5), .noise, .divide(1.7)),
                             .at(.epoch(10), .noise, .divide(4)),
                             .at(.epoch(15), .noise, .multiply(3)),
                             .at(.epoch(20), .noise, .divide(10)),
                             .at(.epoch(25), .lr, .multiply(0.5))]),
    ]

    func testSampleTables() throws {
        for program in try CIFAR10Samples.all + Self.oddities {
            assertGolden(try Planner.plan(program).table(), named: "\(program.name).txt")
        }
    }

    func testSampleJSON() throws {
        for program in try CIFAR10Samples.all + Self.oddities {
            assertGolden(try Planner.plan(program).jsonText(), named: "\(program.name).json")
        }
    }
}
