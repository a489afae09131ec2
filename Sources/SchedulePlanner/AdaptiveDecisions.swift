/// What the runtime measured at one check of an adaptive run: the gradient-noise estimates of
/// one update (`GradientNoiseSample` in Training, McCandlish et al. 2018, appendix A) and where
/// that update was.
public struct AdaptiveMeasurement: Hashable, Sendable, Codable {
    /// The measured update (0-based); a growth it triggers applies from `update + 1`.
    public var update: Int
    /// Samples of the stream consumed once it ran (`e·N + o` of its end).
    public var samples: Int
    /// B: the batch of the phase it ran in.
    public var batch: Int
    /// The update's unbiased estimates of |G|² and tr Σ (either may be negative).
    public var gradientSquaredNorm: Double
    public var traceCovariance: Double

    public init(update: Int, samples: Int, batch: Int, gradientSquaredNorm: Double, traceCovariance: Double) {
        self.update = update
        self.samples = samples
        self.batch = batch
        self.gradientSquaredNorm = gradientSquaredNorm
        self.traceCovariance = traceCovariance
    }
}

/// What one check decided.
public enum AdaptiveDecision: Hashable, Sendable {
    /// The smoothed |G|² is not positive, so B_simple is undefined: not a positive check.
    case undefined
    /// B_simple ≤ k·B: the run of positive checks starts again.
    case below
    /// B_simple > k·B, `inARow` times in a row, not yet `checks`.
    case positive(inARow: Int)
    /// Enough positive checks, but the last growth was less than `gap` ago.
    case waiting(inARow: Int)
    /// Enough positive checks, but B is already at `up_to` (or a growth would not change it).
    case atLimit(inARow: Int)
    /// The batch grows.
    case grow(AdaptiveGrowth)

    /// The word adaptive.jsonl and metrics.jsonl write: undefined, below, positive, waiting, at_limit, grow.
    public var name: String {
        switch self {
        case .undefined: return "undefined"
        case .below: return "below"
        case .positive: return "positive"
        case .waiting: return "waiting"
        case .atLimit: return "at_limit"
        case .grow: return "grow"
        }
    }
}

/// One check: the measurement, the smoothed estimates after it, B_simple and the decision.
public struct AdaptiveCheck: Hashable, Sendable {
    public var measurement: AdaptiveMeasurement
    /// EMA(|G|²) and EMA(tr Σ) after this measurement (bias-corrected, like Adam's moments).
    public var smoothedGradientSquaredNorm: Double
    public var smoothedTraceCovariance: Double
    /// EMA(tr Σ) / EMA(|G|²); nil when the smoothed |G|² is not positive.
    public var noiseScale: Double?
    public var decision: AdaptiveDecision
}

/// `adapt batch(...)` as a state machine, pure: the EMAs of |G|² and tr Σ, the positive checks in
/// a row and the last growth, and `check(_:)` that turns a measurement into a decision. The
/// decisions are a function of the measurements alone, so replaying a recorded trace
/// (adaptive.jsonl) through a fresh rule gives the same decisions and the same state — which is
/// how a resumed run gets its state back.
///
/// - Check times: with `every: n steps`, after update u when (u + 1) is a multiple of n; with
///   `every: x epochs`, at the first update boundary at or after each multiple of x·N samples
///   (`isDue`). A check needs an update of two passes or more; when the update at a check time
///   has one pass (an epoch's short last batch), the check waits for the next update that has.
/// - Positive: B_simple > k·B. After `checks` positive checks in a row the batch grows to
///   B·grow capped at `up_to`, rounded down to whole ghost batches (`AdaptiveBatch.grownBatch`,
///   the planner's rule too), from the next update — unless the last growth is less than `gap` before that update (then it waits,
///   still counting), or the batch cannot grow. A growth starts the count again.
public struct AdaptiveBatchRule: Hashable, Sendable, Codable {
    public let rule: AdaptiveBatch
    /// N, to convert epoch spans to samples.
    public let datasetSize: Int
    /// Growths are rounded down to a multiple of it (nil: any whole batch).
    public let ghostBatch: Int?

