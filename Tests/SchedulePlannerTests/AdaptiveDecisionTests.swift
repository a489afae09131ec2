import Foundation
@testable import SchedulePlanner
import XCTest

/// `AdaptiveBatchRule`: check times, the EMAs and B_simple, the trigger, growth rounding and
/// capping, the gap; and that decisions are a pure function of the measurements (a replayed
/// trace, a state decoded mid-trace).
final class AdaptiveDecisionTests: XCTestCase {
    private func rule(every: AdaptiveBatch.Span = .updates(10), smoothing: Double = 0, above: Double = 2, checks: Int = 2,
                      growth: Double = 2, limit: Int = 1000, gap: AdaptiveBatch.Span? = nil, ghost: Int? = nil) -> AdaptiveBatchRule {
        AdaptiveBatchRule(rule: AdaptiveBatch(interval: every, smoothing: smoothing, above: above, checks: checks, growth: growth,
                                              limit: limit, gap: gap, keep: .lr),
                          datasetSize: 1000, ghostBatch: ghost)
    }

    /// A measurement of B_simple = ratio at update u (|G|² = 1).
    private func measurement(update: Int, batch: Int, ratio: Double, gradient: Double = 1) -> AdaptiveMeasurement {
        AdaptiveMeasurement(update: update, samples: (update + 1) * batch, batch: batch, gradientSquaredNorm: gradient,
                            traceCovariance: ratio * gradient)
    }

    func testCheckTimesInUpdatesAndEpochs() {
        var r = rule(every: .updates(10))
        XCTAssertFalse(r.isDue(updates: 9, samples: 0))
        XCTAssertTrue(r.isDue(updates: 10, samples: 0))
        _ = r.check(measurement(update: 9, batch: 10, ratio: 1))
        XCTAssertFalse(r.isDue(updates: 10, samples: 0), "the check at 10 is done")
        XCTAssertTrue(r.isDue(updates: 20, samples: 0))
        // Half an epoch of N = 1000: at the first boundary at or past 500, 1000, 1500 samples.
        var e = rule(every: .epochs(0.5))
        XCTAssertFalse(e.isDue(updates: 4, samples: 480))
        XCTAssertTrue(e.isDue(updates: 5, samples: 600))
        _ = e.check(AdaptiveMeasurement(update: 4, samples: 600, batch: 120, gradientSquaredNorm: 1, traceCovariance: 1))
        XCTAssertFalse(e.isDue(updates: 8, samples: 960))
        XCTAssertTrue(e.isDue(updates: 9, samples: 1000))
        // A check that came late (a one-pass update skipped) passes every time it covers.
        _ = e.check(AdaptiveMeasurement(update: 13, samples: 1560, batch: 120, gradientSquaredNorm: 1, traceCovariance: 1))
        XCTAssertEqual(e.checksPassed, 3)
        XCTAssertFalse(e.isDue(updates: 14, samples: 1680))
    }

    func testTriggerGrowthAndReset() {
        var r = rule(above: 2, checks: 2)
        // B = 100: positive when B_simple > 200.
        XCTAssertEqual(r.check(measurement(update: 9, batch: 100, ratio: 150)).decision, .below)
        XCTAssertEqual(r.check(measurement(update: 19, batch: 100, ratio: 250)).decision, .positive(inARow: 1))
        XCTAssertEqual(r.check(measurement(update: 29, batch: 100, ratio: 150)).decision, .below, "not in a row")
        XCTAssertEqual(r.check(measurement(update: 39, batch: 100, ratio: 250)).decision, .positive(inARow: 1))
        XCTAssertEqual(r.check(measurement(update: 49, batch: 100, ratio: 250)).decision,
                       .grow(AdaptiveGrowth(update: 50, batch: 200, noiseScale: 250)))
        XCTAssertEqual(r.growths, [AdaptiveGrowth(update: 50, batch: 200, noiseScale: 250)])
        XCTAssertEqual(r.check(measurement(update: 59, batch: 200, ratio: 450)).decision, .positive(inARow: 1), "count restarts")
        XCTAssertEqual(r.check(measurement(update: 69, batch: 200, ratio: 350)).decision, .below, "k·B is now 400")
    }

