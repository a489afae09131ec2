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
        // Compared as bytes: String.hasSuffix compares characters, slow for thousands of numbers.
        let utf8 = text.utf8
        if utf8.count >= 2, utf8.last == UInt8(ascii: "0"), utf8[utf8.index(utf8.endIndex, offsetBy: -2)] == UInt8(ascii: ".") {
            text = String(decoding: utf8.dropLast(2), as: UTF8.self)
        }
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
        // Stack buffers (this runs for thousands of numbers per keystroke): up to 17 digits, and
        // at most 22 bytes of output ("-0.0000" and 15 digits, or "-d.dddddddddddddde+308").
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer -> String? in
            let digits = UnsafeMutableBufferPointer(rebasing: buffer[0..<32])
            let out = UnsafeMutableBufferPointer(rebasing: buffer[32..<64])
            var count = 0 // significant digits, no leading zeros
            var negative = false, pointSeen = false
            var integerDigits = 0, leadingFractionZeros = 0, explicitExponent = 0
            var bytes = text.utf8.makeIterator()
            while let byte = bytes.next() {
                switch byte {
                case UInt8(ascii: "-"): negative = true
                case UInt8(ascii: "."): pointSeen = true
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if count == 0 && byte == UInt8(ascii: "0") {
                        if pointSeen { leadingFractionZeros += 1 }
                        continue
                    }
                    guard count < digits.count else { return nil }
                    if !pointSeen { integerDigits += 1 }
                    digits[count] = byte - UInt8(ascii: "0")
                    count += 1
                case UInt8(ascii: "e"), UInt8(ascii: "E"):
                    var sign = 1, magnitude = 0
                    while let next = bytes.next() {
                        if next == UInt8(ascii: "-") { sign = -1 } else if next != UInt8(ascii: "+") { magnitude = magnitude * 10 + Int(next - UInt8(ascii: "0")) }
                    }
                    explicitExponent = sign * magnitude
                default: return nil // "nan", "inf": not what this is for
                }
            }
            guard count > 0 else { return nil } // zero
            // The exponent of the first significant digit.
            var exponent = (integerDigits > 0 ? integerDigits - 1 : -(leadingFractionZeros + 1)) + explicitExponent
            while count > 1, digits[count - 1] == 0 { count -= 1 }
            if count > precision {
                let next = digits[precision]
                if next == 5, count == precision + 1 { return nil }
                count = precision
                if next >= 5 {
                    var index = precision - 1
                    while index >= 0, digits[index] == 9 {
                        digits[index] = 0
                        index -= 1
                    }
                    if index >= 0 {
                        digits[index] += 1
                    } else {
                        // 9.99…9 rounded up: 1 followed by zeros, one decade higher.
                        digits[0] = 1
                        exponent += 1
                    }
                }
                while count > 1, digits[count - 1] == 0 { count -= 1 }
            }
            var length = 0
            func put(_ byte: UInt8) {
                out[length] = byte
                length += 1
            }
            func putDigit(_ index: Int) { put(index < count ? digits[index] + UInt8(ascii: "0") : UInt8(ascii: "0")) }
            if negative { put(UInt8(ascii: "-")) }
            if exponent < -4 || exponent >= precision {
                putDigit(0)
                if count > 1 {
                    put(UInt8(ascii: "."))
                    for index in 1..<count { putDigit(index) }
                }
                put(UInt8(ascii: "e"))
                put(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                let magnitude = abs(exponent)
                if magnitude >= 100 { put(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
                put(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
                put(UInt8(ascii: "0") + UInt8(magnitude % 10))
            } else if exponent < 0 {
                put(UInt8(ascii: "0"))
                put(UInt8(ascii: "."))
                for _ in 0..<(-exponent - 1) { put(UInt8(ascii: "0")) }
                for index in 0..<count { putDigit(index) }
            } else {
                for index in 0...exponent { putDigit(index) }
                if count > exponent + 1 {
                    put(UInt8(ascii: "."))
                    for index in (exponent + 1)..<count { putDigit(index) }
                }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[0..<length]), as: UTF8.self)
        }
    }
}
