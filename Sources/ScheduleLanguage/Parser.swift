/// A recursive-descent parser with line-based error recovery. It never fails: it returns a tree
/// and the syntax diagnostics (S0xx). Recovery rules:
/// - statements end at the end of a line, so after an error the rest of the line is skipped
///   and parsing resumes on the next line;
/// - at most one syntax error is reported per line (the first; later ones are usually echoes);
/// - where the intent is certain (a missing ',' between times, a missing ':' before the
///   action, a missing ')' at the end of the line, `lr = 0.1`) the parser reports the
///   mistake with a fix-it and carries on as if it were fixed;
/// - every loop checks that it consumed a token (`LoopProgress`), so parsing always ends.
///
/// The grammar it implements is Grammar/sched.ebnf; the tests check the two agree.
public struct Parser {
    public static func parse(_ source: SourceFile) -> SyntaxTree {
        let tokens = Lexer.tokenize(source)
        var parser = Parser(source: source, tokens: tokens)
        let statements = parser.parseFile()
        return SyntaxTree(source: source, tokens: tokens, statements: statements, diagnostics: parser.diagnostics)
    }

    let source: SourceFile
    let tokens: [Token]
    var index = 0
    var diagnostics: [Diagnostic] = []
    /// Set once the current line has a syntax error; later errors on the line are dropped.
    var lineHasError = false
    /// Open brackets around the current value (bounded: the parser recurses on them).
    var nesting = 0
    /// Implementation limit on nested brackets (S015), far beyond any real schedule.
    static let maximumNesting = 32
    /// The bracket depth whose arguments may end in a unit (`every: 50 steps`): 1 while parsing
    /// an `adapt` statement (its values' own arguments), nil elsewhere.
    var spanArgumentNesting: Int?