    func testSmoothingAveragesBeforeDividingAndKeepsNegativeEstimates() {
        var r = rule(smoothing: 0.5, checks: 1)
        // EMAs with bias correction: after (G 2, T 100): G 2, T 100 → 50.
        let first = r.check(AdaptiveMeasurement(update: 9, samples: 100, batch: 10, gradientSquaredNorm: 2, traceCovariance: 100))
        XCTAssertEqual(first.smoothedGradientSquaredNorm, 2, accuracy: 1e-12)
        XCTAssertEqual(first.noiseScale!, 50, accuracy: 1e-12)
        // A negative |G|² estimate is averaged in: the raw EMA of G is 0.5·1 + 0.5·(−1) = 0, so
        // B_simple is undefined (the raw EMA of T is 0.5·50 + 0.5·100 = 75, corrected 75 / 0.75).
        let second = r.check(AdaptiveMeasurement(update: 19, samples: 200, batch: 10, gradientSquaredNorm: -1, traceCovariance: 100))
        XCTAssertNil(second.noiseScale)
        XCTAssertEqual(second.decision, .undefined)
        XCTAssertEqual(second.smoothedGradientSquaredNorm, 0, accuracy: 1e-12)
        XCTAssertEqual(second.smoothedTraceCovariance, 100, accuracy: 1e-12)
        // Then defined again: B_simple is the ratio of the averages (0.5·75 + 0.5·20) / (0.5·0 + 0.5·4),
        // not the mean of the single ratios (5 here), and 23.75 > 2 × 10 grows the batch.
        let third = r.check(AdaptiveMeasurement(update: 29, samples: 300, batch: 10, gradientSquaredNorm: 4, traceCovariance: 20))
        XCTAssertEqual(third.noiseScale!, 23.75, accuracy: 1e-12)
        XCTAssertEqual(third.decision, .grow(AdaptiveGrowth(update: 30, batch: 20, noiseScale: third.noiseScale!)))
    }

    func testGrowthIsRoundedToGhostBatchesAndCapped() {
        var ghost = rule(checks: 1, growth: 1.5, ghost: 32)
        XCTAssertEqual(ghost.check(measurement(update: 9, batch: 96, ratio: 1000)).decision,
                       .grow(AdaptiveGrowth(update: 10, batch: 128, noiseScale: 1000)), "144 → 128")
        var plain = rule(checks: 1, growth: 1.5)
        XCTAssertEqual(plain.check(measurement(update: 9, batch: 96, ratio: 1000)).decision,
                       .grow(AdaptiveGrowth(update: 10, batch: 144, noiseScale: 1000)))
        var capped = rule(checks: 1, limit: 150)
        XCTAssertEqual(capped.check(measurement(update: 9, batch: 96, ratio: 1000)).decision,
                       .grow(AdaptiveGrowth(update: 10, batch: 150, noiseScale: 1000)))
        XCTAssertEqual(capped.check(measurement(update: 19, batch: 150, ratio: 1000)).decision, .atLimit(inARow: 1))
        var past = rule(checks: 1, limit: 100)
        XCTAssertEqual(past.check(measurement(update: 9, batch: 200, ratio: 1000)).decision, .atLimit(inARow: 1),
                       "past up_to (a fixed event grew it): no growth")
        XCTAssertTrue(past.growths.isEmpty)
    }

    func testGapHoldsAGrowthBackWhileStillCounting() {
        var r = rule(checks: 1, gap: .updates(25))
        XCTAssertEqual(r.check(measurement(update: 9, batch: 10, ratio: 100)).decision,
                       .grow(AdaptiveGrowth(update: 10, batch: 20, noiseScale: 100)), "the first growth has no gap before it")
        XCTAssertEqual(r.check(measurement(update: 19, batch: 20, ratio: 100)).decision, .waiting(inARow: 1))
        XCTAssertEqual(r.check(measurement(update: 29, batch: 20, ratio: 100)).decision, .waiting(inARow: 2))
        XCTAssertEqual(r.check(measurement(update: 39, batch: 20, ratio: 100)).decision,
                       .grow(AdaptiveGrowth(update: 40, batch: 40, noiseScale: 100)), "30 updates after the last growth")
        var e = rule(checks: 1, gap: .epochs(1))
        XCTAssertEqual(e.check(AdaptiveMeasurement(update: 9, samples: 500, batch: 50, gradientSquaredNorm: 1, traceCovariance: 1000)).decision.name, "grow")
        XCTAssertEqual(e.check(AdaptiveMeasurement(update: 19, samples: 1400, batch: 100, gradientSquaredNorm: 1, traceCovariance: 1000)).decision.name, "waiting")
        XCTAssertEqual(e.check(AdaptiveMeasurement(update: 29, samples: 1500, batch: 100, gradientSquaredNorm: 1, traceCovariance: 1000)).decision.name, "grow")
    }

