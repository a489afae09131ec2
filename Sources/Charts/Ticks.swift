import Foundation

/// Axis domains and tick positions with "nice" numbers: 1, 2 or 5 times a power of ten on
/// linear axes, whole decades on log axes (with 2 and 5 in between when few decades show).
public enum Ticks {
    /// A step of 1, 2 or 5 × 10^k close to `span / count`.
    public static func niceStep(span: Double, count: Int) -> Double {
        precondition(span > 0 && count > 0)
        let raw = span / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        let factor: Double = residual <= 1.5 ? 1 : residual <= 3 ? 2 : residual <= 7 ? 5 : 10
        return factor * magnitude
    }

    /// The data range widened to whole steps, and the ticks on it (about `count` of them).
    public static func linear(_ low: Double, _ high: Double, count: Int = 5) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        var (low, high) = (min(low, high), max(low, high))
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        let step = niceStep(span: high - low, count: count)
        let first = (low / step).rounded(.down), last = (high / step).rounded(.up)
        let ticks = stride(from: first, through: last, by: 1).map { clean($0 * step, step: step) }
        return (ticks.first!...ticks.last!, ticks)
    }

    /// Ticks inside a fixed linear domain.
    public static func linear(inside domain: ClosedRange<Double>, count: Int = 5) -> [Double] {
        guard domain.upperBound > domain.lowerBound else { return [domain.lowerBound] }
        let step = niceStep(span: domain.upperBound - domain.lowerBound, count: count)
        let first = (domain.lowerBound / step - 1e-9).rounded(.up), last = (domain.upperBound / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { clean($0 * step, step: step) }
    }

    /// The positive data range widened to whole decades (at least one), and the ticks on it:
    /// every decade (every k-th when there are more than 8), plus 2 and 5 within each decade
    /// when the domain spans at most 2 decades.
    public static func log(_ low: Double, _ high: Double) -> (domain: ClosedRange<Double>, ticks: [Double]) {
        precondition(low > 0 && high > 0)
        let (low, high) = (min(low, high), max(low, high))
        var lowExponent = Int(log10(low).rounded(.down)), highExponent = Int(log10(high).rounded(.up))
        // log10 of an exact power of ten can land a hair off; trust the value.
        if pow(10, Double(lowExponent + 1)) <= low { lowExponent += 1 }
        if pow(10, Double(highExponent - 1)) >= high { highExponent -= 1 }
        if lowExponent == highExponent { highExponent += 1 }
        let domain = decade(lowExponent)...decade(highExponent)
        return (domain, log(inside: domain))
    }

    /// Ticks inside a fixed log domain.
    public static func log(inside domain: ClosedRange<Double>) -> [Double] {
        guard domain.lowerBound > 0 else { return [] }
        let lowExponent = Int(log10(domain.lowerBound).rounded(.down)), highExponent = Int(log10(domain.upperBound).rounded(.up))
        let decades = highExponent - lowExponent
        let every = max(1, Int((Double(decades) / 8).rounded(.up)))
        let multipliers: [Double] = decades <= 2 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        for exponent in lowExponent...highExponent where (exponent - lowExponent) % every == 0 {
            for m in multipliers {
                let value = m * decade(exponent)
                if value >= domain.lowerBound * (1 - 1e-12), value <= domain.upperBound * (1 + 1e-12) { ticks.append(value) }
            }
        }
        return ticks
    }

    /// A tick label: "0", "0.2", "5000", "1e-05", "1e+06".
    public static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-4, magnitude < 1e6 {
            var text = String(format: "%.10g", value)
            if text == "-0" { text = "0" }
            return text
        }
        return String(format: "%.0e", value).replacingOccurrences(of: "e+0", with: "e+").replacingOccurrences(of: "e-0", with: "e-")
    }

    private static func decade(_ exponent: Int) -> Double {
        // Exact for the decimal literal: 1e-3 is closer to 0.001 than pow(10, -3) may be.
        Double("1e\(exponent)")!
    }

    /// k·step without the binary noise (0.30000000000000004 → 0.3).
    private static func clean(_ value: Double, step: Double) -> Double {
        let digits = max(0, -Int(log10(step).rounded(.down)) + 1)
        let scale = pow(10, Double(digits))
        let cleaned = (value * scale).rounded() / scale
        return cleaned == 0 ? 0 : cleaned
    }
}