    init(source: SourceFile, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    // MARK: - File and statements

    mutating func parseFile() -> [Statement] {
        var statements: [Statement] = []
        parseLines(into: &statements, untilToken: tokens.count)
        return statements
    }

    /// Parses whole lines from the current token up to (not including) the token at `end`,
    /// which starts a line, or to the end of the file.
    mutating func parseLines(into statements: inout [Statement], untilToken end: Int) {
        var progress = LoopProgress()
        while current.kind != .endOfFile, index < end {
            guard progress.advanced(to: index) else { advance(); continue }
            if current.kind == .newline {
                advance()
                continue
            }
            lineHasError = false
            statements.append(parseStatement())
            if !current.isLineEnd {
                reportUnexpected(.extraTokens, expected: "the end of the line")
                skipToLineEnd()
            }
            if current.kind == .newline { advance() }
        }
    }

    mutating func parseStatement() -> Statement {
        let first = current
        guard first.kind == .identifier else {
            if first.kind == .number, !first.isMalformed, peek(1).kind == .colon || peek(1).kind == .comma {
                // `60: noise /= 5` — an event without its 'at'.
                report(.error(.notAStatement, "expected a setting or an event, found '\(text(first))'", at: first.range,
                              notes: [.init("events start with 'at' or 'every'")],
                              fixIts: [.insert("at epoch ", at: first.range.start, "write 'at epoch \(text(first))'")]))
            } else {
                reportUnexpected(.notAStatement, expected: "a setting or an event ('at ...' or 'every ...')")
            }
            skipToLineEnd()
            return .invalid(SourceRange(start: first.range.start, end: max(first.range.start, previousEnd)))
        }
        if isWord(first, "at") { return parseAt() }
        if isWord(first, "every") { return parseEvery() }
        return .setting(parseSetting())
    }

    mutating func parseSetting() -> SettingSyntax {
        // `adapt batch(every: 50 steps, ...)` is a setting whose arguments may be spans.
        spanArgumentNesting = isWord(current, "adapt") ? 1 : nil
        defer { spanArgumentNesting = nil }
        let name = nameSyntax(advance())
        var isComplete = true
        if current.kind == .equals || current.kind == .colon {
            let separator = current
            let separatorText = text(separator)
            let next = peek(1)
            var fixIts: [Diagnostic.FixIt] = []
            if !next.isLineEnd {
                fixIts = separator.range.start > name.range.end
                    ? [.remove(SourceRange(start: separator.range.start, end: next.range.start), "remove '\(separatorText)'")]
                    : [.replace(SourceRange(start: separator.range.start, end: next.range.start), with: " ",
                                "remove '\(separatorText)'")]
            }
            report(.error(.settingWithEqualsOrColon, "a setting takes its value without '\(separatorText)'", at: separator.range,
                          notes: [.init("settings are written 'name value', e.g. 'lr 0.1'")], fixIts: fixIts))
            advance()
        }
        var values: [ValueSyntax] = []
        var progress = LoopProgress()
        while startsValue(current), progress.advanced(to: index) {
            guard let value = parseValue() else {
                isComplete = false
                break
            }
            values.append(value)
        }
        if values.isEmpty, isComplete {
            reportUnexpected(.missingValue, expected: "a value for '\(name.text)'")
            isComplete = false
        }
        let range = SourceRange(start: name.range.start, end: max(name.range.end, previousEnd))
        return SettingSyntax(name: name, values: values, isComplete: isComplete, range: range)
    }

    // MARK: - Values

    func startsValue(_ token: Token) -> Bool {
        switch token.kind {
        case .number, .minus, .identifier, .leftBracket: return true
        default: return false
        }
    }

    /// A value, or nil after reporting why there is none.
    mutating func parseValue() -> ValueSyntax? {
        switch current.kind {
        case .minus:
            let minus = advance()
            guard current.kind == .number else {
                reportUnexpected(.missingValue, expected: "a number after '-'")
                return nil
            }
            return .number(parseNumber(minus: minus))
        case .number:
            return .number(parseNumber(minus: nil))
        case .identifier:
            let name = nameSyntax(advance())
            guard current.kind == .leftParen else { return .name(name, arguments: nil) }
            guard let arguments = parseArguments() else { return nil }
            return .name(name, arguments: arguments)
        case .leftBracket:
            return parseList().map { .list($0) }
        default:
            reportUnexpected(.missingValue, expected: "a value")
            return nil
        }
    }

    mutating func parseNumber(minus: Token?) -> NumberSyntax {
        let token = advance()
        let literal = text(token)
        if token.isMalformed { report(malformedNumber(token)) }
        var value = Double.nan
        var integer: Int?
        var isInteger = false
        if !token.isMalformed {
            (value, integer, isInteger) = NumberLiteral.evaluate(literal)
        }
        if minus != nil {
            value = -value
            integer = integer.map { -$0 }
        }
        return NumberSyntax(literal: literal, range: SourceRange(start: minus?.range.start ?? token.range.start, end: token.range.end),
                            isNegative: minus != nil, isIntegerLiteral: isInteger, value: value, integerValue: integer,
                            isMalformed: token.isMalformed)
    }

    /// `( [argument {, argument}] )`; the current token is '('.
    mutating func parseArguments() -> ArgumentListSyntax? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        let open = advance()
        var arguments: [ArgumentSyntax] = []
        if current.kind == .rightParen {
            let close = advance()
            return ArgumentListSyntax(arguments: [], range: open.range.union(close.range))
        }
        var progress = LoopProgress()
        while progress.advanced(to: index) {
            guard let argument = parseArgument() else { return nil }
            arguments.append(argument)
            switch current.kind {
            case .comma:
                advance()
                continue
            case .rightParen:
                let close = advance()
                return ArgumentListSyntax(arguments: arguments, range: open.range.union(close.range))
            default:
                if startsValue(current) {
                    reportMissingComma(between: "arguments")
                    continue
                }
                if current.isLineEnd || current.kind == .rightBracket {
                    reportUnclosed(open, closer: ")")
                    return ArgumentListSyntax(arguments: arguments, range: SourceRange(start: open.range.start, end: previousEnd))
                }
                reportUnexpected(.unclosedBracket, expected: "',' or ')'")
                return nil
            }
        }
        return nil
    }

