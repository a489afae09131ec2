/// How the parser reports lexical and syntax errors (S0xx).
extension Parser {
    /// Records a syntax error unless the current line already has one.
    mutating func report(_ diagnostic: Diagnostic) {
        guard !lineHasError else { return }
        lineHasError = true
        diagnostics.append(diagnostic)
    }

    /// The current token is not one the grammar allows here. A lexical problem with the token
    /// itself (S001, S002) is reported instead of the expectation, being the real cause.
    mutating func reportUnexpected(_ code: DiagnosticCode, expected: String) {
        let token = current
        if token.kind == .unknown {
            report(unexpectedCharacter(token))
            return
        }
        if token.kind == .number, token.isMalformed {
            report(malformedNumber(token))
            return
        }
        let range = token.isLineEnd ? SourceRange.at(previousEnd) : token.range
        report(.error(code, "expected \(expected), found \(describe(token))", at: range))
    }

    mutating func reportMissingComma(between items: String) {
        report(.error(.missingComma, "expected ',' between \(items)", at: .at(previousEnd),
                      fixIts: [.insert(",", at: previousEnd, "insert ','")]))
    }

    mutating func reportUnclosed(_ open: Token, closer: String) {
        let opener = text(open)
        report(.error(.unclosedBracket, "expected '\(closer)' to close '\(opener)'", at: .at(previousEnd),
                      notes: [.init("'\(opener)' opened here", range: open.range)],
                      fixIts: [.insert(closer, at: previousEnd, "insert '\(closer)'")]))
    }

    /// How a message names a token it found.
    func describe(_ token: Token) -> String {
        switch token.kind {
        case .newline, .endOfFile: return token.kind.description
        default: return "'\(text(token))'"
        }
    }

    func malformedNumber(_ token: Token) -> Diagnostic {
        let literal = text(token)
        let bytes = Array(literal.utf8)
        var fixIts: [Diagnostic.FixIt] = []
        if let last = literal.last, last == "k" || last == "K",
           Lexer.isWellFormedNumber(bytes.dropLast()[...]) {
            let value = NumberLiteral.evaluate(String(literal.dropLast())).value * 1000
            if value == value.rounded(), value < 1e15 {
                fixIts = [.replace(token.range, with: String(Int64(value)), "write '\(Int64(value))'")]
            }
        } else if literal.hasSuffix("."), Lexer.isWellFormedNumber(bytes.dropLast()[...]) {
            fixIts = [.replace(token.range, with: String(literal.dropLast()), "remove the '.'")]
        } else if let split = (1..<bytes.count).last(where: { Lexer.isWellFormedNumber(bytes[..<$0]) }),
                  bytes[split...].allSatisfy(Lexer.isWordByte), !Lexer.isDigit(bytes[split]) {
            // `20epochs`: a number glued to a word.
            fixIts = [.insert(" ", at: token.range.start + split, "insert a space")]
        }
        return .error(.malformedNumber, "malformed number '\(literal)'", at: token.range,
                      notes: [.init("numbers are written like 128, 50k, 0.1, .5 or 5e-4; 'k' (×1000) only follows an integer")],
                      fixIts: fixIts)
    }

    func unexpectedCharacter(_ token: Token) -> Diagnostic {
        let text = self.text(token)
        let scalar = text.unicodeScalars.first!
        let shown = (scalar.properties.generalCategory == .control || scalar.properties.isWhitespace)
            ? "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
            : "'\(text)'"
        var notes: [Diagnostic.Note] = []
        var fixIts: [Diagnostic.FixIt] = []
        switch scalar.value {
        case 0x3B: // ;
            notes = [.init("statements end at the end of the line")]
            fixIts = [.remove(token.range, "remove ';'")]
        case 0x2212, 0x2013, 0x2014: // minus sign, en dash, em dash
            fixIts = [.replace(token.range, with: "-", "use the ASCII '-'")]
        case 0xD7: // ×
            fixIts = [.replace(token.range, with: "*", "use the ASCII '*'")]
        case 0xF7: // ÷
            fixIts = [.replace(token.range, with: "/", "use the ASCII '/'")]
        case 0xA0, 0x2007, 0x202F: // no-break spaces
            fixIts = [.replace(token.range, with: " ", "use an ordinary space")]
        case 0x22, 0x27, 0x2018, 0x2019, 0x201C, 0x201D: // quotes
            notes = [.init("names are written without quotes")]
        default:
            if scalar.value > 0x7F {
                notes = [.init("outside comments only ASCII letters, digits, '_' and the language's punctuation may appear")]
            }
        }
        return .error(.unexpectedCharacter, "unexpected character \(shown)", at: token.range, notes: notes, fixIts: fixIts)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
