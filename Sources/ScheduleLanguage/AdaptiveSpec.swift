/// `adapt batch(every: 50 steps, smoothing: 0.9, above: 2, checks: 3, grow: 2, up_to: 4096,
/// gap: 1 epoch, keep: lr)`, checked, with every default filled in: the batch grows by `grow`
/// when the measured simple noise scale B_simple = tr(Σ)/|G|² (McCandlish et al. 2018) stays
/// above `above` × B for `checks` checks in a row. The planner turns it into its plan's rule
/// (`AdaptiveBatch`); the language only knows its syntax, values and ranges.
public struct AdaptiveSpec: Hashable, Sendable {
    /// A length of the run: `50 steps` (updates, whole) or `1.5 epochs`.
    public enum Span: Hashable, Sendable {
        case steps(Int)
        case epochs(Double)
    }

    /// `keep:` what a growth keeps. `lr`: ε stays, so the noise scale falls by the growth
    /// factor; `noise`: ε grows with B (the linear scaling rule), so the noise scale stays.
    public enum Keep: String, CaseIterable, Hashable, Sendable {
        case lr, noise
    }

    /// The labelled arguments `adapt batch(...)` takes, in the order the docs list them.
    public enum Argument: String, CaseIterable, Hashable, Sendable {
        case every, smoothing, above, checks, grow
        case upTo = "up_to"
        case gap, keep

        /// Whether the argument is a span (a number and a unit).
        public var isSpan: Bool { self == .every || self == .gap }

        /// What it means, for hover and completion.
        public var summary: String {
            switch self {
            case .every: return "how often B_simple is measured: '50 steps' or '0.5 epochs' (required)"
            case .smoothing: return "weight of the past in the moving averages of |G|² and tr(Σ), 0 ≤ s < 1 (default 0.9)"
            case .above: return "k: a check is positive when B_simple > k × B (default 2)"
            case .checks: return "positive checks in a row that grow the batch (default 3)"
            case .grow: return "the factor B grows by, > 1, rounded down to whole ghost batches (default 2)"
            case .upTo: return "the largest batch a growth may reach, batch ≤ up_to ≤ max_batch (default max_batch)"
            case .gap: return "at least this long between two growths: '2 epochs' or '500 steps' (default none)"
            case .keep: return "'lr' keeps ε, so the noise falls (default); 'noise' grows ε with B"
            }
        }
    }

    /// `every:` how often B_simple is measured.
    public var every: Span
    /// `smoothing:` 0 ≤ s < 1.
    public var smoothing: Double
    /// `above:` k > 0.
    public var above: Double
    /// `checks:` ≥ 1.
    public var checks: Int
    /// `grow:` > 1.
    public var grow: Double
    /// `up_to:` batch ≤ up_to ≤ max_batch (max_batch when not written).
    public var upTo: Int
    /// `gap:` nil = no rate limit.
    public var gap: Span?
    public var keep: Keep
    /// The whole statement.
    public var range: SourceRange
    /// Where each written argument is (label to value), for diagnostics.
    public var argumentRanges: [Argument: SourceRange]

    public static let defaultSmoothing = 0.9
    public static let defaultAbove = 2.0
    public static let defaultChecks = 3
    public static let defaultGrow = 2.0

    public init(every: Span, smoothing: Double = AdaptiveSpec.defaultSmoothing, above: Double = AdaptiveSpec.defaultAbove,
                checks: Int = AdaptiveSpec.defaultChecks, grow: Double = AdaptiveSpec.defaultGrow, upTo: Int, gap: Span? = nil,
                keep: Keep = .lr, range: SourceRange = .at(0), argumentRanges: [Argument: SourceRange] = [:]) {
        self.every = every
        self.smoothing = smoothing
        self.above = above
        self.checks = checks
        self.grow = grow
        self.upTo = upTo
        self.gap = gap
        self.keep = keep
        self.range = range
        self.argumentRanges = argumentRanges
    }
}