    mutating func parseArgument() -> ArgumentSyntax? {
        var label: NameSyntax?
        if current.kind == .identifier, peek(1).kind == .colon {
            label = nameSyntax(advance())
            advance()
            guard startsValue(current) else {
                reportUnexpected(.missingValue, expected: "a value after '\(label!.text):'")
                return nil
            }
        }
        guard let value = parseValue() else { return nil }
        var argument = ArgumentSyntax(label: label, value: value, range: (label?.range ?? value.range).union(value.range))
        if spanArgumentNesting == nesting, case .number = value, current.kind == .identifier {
            guard let unit = parseSpanUnit(after: value) else { return nil }
            argument.unit = unit
            argument.range = argument.range.union(unit.range)
        }
        return argument
    }

    /// The unit of a span argument (`50 steps`, `1 epoch`); the current token is the identifier
    /// after the number. An unknown word there is a misspelt unit (S009), not a missing comma.
    mutating func parseSpanUnit(after value: ValueSyntax) -> UnitSyntax? {
        let word = current
        if let unit = unitWord(word) {
            advance()
            return UnitSyntax(unit: unit, range: word.range)
        }
        let guess = Suggestion.closest(to: text(word), in: ["steps", "epochs"])
            ?? ["updates": "steps", "update": "steps", "iterations": "steps", "batches": "steps"][text(word).lowercased()]
        report(.error(.timeUnit, "unknown time unit '\(text(word))'", at: word.range,
                      notes: [.init("a span is written '50 steps' (updates) or '1 epoch'")],
                      fixIts: guess.map { [.replace(word.range, with: $0, "use '\($0)'")] } ?? []))
        return nil
    }

    /// `[ [value {, value}] ]`; the current token is '['.
    mutating func parseList() -> ListSyntax? {
        guard enterNesting() else { return nil }
        defer { nesting -= 1 }
        let open = advance()
        var elements: [ValueSyntax] = []
        if current.kind == .rightBracket {
            let close = advance()
            return ListSyntax(elements: [], range: open.range.union(close.range))
        }
        var progress = LoopProgress()
        while progress.advanced(to: index) {
            guard let element = parseValue() else { return nil }
            elements.append(element)
            switch current.kind {
            case .comma:
                advance()
                continue
            case .rightBracket:
                let close = advance()
                return ListSyntax(elements: elements, range: open.range.union(close.range))
            default:
                if startsValue(current) {
                    reportMissingComma(between: "list elements")
                    continue
                }
                if current.isLineEnd || current.kind == .rightParen {
                    reportUnclosed(open, closer: "]")
                    return ListSyntax(elements: elements, range: SourceRange(start: open.range.start, end: previousEnd))
                }
                reportUnexpected(.unclosedBracket, expected: "',' or ']'")
                return nil
            }
        }
        return nil
    }

    /// Counts one more open bracket, or reports S015 when that is too many.
    mutating func enterNesting() -> Bool {
        guard nesting < Parser.maximumNesting else {
            report(.error(.nestingTooDeep, "brackets are nested more than \(Parser.maximumNesting) deep", at: current.range,
                          notes: [.init("an implementation limit; no setting needs more than two levels")]))
            skipToLineEnd()
            return false
        }
        nesting += 1
        return true
    }

    // MARK: - Tokens

    var current: Token { tokens[index] }

    func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    /// End of the last consumed token (the start of the file before any).
    var previousEnd: Int { index > 0 ? tokens[index - 1].range.end : 0 }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if token.kind != .endOfFile { index += 1 }
        return token
    }

    mutating func skipToLineEnd() {
        while !current.isLineEnd { advance() }
    }

    func text(_ token: Token) -> String { source.slice(token.range) }

    /// Whether `token` is the identifier `word` (compared byte by byte: keywords are ASCII).
    func isWord(_ token: Token, _ word: StaticString) -> Bool {
        guard token.kind == .identifier, token.range.end - token.range.start == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for i in 0..<word.utf8CodeUnitCount where source.bytes[token.range.start + i] != pointer[i] { return false }
        return true
    }

    func nameSyntax(_ token: Token) -> NameSyntax { NameSyntax(text: text(token), range: token.range) }
}

/// Guards a loop against spinning: each iteration must see a larger token index than the last
/// (swift-syntax's LoopProgressCondition, Go's syncPos).
struct LoopProgress {
    private var last = -1

    mutating func advanced(to index: Int) -> Bool {
        defer { last = index }
        return index > last
    }
}
