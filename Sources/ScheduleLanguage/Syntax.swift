/// The syntax tree of a `.sched` file. It is lossless by construction: the tree keeps the
/// token array (every byte of the file belongs to a token or its leading trivia), and the
/// nodes below point into it by source range. Parsing never fails: statements the parser
/// could not make sense of are `.invalid`, missing pieces are nil, and `diagnostics` says why.
public struct SyntaxTree: Sendable {
    public let source: SourceFile
    public let tokens: [Token]
    public let statements: [Statement]
    /// Lexical and syntax errors (S0xx), in source order.
    public let diagnostics: [Diagnostic]
    /// For a tree parsed reusing an earlier version's: which statements came from it, so the
    /// checker can reuse what it concluded about them too.
    var reuse: StatementReuse? = nil

    public var hasSyntaxErrors: Bool { !diagnostics.isEmpty }

    /// The text of a token.
    public func text(of token: Token) -> String { source.slice(token.range) }

    /// Prints every token with its trivia: the exact input (tested on every sample and golden case).
    public func reconstructedText() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.bytes.count)
        for token in tokens {
            bytes += source.bytes[token.leadingTrivia.start..<token.leadingTrivia.end]
            bytes += source.bytes[token.range.start..<token.range.end]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One line's statement. Statements end at the end of a line.
public enum Statement: Hashable, Sendable {
    case setting(SettingSyntax)
    case at(AtEventSyntax)
    case every(EveryEventSyntax)
    /// A line that starts with something no statement starts with; its tokens stay in the tree.
    case invalid(SourceRange)

    public var range: SourceRange {
        switch self {
        case .setting(let s): return s.range
        case .at(let e): return e.range
        case .every(let e): return e.range
        case .invalid(let r): return r
        }
    }
}

/// A name as written (an identifier token).
public struct NameSyntax: Hashable, Sendable {
    public var text: String
    public var range: SourceRange
}

/// A number literal, with an optional leading minus sign (`-0.1`).
public struct NumberSyntax: Hashable, Sendable {
    /// The literal as written, without the sign.
    public var literal: String
    /// The whole number including the sign.
    public var range: SourceRange
    public var isNegative: Bool
    /// Written as an integer (`128`, `50k`), as opposed to a decimal or exponent form.
    public var isIntegerLiteral: Bool
    /// The value (NaN when the literal is malformed).
    public var value: Double
    /// The exact integer value of an integer literal (nil when malformed or out of Int range).
    public var integerValue: Int?
    /// Not a well-formed NUMBER (already reported as S002).
    public var isMalformed: Bool
}

/// A setting value: `0.1`, `-3`, `cifar10`, `sgd(momentum: 0.9)`, `[512, 512]`.
public indirect enum ValueSyntax: Hashable, Sendable {
    case number(NumberSyntax)
    case name(NameSyntax, arguments: ArgumentListSyntax?)
    case list(ListSyntax)

    public var range: SourceRange {
        switch self {
        case .number(let n): return n.range
        case .name(let name, let arguments): return arguments.map { name.range.union($0.range) } ?? name.range
        case .list(let l): return l.range
        }
    }
}

/// `(momentum: 0.9)`, `(16, 4)`.
public struct ArgumentListSyntax: Hashable, Sendable {
    public var arguments: [ArgumentSyntax]
    /// From '(' to ')' (or to the last argument when ')' is missing).
    public var range: SourceRange
}

/// `momentum: 0.9` or a positional `16`; in `adapt batch(...)` also a span, `every: 50 steps`.
public struct ArgumentSyntax: Hashable, Sendable {
    public var label: NameSyntax?
    public var value: ValueSyntax
    public var range: SourceRange
    /// The unit after a number, `steps` in `every: 50 steps`: only the arguments of an `adapt`
    /// statement take one (Grammar/sched.ebnf, `span_argument`); nil everywhere else.
    public var unit: UnitSyntax? = nil
}

/// `[512, 512]`.
public struct ListSyntax: Hashable, Sendable {
    public var elements: [ValueSyntax]
    public var range: SourceRange
}

/// `name value...`, e.g. `lr 0.1`, `data size 50000`, `warmup 5 epochs`.
public struct SettingSyntax: Hashable, Sendable {
    public var name: NameSyntax
    /// The values; empty when none could be parsed (already reported).
    public var values: [ValueSyntax]
    /// False when a syntax error left the statement incomplete; the checker then only notes
    /// that the setting is present (so no "missing setting" follows a typo in its value).
    public var isComplete: Bool
    public var range: SourceRange
}

/// `epoch`/`epochs` or `step`/`steps` as written.
public struct UnitSyntax: Hashable, Sendable {
    public var unit: TimeUnit
    public var range: SourceRange
}

/// One time of an `at` statement: `60` after a unit, or `50%`.
public struct TimeSyntax: Hashable, Sendable {
    public var number: NumberSyntax
    /// Whether a `%` follows (percent times).
    public var isPercent: Bool
    public var range: SourceRange
}

public enum AssignmentOperator: String, Hashable, Sendable {
    case assign = "="
    case multiply = "*="
    case divide = "/="
}

/// `noise /= 5`, `lr = 0.5, keep noise`.
public struct ActionSyntax: Hashable, Sendable {
    public var target: NameSyntax
    public var operation: AssignmentOperator
    public var operatorRange: SourceRange
    public var value: NumberSyntax
    /// The `, keep noise` clause (from the comma), if written.
    public var keepNoise: SourceRange?
    public var range: SourceRange
}

/// `at epoch 60, 120: ...`, `at step 1000: ...`, `at 25%, 50%: ...`.
public struct AtEventSyntax: Hashable, Sendable {
    /// nil for percentage times.
    public var unit: UnitSyntax?
    public var times: [TimeSyntax]
    /// nil when a syntax error came first.
    public var action: ActionSyntax?
    public var isComplete: Bool
    public var range: SourceRange
}

/// `every 20 epochs from 20 until 100: noise /= 2`.
public struct EveryEventSyntax: Hashable, Sendable {
    public var interval: NumberSyntax
    public var unit: UnitSyntax
    public var from: NumberSyntax?
    public var until: NumberSyntax?
    /// From `every` to the last number before ':' (the expanded events' `timeRange`).
    public var clauseRange: SourceRange
    public var action: ActionSyntax?
    public var isComplete: Bool
    public var range: SourceRange
}
