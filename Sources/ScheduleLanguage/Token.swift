/// Token kinds of the `.sched` language. Keywords (`at`, `every`, `epoch`, `keep`, ...) are
/// contextual: they lex as identifiers and the parser recognises them by their text, so a
/// setting value may still be called `step` or `size`.
public enum TokenKind: Hashable, Sendable {
    case identifier
    /// Integers (`128`, `50k`), decimals (`0.1`, `.5`) and exponents (`5e-4`); no sign.
    case number
    /// "\n", "\r\n" or "\r": statements end at the end of a line.
    case newline
    case endOfFile
    case colon, comma, leftParen, rightParen, leftBracket, rightBracket
    case equals, starEquals, slashEquals
    /// `*`, `/` and `+` are tokens only so that `noise / 5` gets a precise message and a fix-it.
    case star, slash, plus
    case minus, percent
    /// A character the language has no use for (reported as S001).
    case unknown

    /// How a message names this kind of token when no text is at hand.
    public var description: String {
        switch self {
        case .identifier: return "a name"
        case .number: return "a number"
        case .newline: return "the end of the line"
        case .endOfFile: return "the end of the file"
        case .colon: return "':'"
        case .comma: return "','"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .equals: return "'='"
        case .starEquals: return "'*='"
        case .slashEquals: return "'/='"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .percent: return "'%'"
        case .unknown: return "an unexpected character"
        }
    }
}

/// One token. The file is lossless: every byte belongs either to a token or to the trivia
/// (spaces, tabs and a comment) in front of it, so printing `leadingTrivia` and `range` of
/// every token in order gives back the exact input.
public struct Token: Hashable, Sendable {
    public var kind: TokenKind
    /// The token's own bytes (empty for `endOfFile`).
    public var range: SourceRange
    /// Spaces, tabs and at most one comment between the previous token and this one.
    /// Newlines are tokens, so trivia never spans lines; a comment is always the last piece
    /// of trivia before a newline or the end of the file.
    public var leadingTrivia: SourceRange
    /// The `# ...` comment inside `leadingTrivia`, if any.
    public var comment: SourceRange?
    /// A number token that does not follow the number syntax (`1.2.3`, `5e`, `1.5k`): S002.
    public var isMalformed: Bool

    public init(kind: TokenKind, range: SourceRange, leadingTrivia: SourceRange, comment: SourceRange? = nil,
                isMalformed: Bool = false) {
        self.kind = kind
        self.range = range
        self.leadingTrivia = leadingTrivia
        self.comment = comment
        self.isMalformed = isMalformed
    }

    /// Whether this token ends a statement.
    public var isLineEnd: Bool { kind == .newline || kind == .endOfFile }
}
