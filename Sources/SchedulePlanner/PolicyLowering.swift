import ScheduleLanguage

/// What limited a change: why B or ε did not move the way the event alone would suggest.
public enum ChangeLimit: String, Hashable, Sendable, Codable, CaseIterable {
    /// B × f is not a whole batch: B was rounded and ε corrected so g stays exact.
    case rounded
    /// B would pass max_batch: B = max_batch and ε took the remaining factor.
    case maxBatch = "max_batch"
    /// A decay the policy would lower by growing B, but B is already at max_batch: ε took it all.
    case noGrowth = "no_growth"
    /// adabatch(r): B grew by r, ε took the rest of the factor.
    case growthRate = "growth_rate"
    /// A noise increase shrank B back to the batch the program set; ε took the rest.
    case batchFloor = "batch_floor"
    /// An explicit batch outside 1...max_batch was clamped.
    case clamped
    /// The event takes effect at or after the end of the run: it changes nothing.
    case afterEnd = "after_end"
}

/// The state lowering carries from event to event.
struct LoweringState {
    var optimizer: OptimizerState
    /// The batch the program (or its last explicit batch / keep-noise change) set: a noise
    /// increase under a batch-growing policy shrinks B no further than this.
    var floorBatch: Int
    /// Noise decays seen so far (hybrid(k) grows B for the first k only).
    var decays = 0
    var warmupActive: Bool

    let datasetSize: Int
    let maxBatch: Int
    let policy: Policy

    /// The outcome of one change, for the plan's notes and the lints.
    struct Outcome {
        var effect: ChangeEffect
        var limit: ChangeLimit?
        var note: ChangeNote?
    }

    /// Applies one timeline change. Throws (S300) when the result is out of range, e.g.
    /// `momentum *= 2` from 0.9; `range` is the event's, for that diagnostic.
    mutating func apply(_ change: Timeline.Change, range: SourceRange) throws -> Outcome {
        let outcome = try applyExactly(change, range: range)
        optimizer.learningRate = decimalClean(optimizer.learningRate)
        return outcome
    }

    private mutating func applyExactly(_ change: Timeline.Change, range: SourceRange) throws -> Outcome {
        switch change {
        case .noise(let operation):
            return applyNoise(operation)
        case .learningRate(let operation, let keepNoise):
            let wanted = operation.apply(to: optimizer.learningRate)
            guard wanted.isFinite, wanted > 0 else {
                throw PlanningError("lr would become \(formatNumber(wanted)); it must stay positive", range: range)
            }
            if keepNoise {
                // Linear scaling rule: g ∝ ε/B, so B follows ε.
                return rescaleBatchKeepingNoise(by: wanted / optimizer.learningRate,
                                                change: ChangeMove(.lr, from: optimizer.learningRate, to: wanted),
                                                newLearningRate: wanted, newMomentum: optimizer.momentum, rule: .linearScaling)
            }
            let before = optimizer.learningRate
            optimizer.learningRate = wanted
            return Outcome(effect: .one(ChangeMove(.lr, from: before, to: wanted)))
        case .momentum(let operation, let keepNoise):
            let wanted = operation.apply(to: optimizer.momentum)
            guard wanted.isFinite, wanted >= 0, wanted < 1 else {
                throw PlanningError("momentum would become \(formatNumber(wanted)); it must stay in 0 ≤ m < 1", range: range)
            }
            if keepNoise {
                // Momentum rule: g ∝ 1/(B(1 − m)), so B ∝ 1/(1 − m).
                return rescaleBatchKeepingNoise(by: (1 - optimizer.momentum) / (1 - wanted),
                                                change: ChangeMove(.momentum, from: optimizer.momentum, to: wanted),
                                                newLearningRate: optimizer.learningRate, newMomentum: wanted, rule: .momentum)
            }
            let before = optimizer.momentum
            optimizer.momentum = wanted
            return Outcome(effect: .one(ChangeMove(.momentum, from: before, to: wanted)))
        case .batch(let operation):
            let wanted = operation.apply(to: Double(optimizer.batch))
            guard wanted.isFinite, wanted > 0 else {
                throw PlanningError("batch would become \(formatNumber(wanted)); it must stay positive", range: range)
            }
            let before = optimizer.batch
            let rounded = wanted < Double(Int.max / 2) ? Int(wanted.rounded()) : Int.max / 2
            let batch = min(max(rounded, 1), maxBatch)
            optimizer.batch = batch
            floorBatch = batch
            var outcome = Outcome(effect: .one(ChangeMove(.batch, from: Double(before), to: Double(batch))))
            if batch != rounded {
                outcome.limit = .clamped
                outcome.note = .batchClamped(wanted: wanted, to: batch, maxBatch: maxBatch)
            } else if Double(batch) != wanted {
                outcome.limit = .rounded
                outcome.note = .batchRounded(wanted: wanted, to: batch)
            }
            return outcome
        case .warmupEnd:
            warmupActive = false
            return Outcome(effect: .words("ε at its scheduled value from here on"))
        case .adaptiveGrowth(let growth, let rule):
            return try applyGrowth(growth, rule: rule, range: range)
        }
    }

