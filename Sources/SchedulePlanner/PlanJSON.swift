import Foundation
import JSONSupport

/// The JSON form of a plan (`schedc plan FILE --format json`, docs/plan-json.md, the schema in
/// docs/plan.schema.json): one object, keys in a fixed documented order, `format` and `version`
/// first, numbers in their shortest exact form, so a plan read back equals the one written.
/// Written through `JSONValue` rather than `JSONEncoder`, whose key order is not stable.
extension Plan {
    public func jsonText() -> String {
        // Objects of up to three scalars stay on one line: a state, a changed quantity, the warm-up.
        jsonValue.pretty(inliningObjectsUpTo: 3)
    }

    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [
            ("format", .string(Plan.format)),
            ("version", .int(Plan.version)),
            ("schedule", .string(schedule)),
            ("dataset", .optional(dataset)),
            ("dataset_size", .int(datasetSize)),
            ("subset", .optional(subset)),
            ("model", model.map(\.jsonValue) ?? .null),
            ("optimizer", optimizer.jsonValue),
            ("seed", .unsigned(seed)),
            ("epochs", .int(epochs)),
            ("policy", .string(policy.spelling)),
            ("max_batch", .int(maxBatch)),
            ("micro_batch", .optional(microBatch)),
            ("ghost_batch", .optional(ghostBatch)),
            ("warmup", warmup.map { .object([("length", Plan.number($0.length)), ("unit", .string($0.unit.rawValue)),
                                             ("updates", .int($0.updates))]) } ?? .null),
            ("total_updates", .int(totalUpdates)),
            ("phases", .array(phases.map(\.jsonValue))),
            ("changes", .array(changes.map(\.jsonValue))),
        ]
        // Only a plan that still adapts has the key, so fixed plans read as before.
        if let adaptive { members.append(("adaptive", adaptive.jsonValue)) }
        return .object(members)
    }

    /// A plan number; a plan never holds a non-finite one (`validate()`), and the JSON form
    /// would turn it into null.
    static func number(_ value: Double) -> JSONValue {
        precondition(value.isFinite, "plans hold finite numbers only")
        return .number(value)
    }

    /// Reads a plan file (`schedc plan --format json`): a JSON object whose `format` is
    /// "schedc-plan" and whose `version` this schedc knows, then every key, then `validate()`.
    public init(jsonText text: String) throws {
        let data = Data(text.utf8)
        let parsed: ParsedJSON
        do {
            parsed = try JSONDecoder().decode(ParsedJSON.self, from: data)
        } catch {
            throw PlanReadError.notJSON
        }
        guard case .object(let members) = parsed else { throw PlanReadError.notAPlan("the file holds no JSON object") }
        guard case .string(Plan.format)? = members["format"] else {
            throw PlanReadError.notAPlan("its \"format\" is not \"\(Plan.format)\"")
        }
        guard case .number(let version)? = members["version"], let whole = Int(exactly: version) else {
            throw PlanReadError.notAPlan("its \"version\" is not a whole number")
        }
        guard whole == Plan.version else { throw PlanReadError.unknownVersion(whole) }
        do {
            self = try JSONDecoder().decode(Plan.self, from: data)
        } catch let error as DecodingError {
            throw PlanReadError.invalid(PlanReadError.describe(error))
        }
    }
}

/// Why a file is not a plan this schedc can run.
public enum PlanReadError: Error, Hashable, Sendable, CustomStringConvertible {
    case notJSON
    case notAPlan(String)
    case unknownVersion(Int)
    /// A key is missing or has the wrong type, or the plan breaks an invariant (`validate()`).
    case invalid(String)

    public var description: String {
        switch self {
        case .notJSON: return "not valid JSON"
        case .notAPlan(let why): return "not a schedc plan: \(why) (write one with `schedc plan --format json FILE`)"
        case .unknownVersion(let version):
            return "plan version \(version) is not supported: this schedc reads plan version \(Plan.version) "
                + "(plan the schedule again with this schedc)"
        case .invalid(let why): return "not a valid plan: \(why)"
        }
    }

    /// "phases[2].batch: expected a whole number" rather than Foundation's debug text.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the plan" : text
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            let description = context.debugDescription.hasPrefix("not a valid plan: ")
                ? String(context.debugDescription.dropFirst("not a valid plan: ".count)) : context.debugDescription
            return context.codingPath.isEmpty ? description : "\(path(context.codingPath)): \(description)"
        @unknown default: return "\(error)"
        }
    }
}

extension PlanModel {
    public var jsonValue: JSONValue {
        switch self {
        case .mlp(let hidden): return .object([("kind", .string(kind.rawValue)), ("hidden", .array(hidden.map { .int($0) }))])
        case .cnn: return .object([("kind", .string(kind.rawValue))])
        case .wrn(let depth, let width):
            return .object([("kind", .string(kind.rawValue)), ("depth", .int(depth)), ("width", .int(width))])
        }
    }
}

extension PlanOptimizer {
    public var jsonValue: JSONValue {
        .object([("kind", .string(kind.rawValue)), ("momentum", Plan.number(momentum)), ("weight_decay", Plan.number(weightDecay)),
                 ("beta1", Plan.number(beta1)), ("beta2", Plan.number(beta2)), ("epsilon", Plan.number(epsilon))])
    }
}

extension Phase {
    var jsonValue: JSONValue {
        .object([
            ("start_epoch", Plan.number(startEpoch)),
            ("end_epoch", Plan.number(endEpoch)),
            ("start_update", .int(startUpdate)),
            ("end_update", .int(endUpdate)),
            ("start_sample", .int(startSample)),
            ("end_sample", .int(endSample)),
            ("batch", .int(batch)),
            ("micro_batch", .int(microBatch)),
            ("accumulation", .int(accumulation)),
            ("pass_sizes", .array(passSizes.map { .int($0) })),
            ("lr", Plan.number(learningRate)),
            ("momentum", Plan.number(momentum)),
            ("noise", Plan.number(noise)),
            ("updates", .int(updates)),
            ("warmup", .bool(warmup)),
        ])
    }
}

extension OptimizerState {
    var jsonValue: JSONValue {
        .object([("batch", .int(batch)), ("lr", Plan.number(learningRate)), ("momentum", Plan.number(momentum))])
    }
}

extension PlanChange {
    var jsonValue: JSONValue {
        .object([
            ("epoch", Plan.number(epoch)),
            ("update", .int(update)),
            ("sample", .int(sample)),
            ("event_index", .optional(eventIndex)),
            ("at", .string(at)),
            ("event", .string(event)),
            ("effect", .string(effect)),
            ("limit", .optional(limit?.rawValue)),
            ("note", .optional(note)),
            ("before", before.jsonValue),
            ("after", after.jsonValue),
            ("reason", .string(reason.rawValue)),
            ("changed", .array(changed.map { change in
                .object([("quantity", .string(change.quantity.rawValue)), ("from", Plan.number(change.from)),
                         ("to", Plan.number(change.to))])
            })),
        ])
    }
}
