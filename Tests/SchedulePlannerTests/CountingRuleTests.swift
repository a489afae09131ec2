import XCTest
@testable import SchedulePlanner
import TestSupport

final class CountingRuleTests: XCTestCase {
    func testAnEpochIsCeilingOfNOverBUpdates() {
        XCTAssertEqual(CountingRule.updatesPerEpoch(batch: 128, datasetSize: 50_000), 391)  // 390 full + one of 80
        XCTAssertEqual(CountingRule.updatesPerEpoch(batch: 640, datasetSize: 50_000), 79)
        XCTAssertEqual(CountingRule.updatesPerEpoch(batch: 5120, datasetSize: 50_000), 10)
        XCTAssertEqual(CountingRule.updatesPerEpoch(batch: 50_000, datasetSize: 50_000), 1)
        XCTAssertEqual(CountingRule.updatesPerEpoch(batch: 100, datasetSize: 50_000), 500)
    }

    /// Both analytic walks against a walk over every batch start.
    func testAdvanceAgreesWithWalkingEveryBatch() {
        var rng = TestRandom(seed: 7)
        for _ in 0..<3000 {
            let n = rng.int(1...300), batch = rng.int(1...(n + 5))
            let from = rng.int(0...(3 * n))
            // `from` must be where an update starts: snap it onto the batch grid of its epoch.
            let start = (from / n) * n + ((from % n) / batch) * batch
            let target = start + rng.int(0...(3 * n))
            // Naive: step through batches until one starts at or after the target.
            var sample = start, updates = 0
            while sample < target {
                let offset = sample % n
                sample += min(batch, n - offset)
                updates += 1
            }
            let analytic = CountingRule.advance(from: start, toSample: target, batch: batch, datasetSize: n)
            XCTAssertEqual(analytic.sample, sample, "n \(n) B \(batch) from \(start) to \(target)")
            XCTAssertEqual(analytic.updates, updates, "n \(n) B \(batch) from \(start) to \(target)")
            XCTAssertEqual(CountingRule.advance(from: start, updates: updates, batch: batch, datasetSize: n), sample)
        }
    }

    func testAChangeInsideTheLastPartialBatchWaitsForTheNextEpoch() {
        // N 1000, B 300: updates start at 0, 300, 600, 900 (the last takes 100 examples).
        XCTAssertEqual(CountingRule.advance(from: 0, toSample: 900, batch: 300, datasetSize: 1000).sample, 900)
        XCTAssertEqual(CountingRule.advance(from: 0, toSample: 901, batch: 300, datasetSize: 1000).sample, 1000)
        XCTAssertEqual(CountingRule.advance(from: 0, toSample: 901, batch: 300, datasetSize: 1000).updates, 4)
        XCTAssertEqual(CountingRule.advance(from: 0, toSample: 2000, batch: 300, datasetSize: 1000).updates, 8)
    }
}
