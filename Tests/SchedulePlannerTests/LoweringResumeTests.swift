import XCTest
import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport

/// Lowering that resumes from an earlier version's lowering gives the plan lowering from
/// scratch gives: long random schedules (sample- and step-timed events of every target, ties,
/// warm-ups, every policy), each edited many times in a row (an event's value or time
/// changed, an event added or removed, a setting changed).
final class LoweringResumeTests: XCTestCase {
    func randomEvent(_ rng: inout TestRandom, epochs: Int, updates: Int, steps: Bool) -> EventSpec {
        let time: EventTime = steps && rng.chance(0.15) ? .step(rng.int(0...updates)) : rng.chance(0.1) ? .fraction(rng.double(0...1))
            : .epoch(rng.chance(0.3) ? Double(rng.int(0...epochs)) : rng.double(0...Double(epochs)))
        switch rng.int(0...9) {
        case 0...3: return .at(time, .noise, rng.chance(0.8) ? .divide(rng.pick([1.01, 1.5, 2, 5])) : .multiply(1.5))
        case 4, 5: return .at(time, .lr, .multiply(rng.pick([0.99, 0.5, 1.01])), keepNoise: rng.chance(0.3))
        case 6: return .at(time, .momentum, .set(rng.pick([0, 0.5, 0.9, 0.95])), keepNoise: rng.chance(0.5))
        case 7: return .at(time, .batch, .set(Double(rng.int(1...600))))
        default: return .at(time, .lr, .set(rng.pick([0.01, 0.05, 0.2])))
        }
    }

    func testResumedLoweringEqualsFreshLowering() throws {
        var rng = TestRandom(seed: 41)
        var resumedSomewhere = 0, checked = 0
        for _ in 0..<60 {
            let n = rng.int(2_000...20_000), epochs = rng.int(2...40), batch = rng.int(16...256)
            let policy: LoweringPolicy = rng.pick([.increaseBatch, .decayLearningRate, .hybrid(k: rng.int(1...3)), .adabatch(r: 2)])
            var warmup: Warmup? = rng.chance(0.3) ? Warmup(length: Double(rng.int(1...3)), unit: .epoch) : nil
            var maxBatch = rng.int(batch...4 * batch)
            let updates = epochs * (n / batch)
            let steps = rng.chance(0.5) // half the schedules have no step-timed event (one queue stays empty)
            var events = (0..<rng.int(40...160)).map { _ in randomEvent(&rng, epochs: epochs, updates: updates, steps: steps) }
            func program() -> CheckedProgram {
                // The front end's order: comparable times sorted, step times where they stand.
                makeProgram(dataset: DatasetSpec(known: nil, trainingSize: n), epochs: epochs, batch: batch, maxBatch: maxBatch,
                            ghostBatch: nil, policy: policy, warmup: warmup, events: events)
            }
            var memo: LoweringMemo?
            for _ in 0..<8 {
                switch rng.int(0...9) {
                case 0...3: events[rng.below(events.count)] = randomEvent(&rng, epochs: epochs, updates: updates, steps: steps)
                case 4, 5: events.insert(randomEvent(&rng, epochs: epochs, updates: updates, steps: steps), at: rng.below(events.count + 1))
                case 6, 7: if events.count > 1 { events.remove(at: rng.below(events.count)) }
                case 8: maxBatch = rng.int(batch...4 * batch)
                default: warmup = warmup == nil ? Warmup(length: 1, unit: .epoch) : nil
                }
                let edited = program()
                let fresh: Plan
                do { fresh = try Planner.plan(edited) } catch {
                    memo = nil // a schedule that cannot be planned leaves nothing to resume from
                    continue
                }
                let policyValue = Policy(edited.policy)
                let (resumed, next) = try Planner.lower(Timeline(edited, policy: policyValue), program: edited, policy: policyValue, reusing: memo)
                XCTAssertEqual(resumed, fresh)
                if resumed != fresh { return }
                if next.resumedAt > 0 { resumedSomewhere += 1 }
                memo = next
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 300)
        XCTAssertGreaterThan(resumedSomewhere, checked / 6, "edits of events past the first steps resume")
    }
}
