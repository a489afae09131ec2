import Foundation
import SchedulePlanner

/// A JSON value written with its keys in the order given (Foundation's encoder sorts or shuffles
/// them), numbers in their shortest exact form, and non-finite numbers as `null` (JSON has no
/// NaN: a diverged loss is written as null).
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case int(Int)
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
        write(to: &out, indent: nil, inlineSmallObjects: false)
        return out
    }

    /// Two-space indentation, one member per line, arrays of scalars on one line, a final newline.
    /// With `inlineSmallObjects`, objects of at most two scalars (`{"line": 3, "character": 7}`)
    /// stay on one line too, and so do arrays of them (the diagnostics document).
    public func pretty(inlineSmallObjects: Bool = false) -> String {
        var out = ""
        write(to: &out, indent: 0, inlineSmallObjects: inlineSmallObjects)
        return out + "\n"
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func staysOnOneLine(inlineSmallObjects: Bool) -> Bool {
        switch self {
        case .array: return false
        case .object(let members): return inlineSmallObjects && members.count <= 2 && members.allSatisfy(\.1.isScalar)
        default: return true
        }
    }

    private func write(to out: inout String, indent: Int?, inlineSmallObjects: Bool) {
        switch self {
        case .string(let text): out += JSONScalar.quote(text)
        case .int(let value): out += String(value)
        case .number(let value): out += JSONScalar.number(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            if let indent, !values.allSatisfy({ $0.staysOnOneLine(inlineSmallObjects: inlineSmallObjects) }) {
                let inner = String(repeating: "  ", count: indent + 1)
                out += "[\n"
                for (i, value) in values.enumerated() {
                    out += inner
                    value.write(to: &out, indent: indent + 1, inlineSmallObjects: inlineSmallObjects)
                    out += i + 1 < values.count ? ",\n" : "\n"
                }
                out += String(repeating: "  ", count: indent) + "]"
            } else {
                out += "["
                for (i, value) in values.enumerated() {
                    if i > 0 { out += ", " }
                    value.write(to: &out, indent: nil, inlineSmallObjects: inlineSmallObjects)
                }
                out += "]"
            }
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            if let indent, !staysOnOneLine(inlineSmallObjects: inlineSmallObjects) {
                let inner = String(repeating: "  ", count: indent + 1)
                out += "{\n"
                for (i, (key, value)) in members.enumerated() {
                    out += inner + JSONScalar.quote(key) + ": "
                    value.write(to: &out, indent: indent + 1, inlineSmallObjects: inlineSmallObjects)
                    out += i + 1 < members.count ? ",\n" : "\n"
                }
                out += String(repeating: "  ", count: indent) + "}"
            } else {
                out += "{"
                for (i, (key, value)) in members.enumerated() {
                    if i > 0 { out += ", " }
                    out += JSONScalar.quote(key) + ": "
                    value.write(to: &out, indent: nil, inlineSmallObjects: inlineSmallObjects)
                }
                out += "}"
            }
        }
    }
}

/// A parsed JSON value. Decoded with `JSONDecoder`, which reads numbers exactly (Foundation's
/// JSONSerialization on Linux rounds 0.28436888856474296 to 0.2843688885647429).
enum ParsedJSON: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ParsedJSON])
    case object([String: ParsedJSON])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ParsedJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ParsedJSON].self))
        }
    }
}

/// Reading the run's JSON files back: a parsed object with typed accessors that say which key
/// is wrong instead of crashing.
struct JSONObject {
    let members: [String: ParsedJSON]
    /// For messages: "runs/x/run.json".
    let origin: String

    init(members: [String: ParsedJSON], origin: String) {
        self.members = members
        self.origin = origin
    }

    init(data: Data, origin: String) throws {
        let parsed: ParsedJSON
        do {
            parsed = try JSONDecoder().decode(ParsedJSON.self, from: data)
        } catch {
            throw RunError(.io, "\(origin): not valid JSON")
        }
        guard case .object(let members) = parsed else { throw RunError(.io, "\(origin): expected a JSON object") }
        self.init(members: members, origin: origin)
    }

    func has(_ key: String) -> Bool {
        guard let value = members[key] else { return false }
        if case .null = value { return false }
        return true
    }

    func string(_ key: String) throws -> String {
        guard case .string(let value)? = members[key] else { throw missing(key, "a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        return try string(key)
    }

    func int(_ key: String) throws -> Int {
        guard case .number(let number)? = members[key], let value = Int(exactly: number) else { throw missing(key, "a whole number") }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        return try int(key)
    }

    /// A number, or NaN for null (how non-finite values are written).
    func double(_ key: String) throws -> Double {
        switch members[key] {
        case .null?: return .nan
        case .number(let value)?: return value
        default: throw missing(key, "a number")
        }
    }

    func array(_ key: String) throws -> [ParsedJSON] {
        guard case .array(let value)? = members[key] else { throw missing(key, "an array") }
        return value
    }

    func objects(_ key: String) throws -> [JSONObject] {
        try array(key).map { element in
            guard case .object(let members) = element else { throw RunError(.io, "\(origin): '\(key)' must hold objects") }
            return JSONObject(members: members, origin: origin)
        }
    }

    func strings(_ key: String) throws -> [String] {
        try array(key).map { element in
            guard case .string(let text) = element else { throw RunError(.io, "\(origin): '\(key)' must hold strings") }
            return text
        }
    }

    private func missing(_ key: String, _ what: String) -> RunError {
        RunError(.io, members[key] == nil ? "\(origin): the key '\(key)' is missing" : "\(origin): '\(key)' must be \(what)")
    }
}
