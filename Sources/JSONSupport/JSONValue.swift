/// A JSON value written with its keys in the order given (Foundation's encoder sorts or shuffles
/// them), numbers in their shortest exact form, and non-finite numbers as `null` (JSON has no
/// NaN: a diverged loss is written as null).
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    /// A whole number beyond `Int`'s range (a 64-bit seed).
    case unsigned(UInt64)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.compact() == b.compact() }

    public static func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
    public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    public static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

    /// On one line, `{"a": 1, "b": [2, 3]}` (metrics.jsonl).
    public func compact() -> String {
        var out = ""
        write(to: &out, indent: nil, inlineLimit: 0)
        return out
    }

    /// Two-space indentation, one member per line, arrays of scalars on one line, a final newline.
    /// With `inlineSmallObjects`, objects of at most two scalars (`{"line": 3, "character": 7}`)
    /// stay on one line too, and so do arrays of them (the diagnostics document).
    public func pretty(inlineSmallObjects: Bool = false) -> String {
        pretty(inliningObjectsUpTo: inlineSmallObjects ? 2 : 0)
    }

    /// As `pretty()`, with objects of at most `members` scalars on one line, and arrays of them
    /// (the plan writes `{"batch": 128, "lr": 0.1, "momentum": 0.9}` so, with 3).
    public func pretty(inliningObjectsUpTo members: Int) -> String {
        var out = ""
        write(to: &out, indent: 0, inlineLimit: members)
        return out + "\n"
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func staysOnOneLine(inlineLimit: Int) -> Bool {
        switch self {
        case .array: return false
        case .object(let members): return inlineLimit > 0 && members.count <= inlineLimit && members.allSatisfy(\.1.isScalar)
        default: return true
        }
    }

    private func write(to out: inout String, indent: Int?, inlineLimit: Int) {
        switch self {
        case .string(let text): out += JSONScalar.quote(text)
        case .int(let value): out += String(value)
        case .unsigned(let value): out += String(value)
        case .number(let value): out += JSONScalar.number(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            if let indent, !values.allSatisfy({ $0.staysOnOneLine(inlineLimit: inlineLimit) }) {
                let inner = String(repeating: "  ", count: indent + 1)
                out += "[\n"
                for (i, value) in values.enumerated() {
                    out += inner
                    value.write(to: &out, indent: indent + 1, inlineLimit: inlineLimit)
                    out += i + 1 < values.count ? ",\n" : "\n"
                }
                out += String(repeating: "  ", count: indent) + "]"
            } else {
                out += "["
                for (i, value) in values.enumerated() {
                    if i > 0 { out += ", " }
                    value.write(to: &out, indent: nil, inlineLimit: inlineLimit)
                }
                out += "]"
            }
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            if let indent, !staysOnOneLine(inlineLimit: inlineLimit) {
                let inner = String(repeating: "  ", count: indent + 1)
                out += "{\n"
                for (i, (key, value)) in members.enumerated() {
                    out += inner + JSONScalar.quote(key) + ": "
                    value.write(to: &out, indent: indent + 1, inlineLimit: inlineLimit)
                    out += i + 1 < members.count ? ",\n" : "\n"
                }
                out += String(repeating: "  ", count: indent) + "}"
            } else {
                out += "{"
                for (i, (key, value)) in members.enumerated() {
                    if i > 0 { out += ", " }
                    out += JSONScalar.quote(key) + ": "
                    value.write(to: &out, indent: nil, inlineLimit: inlineLimit)
                }
                out += "}"
            }
        }
    }
}
