import Foundation

/// A number for people: at most 6 significant digits, no trailing zeros, no exponent for the
/// magnitudes schedules use (0.0001 ... 1e6). `formatNumber(0.032) == "0.032"`,
/// `formatNumber(60) == "60"`, `formatNumber(390.625) == "390.625"`.
public func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return printfFormat("%.6g", value)
}

/// A ratio for notes: "5", "3.125", "1.00184".
func formatFactor(_ value: Double) -> String { formatNumber(value) }

/// `value` kept to 12 significant digits: 0.4·0.4 is 0.16, not 0.16000000000000003, and
/// 0.2·10000/(100·(1 − 0.9)) is 200. Far below any effect on training (relative 5e-13), and
/// plans read as the decimals their schedules were written in.
func decimalClean(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    return Double(printfFormat("%.12g", value)) ?? value
}

/// `String(format: format, value)` for one Double, through the C library's printf directly:
/// the same digits (Foundation formats floating point with it too), without the CFString
/// machinery that made number formatting most of the time of planning a long schedule.
func printfFormat(_ format: String, _ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let count = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
    guard count >= 0, count < buffer.count else { return String(format: format, value) }
    return String(cString: buffer)
}
