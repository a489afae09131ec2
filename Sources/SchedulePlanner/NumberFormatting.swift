import Foundation

/// A number for people: at most 6 significant digits, no trailing zeros, no exponent for the
/// magnitudes schedules use (0.0001 ... 1e6). `formatNumber(0.032) == "0.032"`,
/// `formatNumber(60) == "60"`, `formatNumber(390.625) == "390.625"`.
public func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    // The common case, a decimal of at most 6 digits between 1e-4 and 1e6 (0.032, 1.00001): %.6g
    // prints exactly the shortest decimal that reads back as the value, Swift's description.
    let shortest = ShortestDecimal(value)
    if !shortest.hasExponent, shortest.significantDigits <= 6, abs(value) >= 1e-4, abs(value) < 1e6 { return shortest.text }
    return printfFormat("%.6g", value)
}

/// `value` kept to 12 significant digits: 0.4·0.4 is 0.16, not 0.16000000000000003, and
/// 0.2·10000/(100·(1 − 0.9)) is 200. Far below any effect on training (relative 5e-13), and
/// plans read as the decimals their schedules were written in.
func decimalClean(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    // A value whose shortest decimal has at most 12 digits is that decimal already.
    if ShortestDecimal(value).significantDigits <= 12 { return value }
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

/// Swift's description of a Double (the shortest decimal that reads back as it), and how many
/// significant digits it has. Rounding a double to `p` ≤ 15 significant digits gives that
/// decimal whenever it has at most `p` digits: the double is within half an ulp of it, far
/// closer than any other `p`-digit decimal.
struct ShortestDecimal {
    /// "0.032", "-1.5", "1e-05"; a trailing ".0" removed.
    let text: String
    let significantDigits: Int
    let hasExponent: Bool

    init(_ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        var digits = 0, leading = true, exponent = false, fraction = false
        var trailingZeros = 0
        for character in text.utf8 {
            if character == UInt8(ascii: ".") { fraction = true }
            if character == UInt8(ascii: "e") || character == UInt8(ascii: "E") {
                exponent = true
                break
            }
            guard character >= UInt8(ascii: "0"), character <= UInt8(ascii: "9") else { continue }
            if leading, character == UInt8(ascii: "0") { continue }
            leading = false
            digits += 1
            trailingZeros = character == UInt8(ascii: "0") ? trailingZeros + 1 : 0
        }
        // Zeros ending an integer part ("1500") are not significant for %g either.
        self.text = text
        significantDigits = fraction || exponent ? digits : digits - trailingZeros
        hasExponent = exponent
    }
}
