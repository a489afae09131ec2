import Foundation

/// Number literals: their values, and their canonical spelling (what `schedc fmt` writes).
public enum NumberLiteral {
    /// Value of a well-formed NUMBER literal (no sign): the value as a Double, the exact
    /// integer for integer literals (nil when it does not fit an Int), and whether the literal
    /// is written as an integer (`128`, `50k`) rather than as a decimal or with an exponent.
    public static func evaluate(_ literal: String) -> (value: Double, integer: Int?, isInteger: Bool) {
        if let last = literal.last, last == "k" || last == "K" {
            let digits = String(literal.dropLast())
            let value = (Double(digits) ?? .nan) * 1000
            guard let base = Int(digits) else { return (value, nil, true) }
            let (product, overflow) = base.multipliedReportingOverflow(by: 1000)
            return (value, overflow ? nil : product, true)
        }
        if literal.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return (Double(literal) ?? .nan, Int(literal), true)
        }
        let text = literal.hasPrefix(".") ? "0" + literal : literal
        return (Double(text) ?? .nan, nil, false)
    }

    /// The canonical spelling of a well-formed literal, with the same kind and value:
    /// integers lose leading zeros (`007` → `7`) and keep a lowercase `k` (`50K` → `50k`);
    /// decimals get a leading zero and lose trailing fractional zeros but keep one digit after
    /// the point (`.50` → `0.5`, `1.00` → `1.0`); exponents are lowercase without `+` or
    /// leading zeros (`5E+04` → `5e4`, `1.0e-04` → `1.0e-4`).
    public static func canonical(_ literal: String) -> String {
        var text = Substring(literal)
        var suffix = ""
        if let last = text.last, last == "k" || last == "K" {
            text = text.dropLast()
            suffix = "k"
        }
        var exponent: Substring?
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = text[text.index(after: e)...]
            text = text[..<e]
        }
        var integerPart = text
        var fraction: Substring?
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fraction = text[text.index(after: dot)...]
        }
        var result = stripLeadingZeros(integerPart)
        if var fraction {
            while fraction.count > 1, fraction.last == "0" { fraction = fraction.dropLast() }
            result += "." + fraction
        }
        if var exponent {
            var sign = ""
            if let first = exponent.first, first == "+" || first == "-" {
                if first == "-" { sign = "-" }
                exponent = exponent.dropFirst()
            }
            let digits = stripLeadingZeros(exponent)
            result += "e" + (digits == "0" ? "" : sign) + digits
        }
        return result + suffix
    }

    private static func stripLeadingZeros(_ digits: Substring) -> String {
        let stripped = digits.drop(while: { $0 == "0" })
        return stripped.isEmpty ? "0" : String(stripped)
    }

    /// A short human spelling of a value for messages: integers without a fraction, others
    /// in their shortest exact form when short (`0.1`, `3.125`), else 6 significant digits.
    public static func describe(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let shortest = "\(value)"
        if shortest.count <= 10 { return shortest }
        return String(format: "%.6g", value)
    }
}

/// Words for counts in messages.
public enum English {
    /// "1 epoch", "3 epochs" (`plural` when adding "s" is wrong).
    public static func count(_ n: Int, _ singular: String, plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}