    /// g ← g·u (u > 1) or g ← g/d (d > 1), lowered by the policy.
    private mutating func applyNoise(_ operation: EventOperation) -> Outcome {
        // The factor as written, kept exact: `/= 5` divides by 5, it does not multiply by 0.2.
        let isDecay: Bool
        let factor: Double
        switch operation {
        case .divide(let f): (isDecay, factor) = f >= 1 ? (true, f) : (false, 1 / f)
        case .multiply(let f): (isDecay, factor) = f <= 1 ? (true, 1 / f) : (false, f)
        case .set: preconditionFailure("Timeline rejects 'noise ='")
        }
        if factor == 1 { return Outcome(effect: .words("no change")) }
        return isDecay ? applyNoiseDecay(by: factor) : applyNoiseIncrease(by: factor)
    }

    /// g ÷ d: the policy decides how much of d goes to B (growing it) and the rest to ε.
    private mutating func applyNoiseDecay(by d: Double) -> Outcome {
        decays += 1
        let growth = policy.batchGrowth(forDecay: decays, of: d)  // the factor the policy would like B to grow by
        let rateLimited = growth > 1 && growth < d  // adabatch: growth capped at r
        let before = optimizer
        var limit: ChangeLimit?
        var newBatch = before.batch
        if growth > 1 {
            let target = snapped(Double(before.batch) * growth)
            if before.batch >= maxBatch {
                limit = .noGrowth
            } else if target >= Double(maxBatch) {
                newBatch = maxBatch
                if target > Double(maxBatch) { limit = .maxBatch }
            } else {
                // Round to the nearest whole batch, never past the adabatch rate.
                var rounded = Int(target.rounded())
                if case .adabatch(let r) = policy {
                    rounded = min(rounded, Int((Double(before.batch) * r).rounded(.down)))
                }
                newBatch = max(rounded, before.batch)
                if Double(newBatch) != target { limit = .rounded }
                if rateLimited, limit == nil { limit = .growthRate }
            }
        }
        // g' = g/d  ⇔  ε'/B' = ε/(B·d).
        let newLearningRate = before.learningRate * snapped(Double(newBatch) / (Double(before.batch) * d))
        optimizer.batch = newBatch
        optimizer.learningRate = newLearningRate
        return decayOutcome(before: before, limit: limit, d: d, growthWanted: growth)
    }

    private func decayOutcome(before: OptimizerState, limit: ChangeLimit?, d: Double, growthWanted: Double) -> Outcome {
        var outcome = Outcome(effect: moves(from: before), limit: limit)
        let lrFactor = before.learningRate / optimizer.learningRate
        switch limit {
        case .maxBatch?:
            outcome.note = .decayCapped(maxBatch: maxBatch, lrDivisor: lrFactor, alreadyAtMax: false)
        case .noGrowth?:
            outcome.note = .decayCapped(maxBatch: maxBatch, lrDivisor: lrFactor, alreadyAtMax: true)
        case .growthRate?:
            if case .adabatch(let r) = policy {
                outcome.note = .growthRateLimited(rate: r, lrDivisor: lrFactor)
            }
        case .rounded?:
            let target = Double(before.batch) * growthWanted
            // ε would be ε·growth/d with B × growth exactly; the rounding correction is on top of that.
            let correction = optimizer.learningRate * d / (before.learningRate * growthWanted)
            outcome.note = .decayRounded(target: target, batch: optimizer.batch, lrCorrection: correction)
        default:
            if growthWanted == 1 {
                switch policy {
                case .decayLearningRate, .hybrid: outcome.note = .learningRateDecay(policy: policy, divisor: d)
                default: break
                }
            }
        }
        return outcome
    }

    /// B then ε, each where it moved since `before`.
    private func moves(from before: OptimizerState) -> ChangeEffect {
        let batch = optimizer.batch != before.batch ? ChangeMove(.batch, from: Double(before.batch), to: Double(optimizer.batch)) : nil
        let lr = optimizer.learningRate != before.learningRate
            ? ChangeMove(.lr, from: before.learningRate, to: optimizer.learningRate) : nil
        switch (batch, lr) {
        case let (batch?, lr?): return .two(batch, lr)
        case let (batch?, nil): return .one(batch)
        case let (nil, lr?): return .one(lr)
        case (nil, nil): return .nothing
        }
    }

