import Foundation
import JSONSupport

/// A JSON Schema (draft 2020-12) validator for the subset of keywords schedc's schemas use:
/// `type`, `properties`, `required`, `additionalProperties` (false), `enum`, `const`, `items`,
/// `minimum` and `oneOf` (exactly one branch matches); `$schema`, `title` and `description`
/// are annotations. Any other keyword is reported as an error rather than ignored, so a schema
/// cannot say more than this validator checks.
public struct SchemaValidator {
    let schema: ParsedJSON

    public init(schemaText: String) throws {
        schema = try JSONDecoder().decode(ParsedJSON.self, from: Data(schemaText.utf8))
    }

    /// Every way `text` breaks the schema, as "path: problem" lines; empty when it is valid.
    public func errors(in text: String) throws -> [String] {
        let instance = try JSONDecoder().decode(ParsedJSON.self, from: Data(text.utf8))
        var errors: [String] = []
        check(instance, against: schema, at: "$", errors: &errors)
        return errors
    }

    static let annotations: Set<String> = ["$schema", "title", "description"]
    static let keywords: Set<String> = ["type", "properties", "required", "additionalProperties", "enum", "const", "items",
                                        "minimum", "oneOf"]

    private func check(_ value: ParsedJSON, against schema: ParsedJSON, at path: String, errors: inout [String]) {
        guard case .object(let keywords) = schema else { return errors.append("\(path): the schema is not an object") }
        for key in keywords.keys.sorted() where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            errors.append("\(path): unsupported schema keyword '\(key)'")
        }
        if case .string(let type)? = keywords["type"], !Self.value(value, is: type) {
            errors.append("\(path): expected \(type), got \(Self.describe(value))")
            return
        }
        if let constant = keywords["const"], !Self.equal(value, constant) {
            errors.append("\(path): expected the constant \(Self.describe(constant)), got \(Self.describe(value))")
        }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(where: { Self.equal(value, $0) }) {
            errors.append("\(path): \(Self.describe(value)) is not one of \(allowed.map(Self.describe).joined(separator: ", "))")
        }
        if case .number(let minimum)? = keywords["minimum"], case .number(let number) = value, number < minimum {
            errors.append("\(path): \(number) is less than the minimum \(minimum)")
        }
        if case .object(let members) = value {
            let properties: [String: ParsedJSON]
            if case .object(let declared)? = keywords["properties"] { properties = declared } else { properties = [:] }
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where members[name] == nil {
                    errors.append("\(path): the required key '\(name)' is missing")
                }
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[name] {
                    check(member, against: propertySchema, at: "\(path).\(name)", errors: &errors)
                } else if case .bool(false)? = keywords["additionalProperties"] {
                    errors.append("\(path): the key '\(name)' is not allowed")
                }
            }
        }
        if case .array(let elements) = value, let itemSchema = keywords["items"] {
            for (index, element) in elements.enumerated() {
                check(element, against: itemSchema, at: "\(path)[\(index)]", errors: &errors)
            }
        }
        if case .array(let branches)? = keywords["oneOf"] {
            let matching = branches.filter { branch in
                var branchErrors: [String] = []
                check(value, against: branch, at: path, errors: &branchErrors)
                return branchErrors.isEmpty
            }.count
            if matching != 1 { errors.append("\(path): \(matching) of the oneOf branches match, not exactly one") }
        }
    }

    static func value(_ value: ParsedJSON, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number):
            return true
        case ("integer", .number(let number)): return number == number.rounded() && number.isFinite
        default: return false
        }
    }

    static func equal(_ a: ParsedJSON, _ b: ParsedJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return false
        }
    }

    static func describe(_ value: ParsedJSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return JSONScalar.number(number)
        case .string(let text): return JSONScalar.quote(text)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
