import Foundation
import JSONSupport

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
