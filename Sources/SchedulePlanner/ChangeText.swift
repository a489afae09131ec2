import ScheduleLanguage

/// The words of a plan change are kept as the numbers they are made of and written out only
/// when read (`PlanChange.effect`, `PlanChange.note`): an editor lowers a long schedule again on
/// every keystroke, thousands of changes, and shows the words of a few. Two texts are equal
/// when their words are.

/// What a change did: "B 128 → 640, ε 0.1 → 0.032".
public enum ChangeEffect: Sendable, Hashable, CustomStringConvertible {
    /// Words without numbers ("no change", "none") or from elsewhere (a plan read from JSON).
    case words(String)
    /// Each quantity that moved, in the order written; none is the empty text.
    case moves([ChangeMove])
    /// The common shapes without an array: one quantity moved, or two.
    case one(ChangeMove)
    case two(ChangeMove, ChangeMove)

    /// Nothing moved (the text is empty; readers show "no change").
    static let nothing = ChangeEffect.moves([])

    static func of(_ moves: [ChangeMove]) -> ChangeEffect {
        switch moves.count {
        case 1: .one(moves[0])
        case 2: .two(moves[0], moves[1])
        default: .moves(moves)
        }
    }

    public var description: String {
        switch self {
        case .words(let words): words
        case .one(let move): move.description
        case .two(let first, let second): first.description + ", " + second.description
        case .moves(let moves): moves.map(\.description).joined(separator: ", ")
        }
    }

    public static func == (a: ChangeEffect, b: ChangeEffect) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// One quantity moving: "ε 0.1 → 0.032", or "B 128 → 640 (B ∝ ε)" under a keep-noise rule.
public struct ChangeMove: Sendable, Hashable, CustomStringConvertible {
    public var quantity: Quantity
    public var from: Double
    public var to: Double
    /// The rule that moved B with the quantity written (keep-noise changes).
    public var rule: KeepNoiseRule?

    public init(_ quantity: Quantity, from: Double, to: Double, rule: KeepNoiseRule? = nil) {
        self.quantity = quantity
        self.from = from
        self.to = to
        self.rule = rule
    }

    public var description: String {
        let symbol = switch quantity {
        case .batch: "B"
        case .lr: "ε"
        case .momentum: "m"
        }
        let text = "\(symbol) \(formatNumber(from)) → \(formatNumber(to))"
        return rule.map { "\(text) (\($0.rawValue))" } ?? text
    }
}

/// Which proportionality a keep-noise change holds g with.
public enum KeepNoiseRule: String, Sendable, Hashable {
    /// Linear scaling: g ∝ ε/B.
    case linearScaling = "B ∝ ε"
    /// Momentum: g ∝ 1/(B(1 − m)).
    case momentum = "B ∝ 1/(1 − m)"
}

/// Why a change did not move B or ε the way the event alone suggests.
public enum ChangeNote: Sendable, Hashable, CustomStringConvertible {
    /// Words from elsewhere (an adaptive growth, a plan read from JSON).
    case words(String)
    /// An explicit batch clamped into 1...max_batch.
    case batchClamped(wanted: Double, to: Int, maxBatch: Int)
    /// An explicit batch that was not whole.
    case batchRounded(wanted: Double, to: Int)
    /// A noise decay with B at max_batch (already, or reached now): ε took the factor B could not.
    case decayCapped(maxBatch: Int, lrDivisor: Double, alreadyAtMax: Bool)
    /// adabatch(r): B grew by r, ε took the rest.
    case growthRateLimited(rate: Double, lrDivisor: Double)
    /// B × growth was not whole: rounded, ε corrected.
    case decayRounded(target: Double, batch: Int, lrCorrection: Double)
    /// A policy that decays ε for this decay (decay_lr, or hybrid(k) past its k decays).
    case learningRateDecay(policy: Policy, divisor: Double)
    /// A noise increase shrank B down to the program's batch; ε took the rest.
    case batchFloor(floor: Int, lrFactor: Double)
    /// B ÷ shrink was not whole.
    case increaseRounded(target: Double, batch: Int)
    /// adabatch(r): B shrank by at most r, ε took the rest.
    case shrinkRateLimited(rate: Double, lrFactor: Double)
    /// A keep-noise change whose batch was capped, clamped or rounded; ε corrected.
    case keepNoiseLimited(target: Double, batch: Int, maxBatch: Int, limit: ChangeLimit, correction: KeepNoiseCorrection)
    /// At or after the end of the run.
    case afterEnd(epochs: Int)