    /// The exponential moving averages, not yet bias-corrected, and their total weight 1 − sⁿ.
    public private(set) var gradientAverage = 0.0
    public private(set) var traceAverage = 0.0
    public private(set) var averageWeight = 0.0
    public private(set) var positivesInARow = 0
    /// Check times passed so far (the next is number `checksPassed + 1`).
    public private(set) var checksPassed = 0
    /// The growths decided so far, in order.
    public private(set) var growths: [AdaptiveGrowth] = []
    /// The stream position (samples) where the last growth took effect.
    public private(set) var lastGrowthSample: Int?

    public init(rule: AdaptiveBatch, datasetSize: Int, ghostBatch: Int?) {
        self.rule = rule
        self.datasetSize = datasetSize
        self.ghostBatch = ghostBatch
    }

    /// The rule of `plan` (nil for a fixed plan).
    public init?(plan: Plan) {
        guard let rule = plan.adaptive else { return nil }
        self.init(rule: rule, datasetSize: plan.datasetSize, ghostBatch: plan.ghostBatch)
    }

    /// Whether the boundary after an update that ends with `updates` updates and `samples` samples
    /// done is at or past the next check time (the runner then measures that update). The k-th
    /// check time of `every: x epochs` is placed as event times are (`Timeline.samplePosition`),
    /// so at every boundary this agrees with `AdaptiveBatch.isCheck`, by which `schedc plan`'s
    /// bounds place the checks (tested).
    public func isDue(updates: Int, samples: Int) -> Bool {
        let next = checksPassed + 1
        switch rule.interval {
        case .updates(let n): return updates >= next * n
        case .epochs(let x):
            return samples >= Timeline.samplePosition(ofEpoch: Double(next) * x, datasetSize: datasetSize, cap: Int.max / 4)
        }
    }

    /// Takes one measurement (of an update at a due check) and decides.
    public mutating func check(_ measurement: AdaptiveMeasurement) -> AdaptiveCheck {
        let s = rule.smoothing
        gradientAverage = s * gradientAverage + (1 - s) * measurement.gradientSquaredNorm
        traceAverage = s * traceAverage + (1 - s) * measurement.traceCovariance
        averageWeight = s * averageWeight + (1 - s)
        while isDue(updates: measurement.update + 1, samples: measurement.samples) { checksPassed += 1 }
        let gradient = gradientAverage / averageWeight, trace = traceAverage / averageWeight
        let noiseScale = gradientAverage > 0 ? traceAverage / gradientAverage : nil
        let decision: AdaptiveDecision
        if let noiseScale, noiseScale > rule.above * Double(measurement.batch) {
            positivesInARow += 1
            decision = decide(measurement, noiseScale: noiseScale)
        } else {
            positivesInARow = 0
            decision = noiseScale == nil ? .undefined : .below
        }
        return AdaptiveCheck(measurement: measurement, smoothedGradientSquaredNorm: gradient, smoothedTraceCovariance: trace,
                             noiseScale: noiseScale, decision: decision)
    }

    private mutating func decide(_ measurement: AdaptiveMeasurement, noiseScale: Double) -> AdaptiveDecision {
        guard positivesInARow >= rule.checks else { return .positive(inARow: positivesInARow) }
        guard let target = rule.grownBatch(from: measurement.batch, ghostBatch: ghostBatch) else {
            return .atLimit(inARow: positivesInARow)
        }
        if let last = growths.last, let lastSample = lastGrowthSample,
           !rule.gapHasPassed(sinceGrowthAt: last.update, sample: lastSample, toUpdate: measurement.update + 1,
                              sample: measurement.samples, datasetSize: datasetSize) {
            return .waiting(inARow: positivesInARow)
        }
        let growth = AdaptiveGrowth(update: measurement.update + 1, batch: target, noiseScale: noiseScale)
        growths.append(growth)
        lastGrowthSample = measurement.samples
        positivesInARow = 0
        return .grow(growth)
    }
}
