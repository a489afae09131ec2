/// The JSON spelling of strings and numbers, shared by every JSON writer in schedc (the plan,
/// the run directory's files, the diagnostics document), so they escape and round alike.
public enum JSONScalar {
    /// A quoted JSON string: `"` and `\` escaped, \n \r \t by name, other control characters
    /// (and DEL) as \u00XX; everything else, non-ASCII included, as it is.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The shortest form that reads back to the same Double; whole values without a fraction
    /// (`60`, not `60.0`); NaN and infinities as null (JSON has none).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
