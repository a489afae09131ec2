/// A model named the way a `.sched` file names it: `mlp`, `mlp(hidden: [512, 512])`, `cnn`,
/// `wrn(16, 4)` or `wrn(depth: 16, width: 4)`. (`ScheduleLanguage.ModelSpec` is the checked
/// form of the same setting; the runner maps its cases onto these — Training does not depend
/// on the language, and the two names differ so a file importing both needs no qualification.)
public enum ModelArchitecture: Equatable, Sendable, CustomStringConvertible {
    /// Fully connected: input → hidden[0] → … → classes, ReLU between.
    case mlp(hidden: [Int])
    /// conv3×3 C→32 pad 1, BN, ReLU, max-pool 2, conv3×3 32→64 pad 1, BN, ReLU, max-pool 2,
    /// linear → 128, ReLU, linear 128 → classes.
    case cnn
    /// Wide residual network WRN-depth-width (pre-activation basic blocks, three groups).
    case wrn(depth: Int, width: Int)

    public static let names = ["mlp", "cnn", "wrn"]

    public var description: String {
        switch self {
        case .mlp(let hidden): return "mlp(hidden: [\(hidden.map(String.init).joined(separator: ", "))])"
        case .cnn: return "cnn"
        case .wrn(let depth, let width): return "wrn(\(depth), \(width))"
        }
    }

    /// Whether the model has batch-norm layers (so `ghost_batch` matters to it).
    public var usesBatchNorm: Bool {
        if case .mlp = self { return false }
        return true
    }

    /// Parses a model expression; the error says what is wrong in lowercase words.
    public init(parsing text: String) throws {
        let trimmed = Training.trimmed(text)
        let name: String, arguments: String?
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")") else { throw ModelArchitectureError("model '\(trimmed)' is missing a closing ')'") }
            name = Training.trimmed(trimmed[..<open])
            arguments = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        } else {
            name = trimmed
            arguments = nil
        }
        let numbers = try ModelArchitecture.integers(in: arguments ?? "", model: name)
        switch name {
        case "mlp":
            let hidden = numbers.isEmpty ? [512, 512] : numbers
            guard hidden.allSatisfy({ $0 > 0 }) else { throw ModelArchitectureError("mlp hidden sizes must be positive") }
            self = .mlp(hidden: hidden)
        case "cnn":
            guard numbers.isEmpty else { throw ModelArchitectureError("cnn takes no arguments") }
            self = .cnn
        case "wrn":
            let values = numbers.isEmpty ? [16, 4] : numbers
            guard values.count == 2 else { throw ModelArchitectureError("wrn takes a depth and a width, as in wrn(16, 4)") }
            guard values[0] >= 10, (values[0] - 4) % 6 == 0 else {
                throw ModelArchitectureError("wrn depth must be 6·n + 4 with n ≥ 1 (10, 16, 22, 28, ...), not \(values[0])")
            }
            guard values[1] >= 1 else { throw ModelArchitectureError("wrn width must be at least 1") }
            self = .wrn(depth: values[0], width: values[1])
        default:
            throw ModelArchitectureError("unknown model '\(name)'; the models are mlp, cnn and wrn")
        }
    }

    /// The integers of an argument list, ignoring labels (`hidden:`, `depth:`) and brackets.
    private static func integers(in arguments: String, model: String) throws -> [Int] {
        var values: [Int] = []
        for piece in arguments.split(whereSeparator: { ",[] ".contains($0) }) {
            var token = Substring(piece)
            if let colon = token.lastIndex(of: ":") { token = token[token.index(after: colon)...] }
            if token.isEmpty { continue }  // a label such as `hidden:`
            guard let value = Int(token) else {
                throw ModelArchitectureError("model '\(model)' argument '\(token)' is not an integer")
            }
            values.append(value)
        }
        return values
    }
}

/// A model expression that does not describe a model.
public struct ModelArchitectureError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `text` without leading and trailing spaces and tabs (Foundation-free).
private func trimmed(_ text: some StringProtocol) -> String {
    var slice = Substring(text)
    while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
    while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
    return String(slice)
}
