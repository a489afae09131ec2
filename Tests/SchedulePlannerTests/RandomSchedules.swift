import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport

enum ScheduleFamily {
    /// Noise changes, relative lr changes, momentum changes and keep-noise events at epoch or
    /// percent times: the events under which every policy must follow the same noise scale g.
    case policyEquivalent
    /// Everything: step-timed events, explicit batch and absolute lr changes, events past the end.
    case anything
}

/// A random checked program, small enough that the naive per-update twin runs in milliseconds
/// (at most ~400 updates per epoch), with events sorted the way the front end sorts them.
func randomProgram(_ rng: inout TestRandom, family: ScheduleFamily, seed: UInt64) -> CheckedProgram {
    let n = rng.int(50...20_000)
    let epochs = rng.int(1...30)
    let batch = rng.int(max(1, n / 400)...max(1, n / 4))
    let maxBatch = rng.chance(0.3) ? batch : rng.int(batch...n)
    let momentum = rng.pick([0, 0.5, 0.9, 0.95, 0.99])
    let micro: Int? = rng.chance(0.5) ? nil : rng.int(1...max(1, 2 * batch))
    let ghost: Int? = rng.chance(0.5) ? nil : rng.int(1...64)
    var warmup: Warmup?
    if rng.chance(0.3) {
        warmup = rng.chance(0.5) ? Warmup(length: rng.double(0.05...Double(epochs)), unit: .epoch)
            : Warmup(length: Double(rng.int(1...500)), unit: .step)
    }

    var timed: [(time: Double, spec: EventSpec)] = []
    var stepEvents: [EventSpec] = []
    for _ in 0..<rng.int(0...8) {
        // Times: whole epochs most often (the usual schedule), else fractional or a percentage.
        var time: EventTime
        var sortKey: Double
        switch rng.int(0...9) {
        case 0...4:
            let e = Double(rng.int(0...epochs))
            (time, sortKey) = (.epoch(e), e)
        case 5...7:
            let e = rng.double(0...Double(epochs) * 1.02)
            (time, sortKey) = (.epoch(e), e)
        default:
            let f = rng.double(0...1)
            (time, sortKey) = (.fraction(f), f * Double(epochs))
        }
        var spec: EventSpec
        let kind = rng.int(0...9)
        switch kind {
        case 0...4:
            let factor = rng.pick([1.5, 1.7, 2, 2.5, 3, 4, 5, 10])
            spec = rng.chance(0.15) ? .at(time, .noise, .multiply(rng.pick([1.5, 2, 3])))
                : .at(time, .noise, rng.chance(0.8) ? .divide(factor) : .multiply(1 / factor))
        case 5:
            spec = .at(time, .lr, rng.chance(0.5) ? .multiply(rng.pick([0.5, 0.3, 2])) : .divide(rng.pick([2, 3, 1.5])))
        case 6:
            spec = .at(time, .momentum, .set(rng.pick([0, 0.5, 0.9, 0.95, 0.98])), keepNoise: rng.chance(0.5))
        case 7:
            spec = .at(time, .lr, .set(rng.pick([0.01, 0.05, 0.2, 0.5, 1.0])), keepNoise: true)
        default:
            switch family {
            case .policyEquivalent:
                spec = .at(time, .noise, .divide(rng.pick([2, 5])))
            case .anything:
                switch rng.int(0...3) {
                case 0: spec = .at(time, .batch, .set(Double(rng.int(1...(2 * maxBatch)))))
                case 1: spec = .at(time, .batch, rng.chance(0.5) ? .multiply(rng.pick([1.5, 2, 3])) : .divide(rng.pick([2, 3])))
                case 2: spec = .at(time, .lr, .set(rng.pick([0.01, 0.05, 0.2, 0.5])))
                default:
                    // Step-timed: anywhere from the start to past the end of a decay_lr run.
                    let steps = rng.int(0...(epochs * ((n + batch - 1) / batch) + 10))
                    stepEvents.append(.at(.step(steps), rng.pick([.noise, .lr, .batch]), rng.pick([.divide(2), .multiply(2), .divide(3)])))
                    continue
                }
            }
        }
        timed.append((sortKey, spec))
    }
    // The front end sorts comparable times (stable); step-timed events keep their source place.
    var events = timed.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element.spec)
    for spec in stepEvents { events.insert(spec, at: rng.int(0...events.count)) }

    let policy: LoweringPolicy = rng.pick([.increaseBatch, .decayLearningRate, .hybrid(k: rng.int(0...3)),
                                           .adabatch(r: rng.pick([1, 1.5, 2, 4]))])
    return makeProgram(name: "random_\(seed)", dataset: DatasetSpec(known: nil, trainingSize: n), epochs: epochs,
                       optimizer: OptimizerSpec(kind: rng.chance(0.5) ? .sgd : .nesterov, momentum: momentum),
                       lr: rng.pick([0.01, 0.1, 0.4, 1]), batch: batch, maxBatch: maxBatch, microBatch: micro,
                       ghostBatch: ghost, policy: policy, warmup: warmup, events: events)
}

/// The naive twin of lowering: walks the update stream one update at a time, applying every
/// entry that is due at the update's start (a sample-timed entry once the update starts at or
/// after its sample, a step-timed one once its index is reached), in timeline order. It shares
/// only the per-event state change (`LoweringState.apply`) with the planner, none of the
/// analytic placement or counting.
struct NaiveStep: Equatable {
    var epoch: Int
    var samples: Range<Int>
    var learningRate: Double
    var momentum: Double
}

func simulateNaively(_ program: CheckedProgram) throws -> [NaiveStep] {
    let timeline = try Timeline(program)
    let n = timeline.datasetSize
    var state = LoweringState(optimizer: timeline.initial, floorBatch: timeline.initial.batch,
                              warmupActive: program.warmup != nil, datasetSize: n,
                              maxBatch: program.maxBatchSize, policy: Policy(program.policy))
    var pending = timeline.entries
    var steps: [NaiveStep] = []
    var warmupEnd: Int?
    for epoch in 0..<timeline.epochs {
        var offset = 0
        while offset < n {
            let sample = epoch * n + offset, update = steps.count
            while let due = pending.firstIndex(where: { entry in
                switch entry.time {
                case .sample(let s): return s <= sample
                case .update(let k): return k <= update
                }
            }) {
                let entry = pending.remove(at: due)
                _ = try state.apply(entry.change, range: entry.range)
                if case .warmupEnd = entry.change { warmupEnd = update }
            }
            let size = min(state.optimizer.batch, n - offset)
            steps.append(NaiveStep(epoch: epoch, samples: offset..<(offset + size),
                                   learningRate: state.optimizer.learningRate, momentum: state.optimizer.momentum))
            offset += size
        }
    }
    if program.warmup != nil {
        let w = warmupEnd ?? steps.count
        for u in 0..<min(w, steps.count) { steps[u].learningRate *= Double(u + 1) / Double(w) }
    }
    return steps
}
