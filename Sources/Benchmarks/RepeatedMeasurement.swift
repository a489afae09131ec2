/// The median and range of one figure measured several times (`schedc bench gemm --repeat`).
/// On a shared machine a single measurement can be off by a fifth; alternating ours and the
/// references and reading the median of the same-minute ratios is what docs/performance.md
/// reports.
public struct RepeatedMeasurement: Equatable, Sendable {
    public var median: Double
    public var lowest: Double
    public var highest: Double

    /// nil for no values; the median of an even count is the mean of the middle two.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        lowest = sorted[0]
        highest = sorted[sorted.count - 1]
    }
}