    /// The runtime's check times are the bounds' (`AdaptiveBatch.isCheck`) at every update
    /// boundary: spans in steps and in epochs, shorter than an update (several multiples on one
    /// boundary make one check), batches that change and epochs that end in a short batch.
    func testCheckTimesAgreeWithTheBoundsRule() {
        for (every, n) in [(AdaptiveBatch.Span.updates(7), 1000), (.epochs(0.05), 60_000), (.epochs(0.3), 1000),
                           (.epochs(1.0 / 3), 999), (.epochs(0.001), 1000), (.epochs(2.5), 700)] {
            var r = AdaptiveBatchRule(rule: AdaptiveBatch(interval: every, smoothing: 0, above: 2, checks: 3, growth: 2, limit: 4096,
                                                          gap: nil, keep: .lr),
                                      datasetSize: n, ghostBatch: nil)
            var start = 0, update = 0, checks = 0
            for epoch in 0..<12 {
                let batch = [64, 96, 128, 250][epoch % 4]
                var offset = 0
                while offset < n {
                    let size = min(batch, n - offset)
                    let end = epoch * n + offset + size
                    let due = r.isDue(updates: update + 1, samples: end)
                    XCTAssertEqual(due, r.rule.isCheck(beforeUpdate: update + 1, previousStart: start, start: end, datasetSize: n),
                                   "\(every), N \(n): the boundary after update \(update) (samples \(start)..<\(end))")
                    if due {
                        _ = r.check(AdaptiveMeasurement(update: update, samples: end, batch: batch, gradientSquaredNorm: 1,
                                                        traceCovariance: 1))
                        checks += 1
                    }
                    start = end
                    offset += size
                    update += 1
                }
            }
            XCTAssertGreaterThan(checks, 3, "\(every)")
        }
    }

    /// A long noisy trace: a fresh rule replaying it decides the same, and a rule decoded from
    /// JSON halfway (a checkpoint) continues exactly as the one that was never stopped.
    func testReplayingATraceGivesTheSameDecisions() throws {
        var seedState: UInt64 = 0x5EED_ADA9
        func next() -> Double {
            seedState = seedState &* 6364136223846793005 &+ 1442695040888963407
            return Double(seedState >> 11) / Double(1 << 53)
        }
        var original = rule(smoothing: 0.8, above: 1.5, checks: 3, growth: 1.7, limit: 4096, gap: .updates(60), ghost: 16)
        var trace: [AdaptiveMeasurement] = []
        var checks: [AdaptiveCheck] = []
        var batch = 32, update = 0, samples = 0
        var decoded: AdaptiveBatchRule?
        for i in 0..<300 {
            while !original.isDue(updates: update + 1, samples: samples + batch) { update += 1; samples += batch }
            update += 1; samples += batch
            // Noisy estimates around a B_simple that rises from 50 to 3000; some |G|² negative.
            let truth = 50 + 10 * Double(i)
            let m = AdaptiveMeasurement(update: update - 1, samples: samples, batch: batch,
                                        gradientSquaredNorm: 0.3 + 2.5 * (next() - 0.5), traceCovariance: truth * (0.5 + next()))
            trace.append(m)
            let check = original.check(m)
            checks.append(check)
            if case .grow(let growth) = check.decision { batch = growth.batch }
            if i == 150 { decoded = try JSONDecoder().decode(AdaptiveBatchRule.self, from: JSONEncoder().encode(original)) }
        }
        XCTAssertGreaterThan(original.growths.count, 2, "the trace makes the batch grow")
        XCTAssertTrue(checks.contains { $0.decision == .undefined })
        XCTAssertTrue(checks.contains { $0.decision.name == "waiting" })

        var replayed = rule(smoothing: 0.8, above: 1.5, checks: 3, growth: 1.7, limit: 4096, gap: .updates(60), ghost: 16)
        XCTAssertEqual(trace.map { replayed.check($0) }, checks)
        XCTAssertEqual(replayed, original)

        var resumed = try XCTUnwrap(decoded)
        XCTAssertEqual(trace[151...].map { resumed.check($0) }, Array(checks[151...]))
        XCTAssertEqual(resumed, original)
    }
}
