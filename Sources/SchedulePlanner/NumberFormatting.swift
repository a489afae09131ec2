import Foundation

/// A number for people: at most 6 significant digits, no trailing zeros, no exponent for the
/// magnitudes schedules use (0.0001 ... 1e6). `formatNumber(0.032) == "0.032"`,
/// `formatNumber(60) == "60"`, `formatNumber(390.625) == "390.625"`.
public func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    if let rounded = RoundedDecimal(value, precision: 6) { return rounded.formattedG }
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
    // Equal to the shortest-decimal test below: a value whose shortest decimal has at most 12
    // digits is what %.12g prints, and reads back as itself.
    if let rounded = RoundedDecimal(value, precision: 12), let clean = rounded.value { return clean }
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
            let length = layOutG(negative: negative, count: count, exponent: exponent, precision: precision,
                                 digit: { digits[$0] + UInt8(ascii: "0") }, into: out)
            return String(decoding: UnsafeBufferPointer(rebasing: out[0..<length]), as: UTF8.self)
        }
    }
}

/// A double rounded to `precision` significant decimal digits the way printf's `%.<precision>g`
/// rounds it, computed in binary floating point without printing: the value is scaled by an
/// exact power of ten into [10^(precision−1), 10^precision), where one rounding error (at most
/// half an ulp, under 10^precision · 1.2e-16) cannot move it across a rounding midpoint unless it
/// lands within `margin` of one; those, subnormals and extreme exponents give nil, and the
/// callers take the slower paths above.
struct RoundedDecimal {
    let negative: Bool
    /// Exactly `precision` digits: 10^(precision−1) ≤ digits < 10^precision.
    let digits: Int64
    let precision: Int
    /// The decimal exponent of the first digit.
    let exponent: Int

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    init?(_ value: Double, precision: Int) {
        precondition(precision >= 1 && precision <= 15, "a precision a Double holds")
        let magnitude = abs(value)
        guard magnitude.isNormal else { return nil }
        let lower = RoundedDecimal.powersOfTen[precision - 1], upper = RoundedDecimal.powersOfTen[precision]
        let margin = upper * 1e-15
        var exponent = Int(log10(magnitude).rounded(.down))
        // log10 can be one off next to a power of ten: at most one correction each way.
        for _ in 0..<3 {
            let shift = precision - 1 - exponent
            guard abs(shift) <= 22 else { return nil }
            let scaled = shift >= 0 ? magnitude * RoundedDecimal.powersOfTen[shift] : magnitude / RoundedDecimal.powersOfTen[-shift]
            if scaled < lower {
                exponent -= 1
                continue
            }
            if scaled >= upper {
                exponent += 1
                continue
            }
            let fraction = scaled - scaled.rounded(.down)
            guard abs(fraction - 0.5) > margin else { return nil }
            var digits = Int64(scaled.rounded(.toNearestOrAwayFromZero))
            if Double(digits) >= upper {
                // 9.99…95 and up: one decade higher.
                digits = Int64(lower)
                exponent += 1
            }
            self.negative = value < 0
            self.digits = digits
            self.precision = precision
            self.exponent = exponent
            return
        }
        return nil
    }

    /// The decimal as a double, correctly rounded (what `Double(formattedG)` gives): the digits
    /// and the power of ten are both exact, so one multiplication or division rounds once.
    var value: Double? {
        let shift = exponent - (precision - 1)
        guard abs(shift) <= 22 else { return nil }
        let magnitude = shift >= 0 ? Double(digits) * RoundedDecimal.powersOfTen[shift] : Double(digits) / RoundedDecimal.powersOfTen[-shift]
        return negative ? -magnitude : magnitude
    }

    /// What `%.<precision>g` prints: trailing zeros dropped, an exponent (at least two digits)
    /// below 1e-4 and from 10^precision on.
    var formattedG: String {
        // In a stack buffer: at most 15 digits, 4 leading zeros, sign, point and "e+308".
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { buffer -> String in
            // The digits, most significant first, trailing zeros dropped.
            var significant = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                               UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
            var count = precision
            var rest = digits
            while count > 1, rest % 10 == 0 {
                rest /= 10
                count -= 1
            }
            withUnsafeMutableBytes(of: &significant) { bytes in
                for index in stride(from: count - 1, through: 0, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            return withUnsafeBytes(of: significant) { significant -> String in
                let out = UnsafeMutableBufferPointer(rebasing: buffer[0..<48])
                let length = layOutG(negative: negative, count: count, exponent: exponent, precision: precision,
                                     digit: { significant[$0] }, into: out)
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<length]), as: UTF8.self)
            }
        }
    }
}

/// Writes `count` significant digits (`digit(i)`: ASCII, most significant first, the first at
/// decimal exponent `exponent`) as `%.<precision>g` lays them out — an exponent of at least two
/// digits below 1e-4 and from 10^precision on, else plain — and returns the length written.
@inline(__always)
private func layOutG(negative: Bool, count: Int, exponent: Int, precision: Int, digit: (Int) -> UInt8,
                     into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
    var length = 0
    func put(_ byte: UInt8) {
        out[length] = byte
        length += 1
    }
    func putDigit(_ index: Int) { put(index < count ? digit(index) : UInt8(ascii: "0")) }
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
    return length
}