    /// g × u: decay_lr raises ε; the batch-growing policies shrink B back towards the batch the
    /// program set (never below it; adabatch by at most r) and ε takes what B cannot.
    private mutating func applyNoiseIncrease(by u: Double) -> Outcome {
        let before = optimizer
        var shrink: Double
        switch policy {
        case .decayLearningRate: shrink = 1
        case .increaseBatch, .hybrid: shrink = u
        case .adabatch(let r): shrink = min(u, r)
        }
        var limit: ChangeLimit?
        var newBatch = before.batch
        if shrink > 1, before.batch > floorBatch {
            let target = snapped(Double(before.batch) / shrink)
            var rounded = Int(target.rounded())
            if case .adabatch(let r) = policy {
                rounded = max(rounded, Int((Double(before.batch) / r).rounded(.up)))
            }
            newBatch = min(max(rounded, floorBatch), before.batch)
            if newBatch == floorBatch, target < Double(floorBatch) { limit = .batchFloor }
            else if Double(newBatch) != target { limit = .rounded }
        }
        // g' = g·u  ⇔  ε'/B' = ε·u/B.
        optimizer.batch = newBatch
        optimizer.learningRate = before.learningRate * snapped(u * Double(newBatch) / Double(before.batch))
        var outcome = Outcome(effect: moves(from: before), limit: limit)
        switch limit {
        case .batchFloor?:
            outcome.note = .batchFloor(floor: floorBatch, lrFactor: optimizer.learningRate / before.learningRate)
        case .rounded?:
            outcome.note = .increaseRounded(target: Double(before.batch) / shrink, batch: newBatch)
        default:
            if case .adabatch(let r) = policy, shrink < u, newBatch != before.batch {
                outcome.note = .shrinkRateLimited(rate: r, lrFactor: optimizer.learningRate / before.learningRate)
            }
        }
        return outcome
    }

    /// A keep-noise change: B × `scale` (rounded, clamped into 1...max_batch), with ε corrected
    /// for whatever B could not do, so g is exactly what it was.
    private mutating func rescaleBatchKeepingNoise(by scale: Double, change: ChangeMove, newLearningRate: Double,
                                                   newMomentum: Double, rule: KeepNoiseRule) -> Outcome {
        let before = optimizer
        let target = snapped(Double(before.batch) * scale)
        let rounded = target < Double(Int.max / 2) ? Int(target.rounded()) : Int.max / 2
        let batch = min(max(rounded, 1), maxBatch)
        // g = ε·N/(B(1 − m)) held: ε' = wanted ε · B'/target.
        let learningRate = newLearningRate * snapped(Double(batch) / target)
        optimizer = OptimizerState(learningRate: learningRate, batch: batch, momentum: newMomentum)
        floorBatch = batch
        var parts = [change]
        if batch != before.batch { parts.append(ChangeMove(.batch, from: Double(before.batch), to: Double(batch), rule: rule)) }
        let lrWasWritten = newLearningRate != before.learningRate
        if learningRate != newLearningRate {
            // The ε actually reached, not the one written (the note says why).
            let reached = ChangeMove(.lr, from: before.learningRate, to: learningRate)
            if lrWasWritten { parts[0] = reached } else { parts.append(reached) }
        }
        var outcome = Outcome(effect: .of(parts))
        let correction: KeepNoiseCorrection = lrWasWritten
            ? .instead(reached: learningRate, written: newLearningRate)
            : .factor(learningRate / newLearningRate)
        if batch != rounded {
            outcome.limit = batch == maxBatch ? .maxBatch : .clamped
        } else if Double(batch) != target {
            outcome.limit = .rounded
        }
        if let limit = outcome.limit {
            outcome.note = .keepNoiseLimited(target: target, batch: batch, maxBatch: maxBatch, limit: limit, correction: correction)
        }
        return outcome
    }
}

/// Decimal factors are not exact in binary: (1 − 0.9)/(1 − 0.98)·128 = 639.9999999999994.
/// A value within 1e-9 (relative) of an integer is that integer, so B × 5 is 640 and ε is not
/// "corrected" by a factor of 1 − 1e-16.
func snapped(_ value: Double) -> Double {
    let nearest = value.rounded()
    return abs(value - nearest) <= 1e-9 * max(1, abs(value)) ? nearest : value
}
