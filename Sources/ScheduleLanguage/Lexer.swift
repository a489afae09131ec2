/// Turns source bytes into tokens. The lexer never fails: a character it cannot use becomes an
/// `unknown` token and a malformed number a number token marked `isMalformed`; the parser
/// reports both (S001, S002) so that each mistake gets exactly one message.
///
/// The lexical grammar is the one in Grammar/sched.ebnf (TOKEN and TRIVIA).
public struct Lexer {
    public static func tokenize(_ source: SourceFile) -> [Token] {
        var lexer = Lexer(bytes: source.bytes)
        return lexer.run()
    }

    /// The tokens of the lines from `start` up to `end` (both line starts; past the text's end:
    /// to the end, `endOfFile` included). A line lexes the same wherever it stands (no token
    /// spans lines), so these are the whole text's tokens in that range.
    public static func tokenize(_ source: SourceFile, lines range: Range<Int>) -> [Token] {
        var lexer = Lexer(bytes: source.bytes)
        lexer.position = range.lowerBound
        return lexer.run(until: range.upperBound)
    }

    private let bytes: [UInt8]
    private var position = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func run(until end: Int = .max) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity((min(end, bytes.count) - position) / 3 + 1)
        while position < end || end > bytes.count {
            let triviaStart = position
            var comment: SourceRange?
            skipTrivia(comment: &comment)
            let trivia = SourceRange(start: triviaStart, end: position)
            guard position < bytes.count else {
                tokens.append(Token(kind: .endOfFile, range: .at(position), leadingTrivia: trivia, comment: comment))
                return tokens
            }
            let start = position
            var malformed = false
            let kind = lexToken(malformed: &malformed)
            precondition(position > start, "the lexer consumes at least one byte per token")
            tokens.append(Token(kind: kind, range: SourceRange(start: start, end: position), leadingTrivia: trivia,
                                comment: comment, isMalformed: malformed))
        }
        return tokens
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    /// Spaces, tabs, byte-order marks and a comment running to the end of the line.
    private mutating func skipTrivia(comment: inout SourceRange?) {
        while let byte = peek() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                position += 1
            } else if byte == 0xEF, peek(1) == 0xBB, peek(2) == 0xBF { // U+FEFF, byte-order mark
                position += 3
            } else if byte == UInt8(ascii: "#") {
                let start = position
                while let next = peek(), next != UInt8(ascii: "\n"), next != UInt8(ascii: "\r") { position += 1 }
                comment = SourceRange(start: start, end: position)
            } else {
                return
            }
        }
    }

    private mutating func lexToken(malformed: inout Bool) -> TokenKind {
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "\n"):
            position += 1
            return .newline
        case UInt8(ascii: "\r"):
            position += 1
            if peek() == UInt8(ascii: "\n") { position += 1 }
            return .newline
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            while let next = peek(), Lexer.isWordByte(next) { position += 1 }
            return .identifier
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            malformed = !lexNumber()
            return .number
        case UInt8(ascii: "."):
            if let next = peek(1), Lexer.isDigit(next) {
                malformed = !lexNumber()
                return .number
            }
            position += 1
            return .unknown
        case UInt8(ascii: ":"): position += 1; return .colon
        case UInt8(ascii: ","): position += 1; return .comma
        case UInt8(ascii: "("): position += 1; return .leftParen
        case UInt8(ascii: ")"): position += 1; return .rightParen
        case UInt8(ascii: "["): position += 1; return .leftBracket
        case UInt8(ascii: "]"): position += 1; return .rightBracket
        case UInt8(ascii: "="): position += 1; return .equals
        case UInt8(ascii: "%"): position += 1; return .percent
        case UInt8(ascii: "-"): position += 1; return .minus
        case UInt8(ascii: "+"): position += 1; return .plus
        case UInt8(ascii: "*"):
            position += 1
            if peek() == UInt8(ascii: "=") { position += 1; return .starEquals }
            return .star
        case UInt8(ascii: "/"):
            position += 1
            if peek() == UInt8(ascii: "=") { position += 1; return .slashEquals }
            return .slash
        default:
            // One whole Unicode scalar (1–4 bytes), so ranges stay on character boundaries.
            position += 1
            while let next = peek(), next & 0xC0 == 0x80 { position += 1 }
            return .unknown
        }
    }

    /// Consumes a number and everything glued to it (letters, digits, '_', '.', and a sign
    /// right after an exponent 'e'), then says whether that text is a well-formed NUMBER:
    /// `DIGITS ("k" | "K")` or `(DIGITS ["." DIGITS] | "." DIGITS) [("e" | "E") ["+" | "-"] DIGITS]`.
    private mutating func lexNumber() -> Bool {
        let start = position
        while let next = peek() {
            if Lexer.isWordByte(next) || next == UInt8(ascii: ".") {
                position += 1
            } else if (next == UInt8(ascii: "+") || next == UInt8(ascii: "-")),
                      position > start, bytes[position - 1] == UInt8(ascii: "e") || bytes[position - 1] == UInt8(ascii: "E"),
                      let after = peek(1), Lexer.isDigit(after) {
                position += 1
            } else {
                break
            }
        }
        return Lexer.isWellFormedNumber(bytes[start..<position])
    }

    static func isWellFormedNumber(_ text: ArraySlice<UInt8>) -> Bool {
        var index = text.startIndex
        func digits() -> Int {
            let begin = index
            while index < text.endIndex, isDigit(text[index]) { index += 1 }
            return index - begin
        }
        let integerDigits = digits()
        if integerDigits > 0, index < text.endIndex, text[index] == UInt8(ascii: "k") || text[index] == UInt8(ascii: "K") {
            return index + 1 == text.endIndex
        }
        if index < text.endIndex, text[index] == UInt8(ascii: ".") {
            index += 1
            if digits() == 0 { return false }
        } else if integerDigits == 0 {
            return false
        }
        if index < text.endIndex, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            index += 1
            if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
            if digits() == 0 { return false }
        }
        return index == text.endIndex
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isDigit(byte) || byte == UInt8(ascii: "_")
    }
}
