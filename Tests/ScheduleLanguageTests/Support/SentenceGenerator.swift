import TestSupport
/// Random sentences of the EBNF grammar: syntactic rules are expanded into tokens, lexical
/// rules into characters; tokens are joined with random spaces, tabs and comments. Every
/// sentence is checked against the grammar's own recogniser, so a generator bug cannot pass
/// for a parser bug.
struct SentenceGenerator {
    let grammar: EBNFGrammar
    var random: TestRandom
    /// How many times each syntactic rule was expanded (the tests check all are reached).
    private(set) var expansions: [String: Int] = [:]
    /// Depth past which the generator takes the shortest way out.
    let depthLimit = 7
    private var minimumDepth: [String: Int] = [:]

    init(grammar: EBNFGrammar, seed: UInt64) {
        self.grammar = grammar
        random = TestRandom(seed: seed)
        computeMinimumDepths()
    }

    /// One whole file.
    mutating func file() -> String {
        for _ in 0..<50 {
            guard let tokens = expand(.reference(grammar.startSymbol), depth: 0) else { continue }
            return join(tokens)
        }
        fatalError("could not generate a sentence")
    }

    // MARK: - Syntax

    private mutating func expand(_ expression: EBNFGrammar.Expression, depth: Int) -> [EBNFGrammar.Token]? {
        switch expression {
        case .literal(let scalars):
            let text = String(String.UnicodeScalarView(scalars))
            return [EBNFGrammar.Token(kind: "", text: text)]
        case .reference(let name) where EBNFGrammar.isLexical(name):
            return lexeme(name).map { [EBNFGrammar.Token(kind: name, text: $0)] }
        case .reference(let name):
            expansions[name, default: 0] += 1
            return expand(grammar.rules[name]!, depth: depth + 1)
        case .alternatives(let items):
            let choice = depth > depthLimit ? cheapest(items) : items[random.below(items.count)]
            return expand(choice, depth: depth)
        case .sequence(let items):
            var tokens: [EBNFGrammar.Token] = []
            for item in items {
                guard let part = expand(item, depth: depth) else { return nil }
                tokens += part
            }
            return tokens
        case .optional(let e):
            return depth > depthLimit || random.below(2) == 0 ? [] : expand(e, depth: depth)
        case .repetition(let e):
            let count = depth > depthLimit ? 0 : random.below(depth <= 1 ? 12 : 4)
            var tokens: [EBNFGrammar.Token] = []
            for _ in 0..<count {
                guard let part = expand(e, depth: depth) else { return nil }
                tokens += part
            }
            return tokens
        case .except(let a, let b):
            for _ in 0..<20 {
                guard let candidate = expand(a, depth: depth) else { continue }
                var matcher = EBNFGrammar.TokenMatcher(grammar: grammar, tokens: candidate)
                if !matcher.match(b, at: 0).contains(candidate.count) { return candidate }
            }
            return nil
        case .range, .any, .notFollowedBy:
            fatalError("character-level notation in a syntactic rule")
        }
    }

    private func cheapest(_ items: [EBNFGrammar.Expression]) -> EBNFGrammar.Expression {
        items.min { depth(of: $0) < depth(of: $1) }!
    }

    private func depth(of expression: EBNFGrammar.Expression) -> Int {
        switch expression {
        case .reference(let name): return EBNFGrammar.isLexical(name) ? 0 : (minimumDepth[name] ?? 1000) + 1
        case .alternatives(let items): return items.map(depth(of:)).min() ?? 0
        case .sequence(let items): return items.map(depth(of:)).max() ?? 0
        case .except(let a, _): return depth(of: a)
        default: return 0
        }
    }

    private mutating func computeMinimumDepths() {
        var changed = true
        while changed {
            changed = false
            for name in grammar.order where !EBNFGrammar.isLexical(name) {
                let d = depth(of: grammar.rules[name]!)
                if d < minimumDepth[name] ?? Int.max {
                    minimumDepth[name] = d
                    changed = true
                }
            }
        }
    }

    // MARK: - Lexemes

    /// Text for one token of lexical rule `name`: generated, then accepted only when the
    /// grammar's tokeniser reads it back as exactly one token of that kind.
    private mutating func lexeme(_ name: String) -> String? {
        for _ in 0..<50 {
            guard let text = characters(.reference(name), depth: 0) else { continue }
            if let tokens = grammar.tokenize(text), tokens == [EBNFGrammar.Token(kind: name, text: text)] { return text }
        }
        return nil
    }

    /// Characters a lexical expression could match (`!` lookaheads are checked afterwards).
    private mutating func characters(_ expression: EBNFGrammar.Expression, depth: Int) -> String? {
        switch expression {
        case .literal(let scalars):
            return String(String.UnicodeScalarView(scalars))
        case .range(let low, let high):
            return String(Unicode.Scalar(low.value + UInt32(random.below(Int(high.value - low.value) + 1)))!)
        case .any:
            return SentenceGenerator.anyPool[random.below(SentenceGenerator.anyPool.count)]
        case .reference(let name):
            return characters(grammar.rules[name]!, depth: depth + 1)
        case .alternatives(let items):
            return characters(items[random.below(items.count)], depth: depth)
        case .sequence(let items):
            var text = ""
            for item in items {
                guard let part = characters(item, depth: depth) else { return nil }
                text += part
            }
            return text
        case .optional(let e):
            return random.below(2) == 0 ? "" : characters(e, depth: depth)
        case .repetition(let e):
            var text = ""
            for _ in 0..<random.below(depth > 3 ? 2 : 5) {
                guard let part = characters(e, depth: depth) else { return nil }
                text += part
            }
            return text
        case .except(let a, let b):
            for _ in 0..<20 {
                guard let candidate = characters(a, depth: depth) else { continue }
                var matcher = EBNFGrammar.CharacterMatcher(grammar: grammar, scalars: Array(candidate.unicodeScalars))
                if !matcher.match(b, at: 0).contains(candidate.unicodeScalars.count) { return candidate }
            }
            return nil
        case .notFollowedBy:
            return ""
        }
    }

    /// What ANY produces: ASCII, tabs, and characters that are wide, combining or astral.
    static let anyPool: [String] = ["a", "Z", "0", " ", "\t", "#", ":", "é", "ε", "×", "中", "😀", "e\u{301}", "\u{FEFF}", "\""]

    // MARK: - Joining

    /// Tokens separated by spaces or tabs; sometimes a comment before a line break.
    private mutating func join(_ tokens: [EBNFGrammar.Token]) -> String {
        var text = ""
        for token in tokens {
            let isNewline = token.kind == "NEWLINE"
            if isNewline {
                if random.below(4) == 0 { text += " # " + (characters(.repetition(.any), depth: 0) ?? "") }
            } else if !text.isEmpty, !text.hasSuffix("\n"), !text.hasSuffix("\r") {
                text += [" ", " ", "  ", "\t"][random.below(4)]
            }
            text += token.text
        }
        return text
    }
}