    public var description: String {
        switch self {
        case .words(let words):
            return words
        case .batchClamped(let wanted, let batch, let maxBatch):
            return batch == maxBatch
                ? "batch \(formatNumber(wanted)) clamped to max_batch \(maxBatch)"
                : "batch \(formatNumber(wanted)) clamped to 1"
        case .batchRounded(let wanted, let batch):
            return "batch \(formatNumber(wanted)) rounded to \(batch)"
        case .decayCapped(let maxBatch, let lrDivisor, let alreadyAtMax):
            return "B \(alreadyAtMax ? "already at" : "capped at") max_batch \(maxBatch); ε ÷ \(formatNumber(lrDivisor)) instead"
        case .growthRateLimited(let rate, let lrDivisor):
            return "B grows at most × \(formatNumber(rate)) per step; ε ÷ \(formatNumber(lrDivisor)) takes the rest"
        case .decayRounded(let target, let batch, let correction):
            return "B \(formatNumber(target)) rounded to \(batch); ε × \(formatNumber(correction)) so g stays exact"
        case .learningRateDecay(let policy, let divisor):
            if case .hybrid(let k) = policy {
                return "\(policy) grows B for the first \(k == 1 ? "decay" : "\(k) decays") only; ε ÷ \(formatNumber(divisor))"
            }
            return "policy \(policy): ε ÷ \(formatNumber(divisor))"
        case .batchFloor(let floor, let lrFactor):
            return "B back at the program's batch \(floor); ε × \(formatNumber(lrFactor)) takes the rest"
        case .increaseRounded(let target, let batch):
            return "B \(formatNumber(target)) rounded to \(batch); ε corrected so g stays exact"
        case .shrinkRateLimited(let rate, let lrFactor):
            return "B shrinks at most ÷ \(formatNumber(rate)) per step; ε × \(formatNumber(lrFactor)) takes the rest"
        case .keepNoiseLimited(let target, let batch, let maxBatch, let limit, let correction):
            switch limit {
            case .maxBatch: return "B \(formatNumber(target)) capped at max_batch \(maxBatch); \(correction) so g stays put"
            case .clamped: return "B \(formatNumber(target)) clamped to 1; \(correction) so g stays put"
            default: return "B \(formatNumber(target)) rounded to \(batch); \(correction) so g stays exact"
            }
        case .afterEnd(let epochs):
            return "takes effect at or after the end of the run (epoch \(epochs))"
        }
    }

    public static func == (a: ChangeNote, b: ChangeNote) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// How a capped keep-noise change says what ε became.
public enum KeepNoiseCorrection: Sendable, Hashable, CustomStringConvertible {
    /// ε was written: "ε 0.4 instead of 0.5".
    case instead(reached: Double, written: Double)
    /// ε was not written (a momentum change): "ε × 0.8".
    case factor(Double)

    public var description: String {
        switch self {
        case .instead(let reached, let written): "ε \(formatNumber(reached)) instead of \(formatNumber(written))"
        case .factor(let factor): "ε × \(formatNumber(factor))"
        }
    }
}

/// When a change was asked for, as written: "epoch 160", "step 1000", "75%", "warmup 5 epochs".
public enum ChangeTime: Sendable, Hashable, CustomStringConvertible {
    /// An event's time, or the step of an adaptive growth.
    case event(EventTime)
    /// The end of the warm-up.
    case warmup(Warmup)
    /// Words from elsewhere (a plan read from JSON).
    case words(String)

    public var description: String {
        switch self {
        case .event(let time): describe(time)
        case .warmup(let warmup): "warmup \(formatNumber(warmup.length)) \(warmup.unit == .epoch ? "epochs" : "steps")"
        case .words(let words): words
        }
    }

    public static func == (a: ChangeTime, b: ChangeTime) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// The same time, written the same way (no words made: what lowering compares).
    func isIdentical(to other: ChangeTime) -> Bool {
        switch (self, other) {
        case let (.event(a), .event(b)): a == b
        case let (.warmup(a), .warmup(b)): a == b
        default: self == other
        }
    }
}

/// What a change asked for, as written: "noise /= 5", "lr = 0.5, keep noise", "warm-up ends".
public enum ChangeRequest: Sendable, Hashable, CustomStringConvertible {
    case event(target: EventTarget, operation: EventOperation, keepNoise: Bool)
    case warmupEnd
    case adaptiveGrowth
    /// Words from elsewhere (a plan read from JSON).
    case words(String)

    public var description: String {
        switch self {
        case let .event(target, operation, keepNoise): describe(target: target, operation: operation, keepNoise: keepNoise)
        case .warmupEnd: "warm-up ends"
        case .adaptiveGrowth: "adapt batch"
        case .words(let words): words
        }
    }

    public static func == (a: ChangeRequest, b: ChangeRequest) -> Bool { a.description == b.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// The same request, written the same way (no words made: what lowering compares).
    func isIdentical(to other: ChangeRequest) -> Bool {
        switch (self, other) {
        case let (.event(t1, o1, k1), .event(t2, o2, k2)): t1 == t2 && o1 == o2 && k1 == k2
        case (.warmupEnd, .warmupEnd), (.adaptiveGrowth, .adaptiveGrowth): true
        default: self == other
        }
    }
}
