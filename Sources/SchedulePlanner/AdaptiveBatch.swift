import JSONSupport

/// `adapt batch(...)`: the batch grows at run time when the measured simple noise scale
/// B_simple = tr(Σ) / |G|² (McCandlish et al. 2018) says the gradient is mostly noise. The plan
/// holds the rule; the runtime measures, decides (`AdaptiveBatchRule`) and asks the planner for
/// the plan with the growths so far (`Planner.plan(_:growths:)`); the plan it ends with, the
/// *realised plan*, has no rule left and runs on every engine like a fixed plan.
public struct AdaptiveBatch: Hashable, Sendable, Codable {
    /// A span of the run: a number of updates, or of epochs (counted in samples, N per epoch).
    public enum Span: Hashable, Sendable, Codable {
        case updates(Int)
        case epochs(Double)
    }

    /// What a growth keeps. `noise`: ε grows with B, so the noise scale g = εN / (B(1 − m)) stays
    /// put (the linear scaling rule); `lr`: ε stays, so the noise falls by the growth factor.
    public enum Keep: String, Hashable, Sendable, Codable, CaseIterable {
        case noise, lr
    }

    /// `every:` how often B_simple is measured (a check at the first update boundary at or after
    /// each multiple of the span).
    public var interval: Span
    /// `smoothing:` the weight of the past in the exponential moving averages of |G|² and tr(Σ),
    /// 0 ≤ s < 1 (0: no smoothing).
    public var smoothing: Double
    /// `above:` k; a check is positive when B_simple > k × B.
    public var above: Double
    /// `checks:` how many positive checks in a row trigger a growth.
    public var checks: Int
    /// `grow:` the factor B is multiplied by (> 1); the result is rounded down to a whole
    /// multiple of the ghost batch, and capped at `limit`.
    public var growth: Double
    /// `up_to:` the largest batch a growth may reach; `batch` ≤ limit ≤ max_batch.
    public var limit: Int
    /// `gap:` at least this between two growths; nil = no rate limit.
    public var gap: Span?
    /// `keep:` noise or lr.
    public var keep: Keep

    public init(interval: Span, smoothing: Double, above: Double, checks: Int, growth: Double, limit: Int, gap: Span?,
                keep: Keep) {
        self.interval = interval
        self.smoothing = smoothing
        self.above = above
        self.checks = checks
        self.growth = growth
        self.limit = limit
        self.gap = gap
        self.keep = keep
    }
}

/// One growth an adaptive run decided: from the start of update `update` the batch is `batch`.
/// The planner turns a list of them into the plan the run follows (`Planner.plan(_:growths:)`).
public struct AdaptiveGrowth: Hashable, Sendable, Codable {
    /// The first update that runs at the new batch size.
    public var update: Int
    /// The new batch size.
    public var batch: Int
    /// The smoothed B_simple that triggered it, for the change's text in the plan.
    public var noiseScale: Double

    public init(update: Int, batch: Int, noiseScale: Double) {
        self.update = update
        self.batch = batch
        self.noiseScale = noiseScale
    }
}

extension AdaptiveBatch.Span {
    enum CodingKeys: String, CodingKey { case updates, epochs }

    /// `{"updates": 50}` or `{"epochs": 0.5}`, the form `jsonValue` writes (the synthesised
    /// coding would nest the value as `{"updates": {"_0": 50}}`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch (try c.decodeIfPresent(Int.self, forKey: .updates), try c.decodeIfPresent(Double.self, forKey: .epochs)) {
        case (let updates?, nil): self = .updates(updates)
        case (nil, let epochs?): self = .epochs(epochs)
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a span is {\"updates\": N} or {\"epochs\": E}"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .updates(let count): try c.encode(count, forKey: .updates)
        case .epochs(let epochs): try c.encode(epochs, forKey: .epochs)
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .updates(let count): return .object([("updates", .int(count))])
        case .epochs(let epochs): return .object([("epochs", Plan.number(epochs))])
        }
    }
}

extension AdaptiveBatch {
    /// The plan JSON form (key `adaptive`, present only on a plan that still adapts).
    public var jsonValue: JSONValue {
        .object([
            ("every", interval.jsonValue),
            ("smoothing", Plan.number(smoothing)),
            ("above", Plan.number(above)),
            ("checks", .int(checks)),
            ("grow", Plan.number(growth)),
            ("up_to", .int(limit)),
            ("gap", gap?.jsonValue ?? .null),
            ("keep", .string(keep.rawValue)),
        ])
    }

    enum CodingKeys: String, CodingKey {
        case interval = "every", smoothing, above, checks, growth = "grow", limit = "up_to", gap, keep
    }
}
