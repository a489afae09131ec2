import Foundation

/// A test-side reading of Grammar/sched.ebnf, written independently of the production lexer
/// and parser: a reader for the notation the file describes, a recogniser (does the grammar
/// accept this text?) and a random sentence generator. The drift tests compare its verdicts
/// with the parser's.
struct EBNFGrammar {
    indirect enum Expression {
        case alternatives([Expression])
        case sequence([Expression])
        case optional(Expression)
        case repetition(Expression)
        case literal([Unicode.Scalar])
        case range(Unicode.Scalar, Unicode.Scalar)
        case reference(String)
        case except(Expression, Expression)
        case notFollowedBy(Expression)
        case any
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var rules: [String: Expression] = [:]
    /// Rule names in file order; the first syntactic rule is the start symbol.
    private(set) var order: [String] = []

    static func isLexical(_ name: String) -> Bool { name == name.uppercased() }

    var startSymbol: String { order.first { !EBNFGrammar.isLexical($0) }! }

    // MARK: - Reading the notation

    init(text: String) throws {
        var reader = Reader(scalars: Array(text.unicodeScalars))
        while true {
            reader.skipSpaceAndComments()
            if reader.atEnd { break }
            let name = try reader.identifier()
            try reader.expect("=")
            let expression = try reader.alternatives()
            try reader.expect(";")
            guard rules[name] == nil else { throw SyntaxError(description: "rule '\(name)' defined twice") }
            rules[name] = expression
            order.append(name)
        }
        for name in order { try checkReferences(rules[name]!, in: name) }
        for required in ["TOKEN", "TRIVIA"] where rules[required] == nil {
            throw SyntaxError(description: "the grammar has no \(required) rule")
        }
    }

    private func checkReferences(_ expression: Expression, in rule: String) throws {
        switch expression {
        case .alternatives(let items), .sequence(let items):
            for item in items { try checkReferences(item, in: rule) }
        case .optional(let e), .repetition(let e), .notFollowedBy(let e):
            try checkReferences(e, in: rule)
        case .except(let a, let b):
            try checkReferences(a, in: rule)
            try checkReferences(b, in: rule)
        case .reference(let name):
            guard rules[name] != nil else { throw SyntaxError(description: "rule '\(rule)' refers to undefined '\(name)'") }
        case .literal, .range, .any:
            break
        }
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        var position = 0

        var atEnd: Bool { position >= scalars.count }

        mutating func skipSpaceAndComments() {
            while position < scalars.count {
                if scalars[position].properties.isWhitespace {
                    position += 1
                } else if scalars[position] == "(", position + 1 < scalars.count, scalars[position + 1] == "*" {
                    position += 2
                    while position + 1 < scalars.count, !(scalars[position] == "*" && scalars[position + 1] == ")") { position += 1 }
                    position = min(scalars.count, position + 2)
                } else {
                    return
                }
            }
        }

        mutating func peek(_ text: String) -> Bool {
            skipSpaceAndComments()
            let wanted = Array(text.unicodeScalars)
            guard position + wanted.count <= scalars.count else { return false }
            return Array(scalars[position..<position + wanted.count]) == wanted
        }

        mutating func expect(_ text: String) throws {
            guard peek(text) else { throw SyntaxError(description: "expected '\(text)' at scalar \(position)") }
            position += text.unicodeScalars.count
        }

        mutating func identifier() throws -> String {
            skipSpaceAndComments()
            let start = position
            while position < scalars.count, scalars[position].properties.isAlphabetic || scalars[position] == "_"
                || ("0"..."9").contains(scalars[position]) { position += 1 }
            guard position > start else { throw SyntaxError(description: "expected a rule name at scalar \(position)") }
            return String(String.UnicodeScalarView(scalars[start..<position]))
        }

        mutating func alternatives() throws -> Expression {
            var items = [try sequence()]
            while peek("|") {
                position += 1
                items.append(try sequence())
            }
            return items.count == 1 ? items[0] : .alternatives(items)
        }

        mutating func sequence() throws -> Expression {
            var items: [Expression] = []
            while true {
                skipSpaceAndComments()
                if atEnd || peek("|") || peek(";") || peek(")") || peek("]") || peek("}") { break }
                items.append(try term())
            }
            guard !items.isEmpty else { throw SyntaxError(description: "empty sequence at scalar \(position)") }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// factor [ "-" factor ]
        mutating func term() throws -> Expression {
            let base = try factor()
            if peek("-") {
                position += 1
                return .except(base, try factor())
            }
            return base
        }

        mutating func factor() throws -> Expression {
            skipSpaceAndComments()
            if peek("!") {
                position += 1
                return .notFollowedBy(try factor())
            }
            if peek("(") {
                position += 1
                let inner = try alternatives()
                try expect(")")
                return inner
            }
            if peek("[") {
                position += 1
                let inner = try alternatives()
                try expect("]")
                return .optional(inner)
            }
            if peek("{") {
                position += 1
                let inner = try alternatives()
                try expect("}")
                return .repetition(inner)
            }
            if peek("\"") || peek("'") {
                let literal = try string()
                if peek("..") {
                    position += 2
                    let upper = try string()
                    guard literal.count == 1, upper.count == 1 else { throw SyntaxError(description: "a range joins single characters") }
                    return .range(literal[0], upper[0])
                }
                return .literal(literal)
            }
            let name = try identifier()
            return name == "ANY" ? .any : .reference(name)
        }

        mutating func string() throws -> [Unicode.Scalar] {
            skipSpaceAndComments()
            let quote = scalars[position]
            position += 1
            var result: [Unicode.Scalar] = []
            while position < scalars.count, scalars[position] != quote {
                var scalar = scalars[position]
                position += 1
                if scalar == "\\", position < scalars.count {
                    let escaped = scalars[position]
                    position += 1
                    switch escaped {
                    case "n": scalar = "\n"
                    case "r": scalar = "\r"
                    case "t": scalar = "\t"
                    case "u":
                        try expect("{")
                        let start = position
                        while position < scalars.count, scalars[position] != "}" { position += 1 }
                        let hex = String(String.UnicodeScalarView(scalars[start..<position]))
                        try expect("}")
                        guard let value = UInt32(hex, radix: 16), let s = Unicode.Scalar(value) else {
                            throw SyntaxError(description: "bad \\u{\(hex)}")
                        }
                        scalar = s
                    default: scalar = escaped
                    }
                }
                result.append(scalar)
            }
            guard position < scalars.count else { throw SyntaxError(description: "unterminated string") }
            position += 1
            guard !result.isEmpty else { throw SyntaxError(description: "empty literal") }
            return result
        }
    }

    // MARK: - Recognising

    /// A token as the grammar's tokeniser produces it: the TOKEN alternative that matched.
    struct Token: Equatable {
        var kind: String
        var text: String
    }

    /// Whether the grammar accepts `text` as a whole file.
    func accepts(_ text: String) -> Bool {
        guard let tokens = tokenize(text) else { return false }
        var matcher = TokenMatcher(grammar: self, tokens: tokens)
        return matcher.match(.reference(startSymbol), at: 0).contains(tokens.count)
    }

    /// The tokens of `text` by longest match over TOKEN and TRIVIA; nil on a lexical error.
    func tokenize(_ text: String) -> [Token]? {
        let scalars = Array(text.unicodeScalars)
        var matcher = CharacterMatcher(grammar: self, scalars: scalars)
        let tokenKinds = alternativeNames("TOKEN")
        let triviaKinds = alternativeNames("TRIVIA")
        var tokens: [Token] = []
        var position = 0
        while position < scalars.count {
            var best: (end: Int, kind: String, isTrivia: Bool)?
            for (kind, isTrivia) in tokenKinds.map({ ($0, false) }) + triviaKinds.map({ ($0, true) }) {
                guard let end = matcher.match(.reference(kind), at: position).max(), end > position else { continue }
                if best == nil || end > best!.end { best = (end, kind, isTrivia) }
            }
            guard let best else { return nil }
            if !best.isTrivia {
                tokens.append(Token(kind: best.kind, text: String(String.UnicodeScalarView(scalars[position..<best.end]))))
            }
            position = best.end
        }
        return tokens
    }

    /// The rule names listed as alternatives of TOKEN or TRIVIA.
    func alternativeNames(_ rule: String) -> [String] {
        switch rules[rule]! {
        case .alternatives(let items):
            return items.map { item -> String in
                guard case .reference(let name) = item else { fatalError("\(rule) lists rule names only") }
                return name
            }
        case .reference(let name):
            return [name]
        default:
            fatalError("\(rule) lists rule names only")
        }
    }

    /// All end positions at which an expression can match characters starting at a position.
    struct CharacterMatcher {
        let grammar: EBNFGrammar
        let scalars: [Unicode.Scalar]
        var memo: [String: [Int: Set<Int>]] = [:]

        mutating func match(_ expression: Expression, at position: Int) -> Set<Int> {
            switch expression {
            case .literal(let literal):
                guard position + literal.count <= scalars.count,
                      scalars[position..<position + literal.count].elementsEqual(literal) else { return [] }
                return [position + literal.count]
            case .range(let low, let high):
                guard position < scalars.count, (low...high).contains(scalars[position]) else { return [] }
                return [position + 1]
            case .any:
                return position < scalars.count ? [position + 1] : []
            case .reference(let name):
                if let known = memo[name]?[position] { return known }
                let result = match(grammar.rules[name]!, at: position)
                memo[name, default: [:]][position] = result
                return result
            case .notFollowedBy(let e):
                return match(e, at: position).isEmpty ? [position] : []
            default:
                return combineExpression(&self, expression, at: position) { matcher, e, p in matcher.match(e, at: p) }
            }
        }
    }

    /// All end positions at which a syntactic expression can match tokens.
    struct TokenMatcher {
        let grammar: EBNFGrammar
        let tokens: [Token]
        var memo: [String: [Int: Set<Int>]] = [:]

        mutating func match(_ expression: Expression, at position: Int) -> Set<Int> {
            switch expression {
            case .literal(let literal):
                guard position < tokens.count, Array(tokens[position].text.unicodeScalars) == literal else { return [] }
                return [position + 1]
            case .reference(let name) where EBNFGrammar.isLexical(name):
                guard position < tokens.count, tokens[position].kind == name else { return [] }
                return [position + 1]
            case .reference(let name):
                if let known = memo[name]?[position] { return known }
                memo[name, default: [:]][position] = [] // no left recursion in the grammar
                let result = match(grammar.rules[name]!, at: position)
                memo[name, default: [:]][position] = result
                return result
            case .range, .any, .notFollowedBy:
                fatalError("character-level notation in a syntactic rule")
            default:
                return combineExpression(&self, expression, at: position) { matcher, e, p in matcher.match(e, at: p) }
            }
        }
    }
}

/// Sequence, alternatives, optional, repetition and exception, for either matcher.
private func combineExpression<M>(_ matcher: inout M, _ expression: EBNFGrammar.Expression, at position: Int,
                                  _ match: (inout M, EBNFGrammar.Expression, Int) -> Set<Int>) -> Set<Int> {
    switch expression {
    case .alternatives(let items):
        var ends: Set<Int> = []
        for item in items { ends.formUnion(match(&matcher, item, position)) }
        return ends
    case .sequence(let items):
        var ends: Set<Int> = [position]
        for item in items {
            var next: Set<Int> = []
            for end in ends { next.formUnion(match(&matcher, item, end)) }
            ends = next
            if ends.isEmpty { break }
        }
        return ends
    case .optional(let e):
        return match(&matcher, e, position).union([position])
    case .repetition(let e):
        var all: Set<Int> = [position]
        var frontier: Set<Int> = [position]
        while !frontier.isEmpty {
            var next: Set<Int> = []
            for end in frontier { next.formUnion(match(&matcher, e, end)) }
            frontier = next.subtracting(all)
            all.formUnion(next)
        }
        return all
    case .except(let a, let b):
        let excluded = match(&matcher, b, position)
        return match(&matcher, a, position).subtracting(excluded)
    default:
        fatalError("not a combinator")
    }
}
