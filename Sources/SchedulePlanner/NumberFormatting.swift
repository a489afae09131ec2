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
    return shortest.formattedG(precision: 6) ?? printfFormat("%.6g", value)
}

/// `value` kept to 12 significant digits: 0.4·0.4 is 0.16, not 0.16000000000000003, and
/// 0.2·10000/(100·(1 − 0.9)) is 200. Far below any effect on training (relative 5e-13), and
/// plans read as the decimals their schedules were written in.
func decimalClean(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    // A value whose shortest decimal has at most 12 digits is that decimal already.
    let shortest = ShortestDecimal(value)
    if shortest.significantDigits <= 12 { return value }
    return Double(shortest.formattedG(precision: 12) ?? printfFormat("%.12g", value)) ?? value
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
    let value: Double
    /// "0.032", "-1.5", "1e-05"; a trailing ".0" removed.
    let text: String
    let significantDigits: Int
    let hasExponent: Bool

    init(_ value: Double) {
        self.value = value
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

extension ShortestDecimal {
    /// What printf's `%.<precision>g` prints for the value, from its shortest decimal instead of
    /// through C varargs (which cost more than the rest of planning a long schedule); nil for
    /// the one case the shortest decimal cannot decide, a last digit 5 just past `precision`.
    ///
    /// Why the digits agree with printf's rounding of the exact binary value: the shortest
    /// decimal is also the closest to it among the decimals that short, so no rounding midpoint
    /// (a decimal of `precision + 1` digits ending in 5) lies between the two unless the shortest
    /// decimal is that midpoint, the tie left to printf.
    func formattedG(precision: Int) -> String? {
        precondition(precision >= 1 && precision <= 15, "a precision the shortest decimal decides")
        // A subnormal's few bits leave its shortest decimal far from the exact value printf rounds.
        guard value.isNormal else { return nil }
        // Sign, significant digits (no leading zeros) and the exponent of the first digit.
        var negative = false
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var pointSeen = false
        var exponent: Int // of the first significant digit
        var integerDigits = 0
        var leadingFractionZeros = 0
        var explicitExponent = 0
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): pointSeen = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits.isEmpty && byte == UInt8(ascii: "0") {
                    if pointSeen { leadingFractionZeros += 1 }
                    continue
                }
                if !pointSeen { integerDigits += 1 }
                digits.append(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var sign = 1, magnitude = 0
                while let next = bytes.next() {
                    if next == UInt8(ascii: "-") { sign = -1 } else if next != UInt8(ascii: "+") { magnitude = magnitude * 10 + Int(next - UInt8(ascii: "0")) }
                }
                explicitExponent = sign * magnitude
            default: return nil // "nan", "inf": not what this is for
            }
        }
        guard !digits.isEmpty else { return nil } // zero
        exponent = (integerDigits > 0 ? integerDigits - 1 : -(leadingFractionZeros + 1)) + explicitExponent
        while digits.count > 1, digits.last == 0 { digits.removeLast() }
        if digits.count > precision {
            let next = digits[precision]
            if next == 5, digits.count == precision + 1 { return nil }
            digits.removeLast(digits.count - precision)
            if next >= 5 {
                var index = precision - 1
                while index >= 0, digits[index] == 9 {
                    digits[index] = 0
                    index -= 1
                }
                if index >= 0 {
                    digits[index] += 1
                } else {
                    digits.insert(1, at: 0)
                    digits.removeLast()
                    exponent += 1
                }
            }
            while digits.count > 1, digits.last == 0 { digits.removeLast() }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 10)
        if negative { out.append(UInt8(ascii: "-")) }
        func digit(_ d: UInt8) -> UInt8 { d + UInt8(ascii: "0") }
        if exponent < -4 || exponent >= precision {
            out.append(digit(digits[0]))
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                for d in digits.dropFirst() { out.append(digit(d)) }
            }
            out.append(UInt8(ascii: "e"))
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = abs(exponent)
            if magnitude < 10 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: String(magnitude).utf8)
        } else if exponent < 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            for _ in 0..<(-exponent - 1) { out.append(UInt8(ascii: "0")) }
            for d in digits { out.append(digit(d)) }
        } else {
            for index in 0...exponent { out.append(index < digits.count ? digit(digits[index]) : UInt8(ascii: "0")) }
            if digits.count > exponent + 1 {
                out.append(UInt8(ascii: "."))
                for d in digits[(exponent + 1)...] { out.append(digit(d)) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
