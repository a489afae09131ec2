import ScheduleLanguage

/// How noise events are lowered: which share of a noise decay grows the batch B (under
/// max_batch) and which share lowers the learning rate ε. The language knows how a policy is
/// written; what a policy does is the planner's knowledge, and lives here.
public enum Policy: Hashable, Sendable {
    /// Grow B by the full factor; past B_max, B = B_max and ε takes the rest (Smith et al. 2018).
    case increaseBatch
    /// B fixed, ε takes the whole factor.
    case decayLearningRate
    /// The first `k` noise decays grow B (under B_max), later ones decay ε.
    case hybrid(k: Int)
    /// B grows by at most `r` per decay (under B_max), ε takes the rest (AdaBatch, Devarakonda et al. 2017).
    case adabatch(r: Double)

    /// The policy a checked program names.
    public init(_ policy: LoweringPolicy) {
        switch policy {
        case .increaseBatch: self = .increaseBatch
        case .decayLearningRate: self = .decayLearningRate
        case .hybrid(let k): self = .hybrid(k: k)
        case .adabatch(let r): self = .adabatch(r: r)
        }
    }

    /// Whether some noise decay can grow the batch under this policy (before B reaches max_batch).
    public var growsBatch: Bool {
        switch self {
        case .increaseBatch: return true
        case .decayLearningRate: return false
        case .hybrid(let k): return k > 0
        case .adabatch(let r): return r > 1
        }
    }

    /// The factor by which the `decay`-th noise decay (1-based) of factor `d` would like to grow
    /// B; 1 when the policy gives it all to ε. max_batch may cap it further.
    func batchGrowth(forDecay decay: Int, of d: Double) -> Double {
        switch self {
        case .increaseBatch: return d
        case .decayLearningRate: return 1
        case .hybrid(let k): return decay <= k ? d : 1
        case .adabatch(let r): return min(d, r)
        }
    }

    /// The spelling, the same as in a `.sched` file and in plan JSON: `increase_batch`,
    /// `decay_lr`, `hybrid(1)`, `adabatch(2)`. adabatch's factor is written in its shortest exact
    /// form, so the spelling reads back to the same policy.
    public var spelling: String {
        switch self {
        case .increaseBatch: return "increase_batch"
        case .decayLearningRate: return "decay_lr"
        case .hybrid(let k): return "hybrid(\(k))"
        case .adabatch(let r): return "adabatch(\(r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : "\(r)"))"
        }
    }

    /// The policy `spelling` names, or nil.
    public init?(spelling: String) {
        switch spelling {
        case "increase_batch": self = .increaseBatch
        case "decay_lr": self = .decayLearningRate
        default:
            guard spelling.hasSuffix(")"), let open = spelling.firstIndex(of: "(") else { return nil }
            let argument = String(spelling[spelling.index(after: open)..<spelling.index(before: spelling.endIndex)])
            switch spelling[..<open] {
            case "hybrid":
                guard let k = Int(argument) else { return nil }
                self = .hybrid(k: k)
            case "adabatch":
                guard let r = Double(argument), r.isFinite else { return nil }
                self = .adabatch(r: r)
            default: return nil
            }
        }
    }
}

extension Policy: CustomStringConvertible {
    public var description: String { spelling }
}

/// Codable as its spelling: `"policy": "hybrid(1)"`.
extension Policy: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let policy = Policy(spelling: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown policy '\(text)' (increase_batch, decay_lr, hybrid(K) or adabatch(R))")
        }
        self = policy
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(spelling)
    }
}
